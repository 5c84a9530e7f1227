/**
 * The one synchronous line splitter. Cuts lines out of Buffer blocks with Buffer.indexOf, carries a
 * partial line (or a partial UTF-8 character) across blocks, strips CR before LF and a leading UTF-8 BOM,
 * counts a last line without newline, and cuts lines longer than `maxLineBytes` (their tail is skipped
 * without being buffered, so a 200 MB single line costs no memory).
 */
export type LineSink = (buf: Buffer, start: number, end: number, lineNo: number, isTooLong: boolean) => void;

/**
 * Optional bulk skipping: `next(buf, from)` is the first position at or after `from` that may make a
 * line interesting (-1: none in this block); complete lines of the block that end before the line
 * holding it are not handed to the sink one by one but counted with `skipped(n)` (a line too long is
 * still handed to the sink, which counts it as malformed). Counting newlines with indexOf is several
 * times cheaper than a sink call per line, and most lines of a big kern.log are never interesting.
 */
export interface LineSkipper {
  next(buf: Buffer, from: number): number;
  skipped(lines: number): void;
  /**
   * Optional: true when the line [start, end) (end: its newline, a CR before it included) may be
   * interesting by how it starts, although `next` does not point into it. Such a line is handed to the
   * sink instead of being skipped;
   * a byte check per line start is cheaper than one more indexOf pass for a needle that only matters
   * at the start of a line (the kernel log's `--` markers and `{` journal lines).
   */
  lineStart?(buf: Buffer, start: number, end: number): boolean;
  /**
   * Optional: the number of lines in [pos, last] (`last` is a newline) when the skipper can vouch that
   * none of them is longer than `maxLineBytes` or wanted by lineStart(), so all are skipped in bulk;
   * -1 when it cannot (the lines are then walked one by one). A SIMD newline count (util/simd-scan.ts).
   */
  bulk?(buf: Buffer, pos: number, last: number, maxLineBytes: number): number;
}

/**
 * Optional run fast path (the capture engine, parsers/conntrack-table/run.ts): offered the block at each
 * line start the splitter reaches, it may take several complete lines at once. `run` returns how many
 * lines it took (0: none, the splitter goes on line by line), and then `next` is where the next line
 * starts. It must take only complete lines (ended by a newline before `end`), none longer than
 * `maxLineBytes` (a CR right before the newline not counted, as the splitter strips it), and count them itself.
 * `block` numbers the pushed blocks, so a runner may keep a copy of the current one.
 */
export interface LineRunner {
  run(buf: Buffer, pos: number, end: number, lineNo: number, block: number): number;
  next: number;
}

export class LineSplitter {
  private carry: Buffer | null = null;
  private carryTooLong = false;
  private lineNo = 0;
  private atStart = true;
  private readonly sink: LineSink;
  private readonly maxLineBytes: number;

  private readonly skipper: LineSkipper | null;
  private readonly runner: LineRunner | null;
  private blocks = 0;

  /**
   * @param stripBom strip a UTF-8 BOM at the start of the first block (false when the bytes are the middle
   *   of a file: a worker's byte range, see parallel-scan.ts)
   */
  constructor(sink: LineSink, maxLineBytes: number, skipper: LineSkipper | null = null, stripBom = true, runner: LineRunner | null = null) {
    this.sink = sink;
    this.maxLineBytes = maxLineBytes;
    this.skipper = skipper;
    this.runner = runner;
    this.atStart = stripBom;
  }

  /** Lines emitted so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let pos = 0;
    if (this.atStart) {
      this.atStart = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) pos = 3;
    }
    const len = chunk.length;
    if (this.carry !== null || this.carryTooLong) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.appendCarry(chunk, pos, len);
        return;
      }
      this.appendCarry(chunk, pos, nl);
      this.flushCarry();
      pos = nl + 1;
    }
    const max = this.maxLineBytes;
    const sink = this.sink;
    const skipper = this.skipper;
    const runner = this.runner;
    const block = ++this.blocks;
    while (pos < len) {
      if (runner !== null) {
        const taken = runner.run(chunk, pos, len, this.lineNo + 1, block);
        if (taken > 0) {
          this.lineNo += taken;
          pos = runner.next;
          if (pos >= len) return;
          // offered again: a run may end at its size limit, not only at a line it does not take
          continue;
        }
      }
      if (skipper !== null) {
        const c = skipper.next(chunk, pos);
        // the last newline before the candidate: every line up to it is skipped unread
        // (lastIndexOf takes a negative offset from the end, so never pass one)
        const to = c === -1 ? len - 1 : c - 1;
        if (to >= pos) {
          const last = chunk.lastIndexOf(10, to);
          if (last >= pos) {
            pos = this.skipLines(chunk, pos, last);
            if (pos >= len) return;
          }
        }
      }
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.appendCarry(chunk, pos, len);
        return;
      }
      let end = nl;
      if (end > pos && chunk[end - 1] === 13) end--;
      this.lineNo++;
      if (end - pos > max) sink(chunk, pos, pos + max, this.lineNo, true);
      else sink(chunk, pos, end, this.lineNo, false);
      pos = nl + 1;
    }
  }

  /**
   * Count the complete lines in [pos, last] (last is a newline) as skipped, except lines too long and
   * lines the skipper's lineStart() wants to see, which go to the sink; returns last + 1.
   */
  private skipLines(chunk: Buffer, pos: number, last: number): number {
    const max = this.maxLineBytes;
    const skipper = this.skipper!;
    if (skipper.bulk !== undefined) {
      const lines = skipper.bulk(chunk, pos, last, max);
      if (lines >= 0) {
        this.lineNo += lines;
        if (lines > 0) skipper.skipped(lines);
        return last + 1;
      }
    }
    const lineStart = skipper.lineStart;
    let n = 0;
    while (pos <= last) {
      const nl = chunk.indexOf(10, pos);
      this.lineNo++;
      if (nl - pos > max) {
        let end = nl;
        if (chunk[end - 1] === 13) end--;
        if (end - pos > max) {
          if (n > 0) { this.skipper!.skipped(n); n = 0; }
          this.sink(chunk, pos, pos + max, this.lineNo, true);
          pos = nl + 1;
          continue;
        }
      }
      if (lineStart !== undefined && lineStart(chunk, pos, nl)) {
        // a line that may matter by how it starts: handed to the sink like any line (not too long here)
        if (n > 0) { this.skipper!.skipped(n); n = 0; }
        let end = nl;
        if (end > pos && chunk[end - 1] === 13) end--;
        this.sink(chunk, pos, end, this.lineNo, false);
        pos = nl + 1;
        continue;
      }
      n++;
      pos = nl + 1;
    }
    if (n > 0) this.skipper!.skipped(n);
    return pos;
  }

  /** Flush the last line (one without a trailing newline still counts). */
  end(): void {
    if (this.carry !== null || this.carryTooLong) this.flushCarry();
  }

  private appendCarry(chunk: Buffer, start: number, end: number): void {
    if (this.carryTooLong) return;
    const have = this.carry ? this.carry.length : 0;
    // keep one byte beyond the cap (so a line of exactly max+1 bytes is known to be too long) plus a CR
    const room = this.maxLineBytes + 2 - have;
    const take = Math.min(end - start, Math.max(room, 0));
    const piece = chunk.subarray(start, start + take);
    this.carry = this.carry ? Buffer.concat([this.carry, piece]) : Buffer.from(piece);
    if (end - start > take) this.carryTooLong = true;
  }

  private flushCarry(): void {
    const buf = this.carry ?? Buffer.alloc(0);
    let end = buf.length;
    if (!this.carryTooLong && end > 0 && buf[end - 1] === 13) end--;
    this.lineNo++;
    const tooLong = this.carryTooLong || end > this.maxLineBytes;
    this.sink(buf, 0, tooLong ? Math.min(end, this.maxLineBytes) : end, this.lineNo, tooLong);
    this.carry = null;
    this.carryTooLong = false;
  }
}
