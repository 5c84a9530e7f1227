/**
 * Worker thread for parallel ingestion: reads one input (a regular file, by its descriptor) through the
 * same ingestSource as the main thread and posts back its outcome. Digests of table captures hold class
 * instances that do not survive structured cloning, so captures are read on the main thread (analyze.ts
 * never sends them here; if one turns up anyway, the worker asks the main thread to read it).
 */
import { parentPort } from 'node:worker_threads';
import { ingestSource, type SourceHints } from './analyze.js';
import { sourceFromDescriptor, type FileDescriptor } from './ingest/source.js';
import { kinds } from './parsers/index.js';
import type { AnalyzeOptions } from './model/options.js';

export interface WorkerTask {
  readonly index: number;
  readonly desc: FileDescriptor;
  readonly options: AnalyzeOptions;
  readonly hints: SourceHints;
}

parentPort?.on('message', (task: WorkerTask) => {
  const assumptions: string[] = [];
  ingestSource(sourceFromDescriptor(task.desc), task.options, kinds, assumptions, task.hints).then(
    (outcome) => {
      if (outcome.bag.table.length) parentPort!.postMessage({ index: task.index, retryOnMain: true });
      else parentPort!.postMessage({ index: task.index, outcome, assumptions });
    },
    (err: unknown) => parentPort!.postMessage({ index: task.index, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
