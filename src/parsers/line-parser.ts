/**
 * The line-parser contract and runLineParser: the ONLY place that keeps a LineAccount.
 * A parser's line() is pure, so one implementation serves both the stream (runLineParser)
 * and the sync test helper (parseText), which must give identical records and accounts.
 *
 * Byte fast path (issue 7, round 4): a parser may also implement `lineBytes(buf, start, end, lineNo,
 * state)`. The driver calls it for each wanted line that is not too long and holds no NUL, BEFORE
 * decoding the line; a LineResult is taken as the line's outcome (counted exactly as if line() had
 * returned it), `undefined` means "not understood here: decode and call line(text)". It must give
 * exactly what line() would give on the decoded text and leave the state exactly as line() would,
 * and it must not touch the state when it returns undefined.
 */
import type { LineAccount, LineIssueCode } from '../model/line-account.js';
import { MAX_LINE_BYTES, MAX_LISTED_ISSUES, newAccount } from '../model/line-account.js';
import type { InputKind } from '../model/records.js';
import type { TimeZone } from '../util/time.js';
import { UTC } from '../util/time.js';
import { LineSplitter, type LineRunner, type LineSkipper } from '../ingest/line-splitter.js';
import { NeedleScanner } from '../util/bytes.js';
import { CtdError, InputError } from '../model/errors.js';
import {
  CAND_TOO_LONG, SCAN_SEND, SCAN_VERIFY, scanFileParallel, type ParallelScanOptions, type RangeClassifier, type RangeClassifierModule,
  type RangeResult, type ScanFile,
} from '../ingest/parallel-scan.js';

/** What a parser learns about its input and run before the first line. */
export interface ParseContext {
  readonly sourceId: string;
  readonly path: string;
  /** File modification time (ms), a year source for year-less stamps; null for stdin/FIFO. */
  readonly mtimeMs: number | null;
  /** --year, when given. */
  readonly year: number | null;
  /** --tz (UTC when not given): the zone of stamps that carry none. */
  readonly tz: TimeZone;
  /** A table capture of this input may count on the tally thread (analysis/tally-thread.ts): a large input. */
  readonly tallyThread?: boolean;
  /** --top: the longest top list the report asks the table tallies for (default 10). */
  readonly top?: number;
  /** --burst-gap (ms): which drop lines' texts the kernel-log digest keeps (analysis/kernel.ts); none: all. */
  readonly burstGapMs?: number;
}

export const DEFAULT_CONTEXT: ParseContext = { sourceId: '1', path: 'input', mtimeMs: null, year: null, tz: UTC };

/** The outcome of one line: record(s), 'skip' (ignored on purpose), or malformed. */
export type LineResult<R> = R | readonly R[] | 'skip' | { readonly malformed: LineIssueCode; readonly detail?: string };

export interface LineParser<R, S> {
  readonly kind: InputKind;
  init(ctx: ParseContext): S;
  /**
   * Optional byte prefilter: false means the line is irrelevant (counted as ignored) and never
   * becomes a string. It may keep scan positions and cheap facts (a boot id) in the state, but its
   * answer must depend only on the bytes seen so far, never on how they were split into blocks.
   */
  wants?(buf: Buffer, start: number, end: number, state: S): boolean;
  /**
   * Optional bulk prefilter (needs `wants`): the first position at or after `from` in `buf` that may
   * make a line wanted, or -1 when none in this block. Complete lines before the line holding it are
   * counted as ignored without calling wants() or line(), so it must find a position in every line
   * wants() accepts (a superset, checked by wants() afterwards), and wants() must not need to see
   * the lines it skips.
   */
  nextCandidate?(buf: Buffer, from: number, state: S): number;
  /**
   * Optional, with nextCandidate: true when a line may be wanted by how it starts (a cheap byte check);
   * such lines are not skipped in bulk. Every line wants() accepts must hold a position nextCandidate
   * finds OR be one this accepts.
   */
  candidateStart?(buf: Buffer, start: number, end: number, state: S): boolean;
  /**
   * Optional byte fast path, tried before the line is decoded (never for too-long lines or lines
   * holding a NUL). Returns the same LineResult line() would return on the decoded text (and the
   * same state change), or `undefined` — with the state untouched — to fall back to line(text).
   */
  lineBytes?(buf: Buffer, start: number, end: number, lineNo: number, state: S): LineResult<R> | undefined;
  /**
   * Optional run fast path (the capture engine; used only when the driver is made with `runs: true`):
   * several complete lines from `start` (the first numbered lineNo) taken at once as ONE record, each
   * line counted as parsed and the state changed as line() would change it for each; null (state
   * untouched) when the line at `start` is not one it takes. See LineRunner in ingest/line-splitter.ts
   * for which lines it may take; `block` numbers the driver's blocks.
   */
  runBytes?(buf: Buffer, start: number, end: number, lineNo: number, state: S, block: number): RunResult<R> | null;
  /**
   * Optional parallel prefilter for big regular files (ingest/parallel-scan.ts, `runLineParserOnFile`):
   * a stateless RangeClassifier that worker threads run over byte ranges (`module`, imported by URL in
   * the worker; `make`, the same factory for this thread). Its SCAN_IGNORE verdicts must be lines wants()
   * rejects (see the SCAN_* constants); needs `wants`.
   */
  readonly rangeScan?: { readonly module: RangeClassifierModule; readonly make: () => RangeClassifier };
  line(text: string, lineNo: number, state: S): LineResult<R>;
  /** Flush multi-line state at the end of the input. */
  end?(state: S): readonly R[];
  /** The main format/framing seen (inputs[].format), from the state after the last line. */
  format?(state: S): string | null;
  /** Assumptions this input needed (e.g. "kern.log: year 2026 from file modification time"), for run.assumptions. */
  assumptions?(state: S): readonly string[];
}

/** What runBytes took: `lines` lines, the next one starting at `next`, as `record`. */
export interface RunResult<R> {
  lines: number;
  next: number;
  record: R;
}

/** Options of a {@link LineDriver}. */
export interface DriverOptions {
  /**
   * Let the parser's runBytes take runs of lines (its run records need a consumer that knows them: the
   * analysis accumulators do; `keepRecordsInto` expands them into their lines' records for the others).
   */
  readonly runs?: boolean;
}

/** The text kept in an issue: the first 200 characters of the line. */
const ISSUE_TEXT_CHARS = 200;
/** Bytes of a too-long line decoded for its issue text (enough for ISSUE_TEXT_CHARS characters). */
const TOO_LONG_TEXT_BYTES = ISSUE_TEXT_CHARS * 4;

function isMalformed<R>(r: LineResult<R>): r is { readonly malformed: LineIssueCode; readonly detail?: string } {
  return typeof r === 'object' && r !== null && !Array.isArray(r) && Object.prototype.hasOwnProperty.call(r, 'malformed');
}

/** Drive a parser over byte blocks. Returns the parser state (for format()) after end(). */
export class LineDriver<R, S> {
  readonly account: LineAccount;
  readonly state: S;
  private readonly splitter: LineSplitter;
  private readonly parser: LineParser<R, S>;
  private readonly sink: (r: R) => void;
  private readonly nul = new NeedleScanner(0);

  constructor(parser: LineParser<R, S>, ctx: ParseContext, sink: (r: R) => void, account: LineAccount = newAccount(), opts: DriverOptions = {}) {
    this.parser = parser;
    this.sink = sink;
    this.account = account;
    this.state = parser.init(ctx);
    const next = parser.wants ? parser.nextCandidate : undefined;
    const st = this.state;
    const acc = this.account;
    const startsWanted = parser.candidateStart;
    const skipper: LineSkipper | null = next === undefined ? null : {
      next: (buf, from) => next(buf, from, st),
      skipped: (n) => { acc.total += n; acc.ignored += n; },
      ...(startsWanted === undefined ? {} : { lineStart: (buf: Buffer, start: number, end: number) => startsWanted(buf, start, end, st) }),
    };
    const runBytes = opts.runs === true ? parser.runBytes : undefined;
    const runner: LineRunner | null = runBytes === undefined ? null : {
      next: 0,
      run(buf, pos, end, lineNo, block) {
        const r = runBytes(buf, pos, end, lineNo, st, block);
        if (r === null) return 0;
        acc.total += r.lines;
        acc.parsed += r.lines;
        sink(r.record);
        this.next = r.next;
        return r.lines;
      },
    };
    this.splitter = new LineSplitter((buf, start, end, lineNo, tooLong) => this.onLine(buf, start, end, lineNo, tooLong), MAX_LINE_BYTES, skipper, true, runner);
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    const tail = this.parser.end?.(this.state);
    if (tail) for (const r of tail) this.sink(r);
  }

  /**
   * One line cut elsewhere (a parallel scan's candidate): counted and parsed exactly as the splitter's
   * line would be. Lines must arrive in order, with their numbers in the whole input. `wanted`: the
   * scan's verdict was SCAN_SEND, i.e. the parser's prefilter accepts the line in any state (it is not
   * asked again).
   */
  feedLine(buf: Buffer, start: number, end: number, lineNo: number, tooLong: boolean, wanted = false): void {
    this.onLine(buf, start, end, lineNo, tooLong, wanted);
  }

  /** Lines a parallel scan found irrelevant: counted as ignored, as the splitter's bulk skipping does. */
  feedIgnored(lines: number): void {
    this.account.total += lines;
    this.account.ignored += lines;
  }

  private issue(lineNo: number, code: LineIssueCode, text: string): void {
    const a = this.account;
    a.malformed++;
    if (a.issues.length < MAX_LISTED_ISSUES) a.issues.push({ line: lineNo, code, text: text.slice(0, ISSUE_TEXT_CHARS) });
  }

  private onLine(buf: Buffer, start: number, end: number, lineNo: number, tooLong: boolean, wanted = false): void {
    const a = this.account;
    a.total++;
    if (tooLong) {
      this.issue(lineNo, 'line-too-long', buf.toString('utf8', start, Math.min(end, start + TOO_LONG_TEXT_BYTES)));
      return;
    }
    const p = this.parser;
    if (!wanted && p.wants && !p.wants(buf, start, end, this.state)) {
      a.ignored++;
      return;
    }
    const hasNul = this.nul.has(buf, start, end);
    if (!hasNul && p.lineBytes !== undefined) {
      const rb = p.lineBytes(buf, start, end, lineNo, this.state);
      if (rb !== undefined) {
        this.outcome(rb, lineNo, buf, start, end);
        return;
      }
    }
    let text = buf.toString('utf8', start, end);
    if (hasNul) {
      // NUL runs (a log cut by a hard reset): drop them and keep reading; a line of nothing but NULs
      // (and blanks) is one malformed 'binary-region' line.
      text = text.replace(/\0+/g, '');
      if (text.trim() === '') {
        this.issue(lineNo, 'binary-region', `${end - start} bytes of NUL/blank`);
        return;
      }
    }
    this.outcome(p.line(text, lineNo, this.state), lineNo, text);
  }

  /** Count one line's outcome and sink its records; `textOrBuf` gives the issue text of a malformed line. */
  private outcome(r: LineResult<R>, lineNo: number, textOrBuf: string | Buffer, start = 0, end = 0): void {
    const a = this.account;
    if (r === 'skip') {
      a.ignored++;
    } else if (isMalformed(r)) {
      this.issue(lineNo, r.malformed, r.detail ?? (typeof textOrBuf === 'string' ? textOrBuf : textOrBuf.toString('utf8', start, end)));
    } else if (Array.isArray(r)) {
      a.parsed++;
      for (const x of r as readonly R[]) this.sink(x);
    } else {
      a.parsed++;
      this.sink(r as R);
    }
  }
}

/** Stream a source's blocks through a parser. Errors from the source propagate after the lines read so far were sunk. */
export async function runLineParser<R, S>(
  parser: LineParser<R, S>, chunks: AsyncIterable<Buffer>, ctx: ParseContext, sink: (r: R) => void, account: LineAccount = newAccount(), opts: DriverOptions = {},
): Promise<{ account: LineAccount; state: S }> {
  const d = new LineDriver(parser, ctx, sink, account, opts);
  try {
    for await (const c of chunks) d.push(c);
  } finally {
    d.end();
  }
  return { account: d.account, state: d.state };
}

/** Options of {@link runLineParserOnFile}: the scan's (workers, range size, minimum size, progress). */
export type FileScanOptions = Omit<ParallelScanOptions, 'maxLineBytes' | 'keepBytes'>;

/**
 * Read a big regular file through a parser with a parallel prefilter (parser.rangeScan): worker threads
 * cut and classify byte ranges, this thread parses their candidate lines in file order and counts the
 * rest as ignored, so records, account, issues and state are exactly those of runLineParser. Returns
 * null, having read nothing, when the parser has no rangeScan or the file is not worth it (small, gzip,
 * one core, ...): read it with runLineParser then.
 */
export async function runLineParserOnFile<R, S>(
  parser: LineParser<R, S>, file: ScanFile, ctx: ParseContext, sink: (r: R) => void, account: LineAccount = newAccount(), opts: FileScanOptions = {},
): Promise<{ account: LineAccount; state: S } | null> {
  const scan = parser.rangeScan;
  const wants = parser.wants;
  if (scan === undefined || wants === undefined) return null;
  // a holder, not a `let`: the driver is made by the first range (in a callback), used after the scan
  const held: { d: LineDriver<R, S> | null } = { d: null };
  let base = 0;
  const onRange = (r: RangeResult, readRegion: (from: number, to: number, push: (b: Buffer) => void) => void): void => {
    held.d ??= new LineDriver(parser, ctx, sink, account);
    const drv = held.d;
    const { bytes, meta } = r;
    let prev = 0;
    let off = 0;
    for (let k = 0; k < r.candidates; k++) {
      const local = meta[3 * k]!;
      const flags = meta[3 * k + 1]!;
      const len = meta[3 * k + 2]!;
      if (local - prev > 1) drv.feedIgnored(local - prev - 1);
      drv.feedLine(bytes, off, off + len, base + local, (flags & CAND_TOO_LONG) !== 0, flags === SCAN_SEND);
      prev = local;
      if (flags === SCAN_VERIFY && wants(bytes, off, off + len, drv.state)) {
        // The worker ignored the lines after this one on the promise that wants() rejects them as it
        // now rejects this one; it does not: re-read the rest of the range here, serially.
        const after = local;
        const lineBase = base;
        const splitter = new LineSplitter((buf, s, e, n, tooLong) => {
          if (n > after) drv.feedLine(buf, s, e, lineBase + n, tooLong);
        }, MAX_LINE_BYTES, null, r.start === 0);
        readRegion(r.start, r.end, (b) => splitter.push(b));
        splitter.end();
        if (splitter.lines !== r.lines) throw new InputError('CTD_INPUT_UNREADABLE', `${file.path}: the file changed while it was read (${r.lines} lines in a range, then ${splitter.lines})`, { path: file.path });
        prev = r.lines;
        break;
      }
      off += len;
    }
    if (r.lines > prev) drv.feedIgnored(r.lines - prev);
    base += r.lines;
  };
  let used = false;
  try {
    used = await scanFileParallel(file, scan.module, scan.make, { ...opts, maxLineBytes: MAX_LINE_BYTES, keepBytes: TOO_LONG_TEXT_BYTES }, onRange);
  } catch (err) {
    // threads that fail before the first range reached the parser (no worker could start): read serially
    if (held.d === null && !(err instanceof CtdError)) return null;
    throw err;
  } finally {
    // as runLineParser: flushed also when a read fails (what was read so far counts)
    held.d?.end();
  }
  if (!used || held.d === null) return null;
  return { account: held.d.account, state: held.d.state };
}

/**
 * A record fit to keep past the sink call. Records are handed to the sink synchronously and may be
 * TRANSIENT — the capture fast path refills one entry object per input and reads its text from the
 * input block, which the file reader reuses (parsers/conntrack-table/bytes.ts `PackedEntry`) — so a
 * consumer that keeps records keeps `keepRecord(r)`: a transient record's plain copy, else r itself.
 */
export function keepRecord<R>(r: R): R {
  const plain = (r as { plain?: () => R }).plain;
  return typeof plain === 'function' ? plain.call(r) : r;
}

/** Push what {@link keepRecord} keeps of r; a run record (`runs: true`) gives the records of its lines. */
export function keepRecordsInto<R>(out: R[], r: R): void {
  const kept = keepRecord(r);
  if (Array.isArray(kept)) out.push(...(kept as R[]));
  else out.push(kept);
}

/** Sync helper for tests and small inputs: the same driver over one string or Buffer. */
export function parseText<R, S>(parser: LineParser<R, S>, text: string | Buffer, ctx: Partial<ParseContext> = {}): { records: R[]; account: LineAccount; state: S } {
  const records: R[] = [];
  const d = new LineDriver(parser, { ...DEFAULT_CONTEXT, ...ctx }, (r) => records.push(keepRecord(r)));
  d.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  d.end();
  return { records, account: d.account, state: d.state };
}
