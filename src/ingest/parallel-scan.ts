/**
 * Parallel prefilter over byte ranges of one regular file (issue 7, round 7). Worker threads each read
 * alternate byte ranges of the file (their own fd, one reused small block), cut lines with the same
 * LineSplitter as the serial path, run a parser's STATELESS byte prefilter (a {@link RangeClassifier})
 * and post back, per range, only the number of lines and the candidate lines (bytes copied, with their
 * line numbers within the range). The main thread feeds those, in file order, to the same parser state
 * (parsers/line-parser.ts `runLineParserOnFile`) and counts the other lines as ignored, so the parser
 * sees exactly the lines a serial run would hand it.
 *
 * Ranges: range k covers the LINES THAT START in [k·R, (k+1)·R) (the last range: to the end of the
 * file, however long it has grown). A line starts at 0 or after a newline, so range k (k > 0) begins
 * after the first newline at or after k·R − 1 and ends after the first newline at or after (k+1)·R − 1
 * (or at the end of the file); a range holding no line start is empty. A line longer than a range is
 * read only by the worker whose range holds its start, and the splitter skips its tail unbuffered.
 *
 * Nothing in ingest/ knows a parser: the classifier comes from a module URL and a factory name the
 * parser gives (`LineParser.rangeScan`), imported by the worker.
 */
import { closeSync, constants as fsConstants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { InputError } from '../model/errors.js';
import { LineSplitter } from './line-splitter.js';

/** The line cannot matter whatever the parser state: counted as ignored, never sent. */
export const SCAN_IGNORE = 0;
/**
 * The line matters: the parser's prefilter (`wants`) accepts it whatever the parser state (a needle, a
 * NUL, a journal marker). Sent to the main thread, which parses it without running the prefilter again.
 */
export const SCAN_SEND = 1;
/**
 * Sent, and a promise about the lines after it: until the next line that is sent, the classifier
 * returned SCAN_IGNORE only for lines on which the parser's prefilter answers exactly as it answers on
 * THIS line once this line has been parsed (a journal JSON line of the same host and boot id). The main
 * thread checks that the prefilter rejects this line after parsing it; if not, it re-reads the rest of
 * the range itself.
 */
export const SCAN_VERIFY = 2;
export type ScanVerdict = typeof SCAN_IGNORE | typeof SCAN_SEND | typeof SCAN_VERIFY;

/** Flag in a candidate's meta: the line was longer than the cap (its first keepBytes bytes were kept). */
export const CAND_TOO_LONG = 4;

/**
 * A parser's stateless byte prefilter, as a worker runs it over one range (see the SCAN_* verdicts).
 * Stateful only in what it remembers between lines of one range (reset() at each range start).
 */
export interface RangeClassifier {
  /** Called before the first line of each range. */
  reset(): void;
  /** As LineParser.nextCandidate: the first byte at or after `from` that may make a line interesting, or -1. */
  nextCandidate(buf: Buffer, from: number): number;
  /** As LineParser.candidateStart (optional): a line that may matter by how it starts is not skipped. */
  candidateStart?(buf: Buffer, start: number, end: number): boolean;
  /** The verdict on the (complete, not too long) line [start, end) of `buf`. */
  classify(buf: Buffer, start: number, end: number): ScanVerdict;
  /**
   * Optional: the block the range scan reads into (instead of its own), and `blockRead(n)` called after
   * each read of n bytes into it, before any view of it reaches the classifier (a SIMD scan of the block:
   * util/simd-scan.ts). With them, `bulk` as LineSkipper.bulk.
   */
  readonly readBlock?: Buffer;
  blockRead?(n: number): void;
  bulk?(buf: Buffer, pos: number, last: number, maxLineBytes: number): number;
}

/** Where a worker finds a parser's classifier: `(await import(url))[factory]()`. */
export interface RangeClassifierModule {
  readonly url: string;
  readonly factory: string;
}

/** Files smaller than this are read serially (thread start-up would cost more than it saves). */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;
/** Bytes per range (a unit of work handed to a worker). */
export const RANGE_BYTES = 4 * 1024 * 1024;
/** The reused read block of a worker (stays in L2 between the read's copy and the scans). */
const SCAN_BLOCK_BYTES = 128 * 1024;
/** Ranges handed to each worker ahead of its replies (so a worker never waits for the main thread). */
const AHEAD_PER_WORKER = 3;
/**
 * How far the main thread may scan past the next range to deliver (waiting for a worker's): at most this
 * many ranges, and while the results waiting to be delivered hold less than PENDING_BYTES (candidate
 * lines). A slow worker range then costs the main thread no idle time on the usual input, and memory stays
 * bounded on an input whose every line is a candidate (round 12).
 */
const AHEAD_MAX_RANGES = 32;
const PENDING_BYTES = 32 * 1024 * 1024;
/**
 * Candidate lines above this share of the bytes scanned (after DENSE_AFTER_RANGES ranges): the workers are
 * let go and this thread scans the rest itself. Parsing a candidate line costs ~100 times scanning its
 * bytes, so on such a file (a week of drop lines) the main thread's parse is all the wall time and a worker
 * saves a few per cent, while its isolate, the transferred stores and the results scanned ahead cost ~100
 * MiB of peak RSS (round 15: 203–213 → 125–141 MiB on the bench's drops-week log, the same time).
 */
export const DENSE_SHARE = 0.25;
const DENSE_AFTER_RANGES = 2;

/** What a range scan needs to know besides the classifier (plain data: it crosses to workers). */
export interface ScanJob {
  readonly file: string;
  /** The path as reported (error messages). */
  readonly path: string;
  readonly noFollow: boolean;
  /** File size when the scan started: ranges are cut from it; the last range reads to the end anyway. */
  readonly size: number;
  readonly rangeBytes: number;
  readonly count: number;
  readonly maxLineBytes: number;
  /** Bytes kept of a too-long line (the driver shows only its start in the issue list). */
  readonly keepBytes: number;
}

/**
 * The outcome of one range. Candidates are concatenated in `bytes`; `meta` holds three numbers per
 * candidate: its line number within the range (1-based), its verdict (| CAND_TOO_LONG) and its length.
 */
export interface RangeResult {
  readonly index: number;
  /** File offsets of the range's first line and of the byte after its last line (-1, -1: empty range). */
  readonly start: number;
  readonly end: number;
  readonly lines: number;
  readonly candidates: number;
  readonly bytes: Buffer;
  readonly meta: Float64Array;
}

export function openScanFile(file: string, noFollow: boolean, shownPath: string): number {
  try {
    return openSync(file, noFollow ? fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW : fsConstants.O_RDONLY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError('CTD_INPUT_UNREADABLE', `${shownPath}: read failed (${e.code ?? e.message})`, { path: shownPath });
  }
}

function readAt(fd: number, block: Buffer, pos: number, path: string): number {
  try {
    return readSync(fd, block, 0, block.length, pos);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError('CTD_INPUT_UNREADABLE', `${path}: read failed (${e.code ?? e.message})`, { path });
  }
}

/** The first newline at a file offset in [from, to), or -1. */
function findNewline(fd: number, from: number, to: number, block: Buffer, path: string): number {
  let off = from;
  while (off < to) {
    const n = readAt(fd, block, off, path);
    if (n === 0) return -1;
    const nl = block.subarray(0, Math.min(n, to - off)).indexOf(10);
    if (nl !== -1) return off + nl;
    off += n;
  }
  return -1;
}

/**
 * The two stores of a range's candidates, used again by the thread that filled them once the range was
 * delivered. A file whose every line is a candidate fills megabytes a range; allocating them anew for each
 * range left glibc holding tens of MiB of freed blocks (round 15).
 */
export interface SinkBuffers {
  readonly bytes: ArrayBuffer;
  readonly meta: ArrayBuffer;
}

/** The stores of a delivered result, to be used again (none for an empty range). */
export function sinkOf(r: RangeResult): SinkBuffers | null {
  const bytes = r.bytes.buffer as ArrayBuffer;
  const meta = r.meta.buffer as ArrayBuffer;
  return bytes.byteLength > 0 && meta.byteLength > 0 && bytes !== meta ? { bytes, meta } : null;
}

/** Growable candidate store (its own ArrayBuffers, so they can be transferred to another thread). */
class CandidateSink {
  bytes: Buffer;
  used = 0;
  meta: Float64Array;
  count = 0;

  constructor(reuse: SinkBuffers | null) {
    this.bytes = reuse ? Buffer.from(reuse.bytes) : Buffer.allocUnsafeSlow(64 * 1024);
    this.meta = reuse ? new Float64Array(reuse.meta) : new Float64Array(3 * 256);
  }

  add(buf: Buffer, start: number, end: number, lineNo: number, flags: number): void {
    const len = end - start;
    if (this.used + len > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.used + len));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    buf.copy(this.bytes, this.used, start, end);
    this.used += len;
    if (3 * (this.count + 1) > this.meta.length) {
      const grown = new Float64Array(this.meta.length * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
    const m = 3 * this.count++;
    this.meta[m] = lineNo;
    this.meta[m + 1] = flags;
    this.meta[m + 2] = len;
  }
}

/**
 * Scan range `index` of an open file: the same line cutting as the serial splitter (CR before LF, a BOM
 * at offset 0 only, lines over the cap cut, a last line without newline), the classifier on each line.
 * `block` is reused; each read is handed on as a fresh view (scanners key their memory by identity).
 */
export function scanRange(fd: number, job: ScanJob, index: number, classifier: RangeClassifier, block: Buffer, reuse: SinkBuffers | null = null): RangeResult {
  const R = job.rangeBytes;
  const last = index === job.count - 1;
  const a = index * R;
  let pos = 0;
  if (index > 0) {
    const nl = findNewline(fd, a - 1, last ? Number.POSITIVE_INFINITY : a + R - 1, block, job.path);
    if (nl === -1) return { index, start: -1, end: -1, lines: 0, candidates: 0, bytes: Buffer.allocUnsafeSlow(0), meta: new Float64Array(0) };
    pos = nl + 1;
  }
  classifier.reset();
  const out = new CandidateSink(reuse);
  const keep = job.keepBytes;
  const splitter = new LineSplitter((buf, start, end, lineNo, tooLong) => {
    if (tooLong) {
      out.add(buf, start, Math.min(end, start + keep), lineNo, CAND_TOO_LONG);
      return;
    }
    const v = classifier.classify(buf, start, end);
    if (v !== SCAN_IGNORE) out.add(buf, start, end, lineNo, v);
  }, job.maxLineBytes, {
    next: (buf, from) => classifier.nextCandidate(buf, from),
    skipped: () => undefined,
    ...(classifier.bulk === undefined ? {} : { bulk: (buf: Buffer, p: number, l: number, m: number) => classifier.bulk!(buf, p, l, m) }),
    ...(classifier.candidateStart === undefined ? {} : { lineStart: (buf: Buffer, s: number, e: number) => classifier.candidateStart!(buf, s, e) }),
  }, pos === 0);
  // the range ends after the first newline at or after stopAt (the next range starts there)
  const stopAt = last ? Number.POSITIVE_INFINITY : a + R - 1;
  let off = pos;
  const into = classifier.readBlock ?? block;
  for (;;) {
    const n = readAt(fd, into, off, job.path);
    if (n === 0) break;
    const view = into.subarray(0, n);
    let take = n;
    let stop = false;
    if (off + n > stopAt) {
      const nl = view.indexOf(10, Math.max(0, stopAt - off));
      if (nl !== -1) {
        take = nl + 1;
        stop = true;
      }
    }
    if (!stop) {
      // the block ends at its last newline, and the next read starts after it (round 17): no line is carried
      // (a copy per block) across blocks; a block without a newline, part of a longer line, is pushed whole
      const last = view.lastIndexOf(10);
      if (last !== -1) take = last + 1;
    }
    classifier.blockRead?.(take);
    splitter.push(into.subarray(0, take));
    off += take;
    if (stop) break;
  }
  splitter.end();
  return {
    index, start: pos, end: off, lines: splitter.lines, candidates: out.count,
    bytes: out.bytes.subarray(0, out.used), meta: out.meta.subarray(0, 3 * out.count),
  };
}

/** A regular file to scan: what source.ts's FileDescriptor says about it. */
export interface ScanFile {
  readonly file: string;
  readonly path: string;
  readonly noFollow: boolean;
  readonly gunzip: boolean;
}

export interface ParallelScanOptions {
  /**
   * Worker threads (default: parallelScanWorkers(); when that is 0 the scan declines). 0 given
   * explicitly: scan the ranges on this thread, in order (tests: the same code without the threads).
   */
  readonly workers?: number;
  readonly rangeBytes?: number;
  /** Scan files at least this big (default PARALLEL_MIN_BYTES). */
  readonly minBytes?: number;
  readonly maxLineBytes: number;
  readonly keepBytes: number;
  /** Bytes read so far (the end of the last range handed on). */
  readonly onProgress?: (bytesRead: number) => void;
  /** Tests: the main thread's bound on undelivered results (default PENDING_BYTES). */
  readonly pendingBytes?: number;
  /** Called when the file proved dense in candidates and the workers were let go (see DENSE_SHARE). */
  readonly onDense?: () => void;
}

const WORKER_URL = new URL('./parallel-scan-worker.js', import.meta.url);

/**
 * Worker threads a parallel scan would use here, or 0 when it should not run (one core, not the main
 * thread, no worker script): one per spare core, at most 3, since this thread scans ranges too. On 2 cores
 * one worker and this thread beat two workers and this thread (10 % less wall and CPU on kern.log:
 * docs/PERFORMANCE.md, round 12): a third busy thread only takes turns with the other two.
 */
export function parallelScanWorkers(): number {
  if (!isMainThread) return 0; // a --jobs worker already reads this file: do not stack threads
  const cores = availableParallelism();
  if (cores < 2) return 0;
  if (!WORKER_URL.protocol.startsWith('file') || !existsSync(fileURLToPath(WORKER_URL))) return 0; // run from sources (tsx)
  return Math.min(cores - 1, 3);
}

/**
 * Scan a regular file in ranges and hand each range's result to `onRange` in file order. Returns false,
 * having read nothing, when the file is not worth it or cannot be scanned this way (too small, gzip,
 * not a regular file): the caller then reads it serially. `onRange` may call `readRegion` (a synchronous
 * re-read of file bytes on this thread) for a range it cannot take from the candidates alone.
 */
export async function scanFileParallel(
  f: ScanFile, cls: RangeClassifierModule, makeClassifier: () => RangeClassifier, opts: ParallelScanOptions,
  onRange: (r: RangeResult, readRegion: (from: number, to: number, push: (block: Buffer) => void) => void) => void,
): Promise<boolean> {
  const workers = opts.workers ?? parallelScanWorkers();
  if (workers === 0 && opts.workers === undefined) return false; // no threads here: the serial path is cheaper
  const fd = openScanFile(f.file, f.noFollow, f.path);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size < (opts.minBytes ?? PARALLEL_MIN_BYTES)) return false;
    if (f.gunzip) {
      const two = Buffer.alloc(2);
      if (readAt(fd, two, 0, f.path) === 2 && two[0] === 0x1f && two[1] === 0x8b) return false;
    }
    const rangeBytes = opts.rangeBytes ?? RANGE_BYTES;
    const job: ScanJob = {
      file: f.file, path: f.path, noFollow: f.noFollow, size: st.size, rangeBytes, count: Math.max(1, Math.ceil(st.size / rangeBytes)),
      maxLineBytes: opts.maxLineBytes, keepBytes: opts.keepBytes,
    };
    const block = Buffer.allocUnsafeSlow(SCAN_BLOCK_BYTES);
    const readRegion = (from: number, to: number, push: (b: Buffer) => void): void => {
      for (let off = from; off < to;) {
        const n = readAt(fd, block, off, f.path);
        if (n === 0) break;
        const take = Math.min(n, to - off);
        push(block.subarray(0, take));
        off += take;
      }
    };
    const deliver = (r: RangeResult): void => {
      onRange(r, readRegion);
      if (r.end !== -1) opts.onProgress?.(r.end);
    };
    if (workers <= 0) {
      const c = makeClassifier();
      let spare: SinkBuffers | null = null;
      for (let i = 0; i < job.count; i++) {
        const r = scanRange(fd, job, i, c, block, spare);
        deliver(r);
        spare = sinkOf(r);
      }
      return true;
    }
    await runWorkers(job, cls, Math.min(workers, job.count), deliver, () => ({ fd, classifier: makeClassifier(), block }), opts.pendingBytes ?? PENDING_BYTES, opts.onDense);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** A worker's reply: ready for ranges (sent once, when it has loaded its classifier), a range's result (its buffers transferred) or an error. */
export type WorkerReply =
  | { readonly ready: true }
  | { readonly index: number; readonly start: number; readonly end: number; readonly lines: number; readonly candidates: number; readonly bytes: ArrayBuffer; readonly used: number; readonly meta: ArrayBuffer }
  | { readonly index: number; readonly error: string; readonly code?: string };

/** What a scan worker is started with. */
export interface WorkerSetup {
  readonly job: ScanJob;
  readonly cls: RangeClassifierModule;
}

/**
 * Scan the ranges with `n` worker threads and this thread, delivering results in range order. This
 * thread scans the next range itself (`local()` gives it a classifier and the file) one per turn of the
 * event loop, so the workers' replies and its own deliveries get in between; it starts at once, while
 * the workers start (~60-150 ms: a thread, its modules, its classifier), and goes on to the last range.
 * Ranges go to a worker only once it says it is ready, a few ahead, and one more with each reply.
 */
async function runWorkers(
  job: ScanJob, cls: RangeClassifierModule, n: number, deliver: (r: RangeResult) => void,
  local: () => { readonly fd: number; readonly classifier: RangeClassifier; readonly block: Buffer },
  pendingBytes: number,
  onDense?: () => void,
): Promise<void> {
  const setup: WorkerSetup = { job, cls };
  const pool = Array.from({ length: n }, () => new Worker(WORKER_URL, { workerData: setup }));
  try {
    await new Promise<void>((resolve, reject) => {
      const done = new Map<number, RangeResult>();
      let nextToSend = 0;
      let nextToDeliver = 0;
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      // ranges sent to each worker and not yet answered; once the file proves dense, workers get no more
      const outstanding = new Map<Worker, number>();
      let dense = false;
      const retired = new Set<Worker>();
      const retire = (w: Worker): void => {
        retired.add(w);
        void w.terminate();
      };
      const send = (w: Worker): void => {
        if (dense) {
          if ((outstanding.get(w) ?? 0) === 0 && !retired.has(w)) retire(w);
          return;
        }
        if (nextToSend < job.count) {
          outstanding.set(w, (outstanding.get(w) ?? 0) + 1);
          w.postMessage(nextToSend++);
        }
      };
      let delivered = 0;
      let scannedBytes = 0;
      let candidateBytes = 0;
      // ranges this thread scanned, and the stores of its last delivered one (filled again next)
      const scannedHere = new Set<number>();
      let spare: SinkBuffers | null = null;
      // results not delivered yet (waiting for an earlier range of a worker), in bytes: this thread scans
      // on only while they are few (AHEAD_MAX_RANGES, PENDING_BYTES), so memory stays bounded
      let pending = 0;
      const size = (r: RangeResult): number => r.bytes.length + r.meta.byteLength;
      const keep = (r: RangeResult): void => {
        done.set(r.index, r);
        pending += size(r);
      };
      let wake: (() => void) | null = null;
      const flush = (): void => {
        if (wake !== null) {
          const w = wake;
          wake = null;
          w();
        }
        try {
          for (let r = done.get(nextToDeliver); r !== undefined; r = done.get(nextToDeliver)) {
            done.delete(nextToDeliver);
            pending -= size(r);
            deliver(r);
            if (scannedHere.delete(nextToDeliver)) spare = sinkOf(r);
            nextToDeliver++;
            delivered++;
            if (r.end !== -1) scannedBytes += r.end - r.start;
            candidateBytes += r.bytes.length;
            if (!dense && delivered >= DENSE_AFTER_RANGES && candidateBytes > scannedBytes * DENSE_SHARE) {
              dense = true;
              for (const w of pool) if ((outstanding.get(w) ?? 0) === 0) retire(w);
              onDense?.();
            }
          }
        } catch (err) {
          fail(err);
          return;
        }
        if (nextToDeliver === job.count) resolve();
      };
      for (const w of pool) {
        w.on('message', (m: WorkerReply) => {
          if (failed) return;
          if ('ready' in m) {
            for (let k = 0; k < AHEAD_PER_WORKER; k++) send(w);
            return;
          }
          outstanding.set(w, (outstanding.get(w) ?? 1) - 1);
          if ('error' in m) {
            fail(m.code === 'CTD_INPUT_UNREADABLE' ? new InputError('CTD_INPUT_UNREADABLE', m.error, { path: job.path }) : new Error(`range scan worker failed: ${m.error}`));
            return;
          }
          keep({
            index: m.index, start: m.start, end: m.end, lines: m.lines, candidates: m.candidates,
            bytes: Buffer.from(m.bytes, 0, m.used), meta: new Float64Array(m.meta, 0, 3 * m.candidates),
          });
          send(w);
          flush();
        });
        w.on('error', fail);
        w.on('exit', (code) => {
          if (nextToDeliver < job.count && !retired.has(w)) fail(new Error(`range scan worker exited (${code}) before the scan ended`));
        });
      }
      // this thread's share: a range per turn of the event loop (the workers' replies get in between)
      void (async () => {
        let mine: ReturnType<typeof local> | null = null;
        while (!failed && nextToSend < job.count) {
          // on a dense file this thread parses as it scans: nothing scanned ahead of what waits to be delivered
          if (nextToSend - nextToDeliver >= AHEAD_MAX_RANGES || pending >= pendingBytes || (dense && pending > 0)) {
            await new Promise<void>((r) => { wake = r; });
            continue;
          }
          mine ??= local();
          const index = nextToSend++;
          try {
            scannedHere.add(index);
            const reuse = spare;
            spare = null;
            keep(scanRange(mine.fd, job, index, mine.classifier, mine.block, reuse));
          } catch (err) {
            fail(err);
            return;
          }
          flush();
          await new Promise<void>((r) => setImmediate(r));
        }
      })();
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
