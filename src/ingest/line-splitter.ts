/**
 * The one synchronous line splitter. Cuts lines out of Buffer blocks with Buffer.indexOf, carries a
 * partial line (or a partial UTF-8 character) across blocks, strips CR before LF and a leading UTF-8 BOM,
 * counts a last line without newline, and cuts lines longer than `maxLineBytes` (their tail is skipped
 * without being buffered, so a 200 MB single line costs no memory).
 */
export type LineSink = (buf: Buffer, start: number, end: number, lineNo: number, isTooLong: boolean) => void;

export class LineSplitter {
  private carry: Buffer | null = null;
  private carryTooLong = false;
  private lineNo = 0;
  private atStart = true;
  private readonly sink: LineSink;
  private readonly maxLineBytes: number;

  constructor(sink: LineSink, maxLineBytes: number) {
    this.sink = sink;
    this.maxLineBytes = maxLineBytes;
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
    while (pos < len) {
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
