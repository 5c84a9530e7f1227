/**
 * The shape every input kind has (knip's plugins: same shape for every kind). Adding a kind is a new
 * folder under parsers/ exporting a KindModule, plus one line in parsers/index.ts.
 */
import type { LineAccount } from '../model/line-account.js';
import type { AnyRecord, InputKind } from '../model/records.js';
import type { DriverOptions, FileScanOptions, LineParser, ParseContext } from './line-parser.js';
import { runLineParser, runLineParserOnFile } from './line-parser.js';
import type { ScanFile } from '../ingest/parallel-scan.js';

export interface KindModule {
  readonly kind: InputKind;
  /**
   * Confidence 0..1 that these first lines (up to SNIFF_LINES, already decoded, NULs removed) are this
   * kind. `name` is the file's base name: it only breaks ties (a small bonus, never enough alone).
   */
  sniff(head: readonly string[], name: string): number;
  /** The kind's line parser (its state type hidden). */
  readonly parser: LineParser<AnyRecord, unknown>;
  /** Stream blocks through this kind's parser. */
  run(chunks: AsyncIterable<Buffer>, ctx: ParseContext, sink: (r: AnyRecord) => void, account: LineAccount, opts?: DriverOptions): Promise<{ format: string | null; assumptions: readonly string[] }>;
  /**
   * Read a big regular file with a parallel prefilter (worker threads over byte ranges), with exactly
   * the outcome of run(); null, having read nothing and touched neither sink nor account, when this kind
   * or this file does not qualify (then call run()). Only kinds whose parser has a `rangeScan` have it.
   */
  runFile?(file: ScanFile, ctx: ParseContext, sink: (r: AnyRecord) => void, account: LineAccount, opts?: FileScanOptions): Promise<{ format: string | null; assumptions: readonly string[] } | null>;
}

/** Lines handed to sniffers. */
export const SNIFF_LINES = 64;

/** Wrap a typed LineParser into a KindModule (hides the parser's state type). */
export function defineKind<R extends AnyRecord, S>(def: {
  readonly kind: InputKind;
  readonly sniff: (head: readonly string[], name: string) => number;
  readonly parser: LineParser<R, S>;
}): KindModule & { readonly parser: LineParser<R, S> } {
  return {
    kind: def.kind,
    sniff: def.sniff,
    parser: def.parser,
    async run(chunks, ctx, sink, account, opts) {
      const { state } = await runLineParser(def.parser, chunks, ctx, sink as (r: R) => void, account, opts);
      return { format: def.parser.format?.(state) ?? null, assumptions: def.parser.assumptions?.(state) ?? [] };
    },
    ...(def.parser.rangeScan === undefined ? {} : {
      async runFile(file: ScanFile, ctx: ParseContext, sink: (r: AnyRecord) => void, account: LineAccount, opts?: FileScanOptions) {
        const res = await runLineParserOnFile(def.parser, file, ctx, sink as (r: R) => void, account, opts);
        if (res === null) return null;
        return { format: def.parser.format?.(res.state) ?? null, assumptions: def.parser.assumptions?.(res.state) ?? [] };
      },
    }),
  };
}
