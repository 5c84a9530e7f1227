/**
 * Worker thread of a parallel range scan (parallel-scan.ts): imports the parser's range classifier by
 * URL, then scans each range index the main thread posts and posts back the range's line count and
 * candidate lines (their buffers transferred, not copied). The file is opened per range, so a worker
 * terminated mid-scan leaves no descriptor open for long.
 */
import { closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CtdError } from '../model/errors.js';
import { openScanFile, scanRange, type RangeClassifier, type WorkerReply, type WorkerSetup } from './parallel-scan.js';

const setup = workerData as WorkerSetup;
const mod = (await import(setup.cls.url)) as Record<string, unknown>;
const factory = mod[setup.cls.factory];
if (typeof factory !== 'function') throw new Error(`${setup.cls.url} exports no function ${setup.cls.factory}`);
const classifier = (factory as () => RangeClassifier)();
const block = Buffer.allocUnsafeSlow(128 * 1024);

parentPort!.on('message', (index: number) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const fd = openScanFile(setup.job.file, setup.job.noFollow, setup.job.path);
    try {
      const r = scanRange(fd, setup.job, index, classifier, block);
      // both stores were allocated unpooled (allocUnsafeSlow / Float64Array): their whole ArrayBuffers can move
      const bytes = r.bytes.buffer as ArrayBuffer;
      const meta = r.meta.buffer as ArrayBuffer;
      reply = { index, start: r.start, end: r.end, lines: r.lines, candidates: r.candidates, bytes, used: r.bytes.length, meta };
      if (bytes.byteLength > 0) transfer.push(bytes);
      if (meta.byteLength > 0 && meta !== bytes) transfer.push(meta);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    reply = { index, error: err instanceof Error ? err.message : String(err), ...(err instanceof CtdError ? { code: err.code } : {}) };
  }
  parentPort!.postMessage(reply, transfer);
});
parentPort!.postMessage({ ready: true } satisfies WorkerReply);
