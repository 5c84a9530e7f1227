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
import { LineSplitter, type LineSkipper } from '../ingest/line-splitter.js';
import { NeedleScanner } from '../util/bytes.js';

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
   * Optional byte fast path, tried before the line is decoded (never for too-long lines or lines
   * holding a NUL). Returns the same LineResult line() would return on the decoded text (and the
   * same state change), or `undefined` — with the state untouched — to fall back to line(text).
   */
  lineBytes?(buf: Buffer, start: number, end: number, lineNo: number, state: S): LineResult<R> | undefined;
  line(text: string, lineNo: number, state: S): LineResult<R>;
  /** Flush multi-line state at the end of the input. */
  end?(state: S): readonly R[];
  /** The main format/framing seen (inputs[].format), from the state after the last line. */
  format?(state: S): string | null;
  /** Assumptions this input needed (e.g. "kern.log: year 2026 from file modification time"), for run.assumptions. */
  assumptions?(state: S): readonly string[];
}

/** The text kept in an issue: the first 200 characters of the line. */
const ISSUE_TEXT_CHARS = 200;

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

  constructor(parser: LineParser<R, S>, ctx: ParseContext, sink: (r: R) => void, account: LineAccount = newAccount()) {
    this.parser = parser;
    this.sink = sink;
    this.account = account;
    this.state = parser.init(ctx);
    const next = parser.wants ? parser.nextCandidate : undefined;
    const st = this.state;
    const acc = this.account;
    const skipper: LineSkipper | null = next === undefined ? null : {
      next: (buf, from) => next(buf, from, st),
      skipped: (n) => { acc.total += n; acc.ignored += n; },
    };
    this.splitter = new LineSplitter((buf, start, end, lineNo, tooLong) => this.onLine(buf, start, end, lineNo, tooLong), MAX_LINE_BYTES, skipper);
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
    const tail = this.parser.end?.(this.state);
    if (tail) for (const r of tail) this.sink(r);
  }

  private issue(lineNo: number, code: LineIssueCode, text: string): void {
    const a = this.account;
    a.malformed++;
    if (a.issues.length < MAX_LISTED_ISSUES) a.issues.push({ line: lineNo, code, text: text.slice(0, ISSUE_TEXT_CHARS) });
  }

  private onLine(buf: Buffer, start: number, end: number, lineNo: number, tooLong: boolean): void {
    const a = this.account;
    a.total++;
    if (tooLong) {
      this.issue(lineNo, 'line-too-long', buf.toString('utf8', start, Math.min(end, start + ISSUE_TEXT_CHARS * 4)));
      return;
    }
    const p = this.parser;
    if (p.wants && !p.wants(buf, start, end, this.state)) {
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
  parser: LineParser<R, S>, chunks: AsyncIterable<Buffer>, ctx: ParseContext, sink: (r: R) => void, account: LineAccount = newAccount(),
): Promise<{ account: LineAccount; state: S }> {
  const d = new LineDriver(parser, ctx, sink, account);
  try {
    for await (const c of chunks) d.push(c);
  } finally {
    d.end();
  }
  return { account: d.account, state: d.state };
}

/** Sync helper for tests and small inputs: the same driver over one string or Buffer. */
export function parseText<R, S>(parser: LineParser<R, S>, text: string | Buffer, ctx: Partial<ParseContext> = {}): { records: R[]; account: LineAccount; state: S } {
  const records: R[] = [];
  const d = new LineDriver(parser, { ...DEFAULT_CONTEXT, ...ctx }, (r) => records.push(r));
  d.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  d.end();
  return { records, account: d.account, state: d.state };
}
