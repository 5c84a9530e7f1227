/**
 * Byte helpers for prefilters. A NeedleScanner answers "does [start, end) of this block contain the
 * needle?" in amortised linear time over a block: it remembers the next occurrence at or after the
 * last position asked, so lines with no match never rescan the rest of a 16 MiB block.
 */
export class NeedleScanner {
  private readonly needle: Buffer | number;
  private buf: Buffer | null = null;
  private next = -1;

  constructor(needle: string | number) {
    this.needle = typeof needle === 'number' ? needle : Buffer.from(needle, 'utf8');
  }

  has(buf: Buffer, start: number, end: number): boolean {
    if (buf !== this.buf) {
      this.buf = buf;
      this.next = buf.indexOf(this.needle, start);
    } else if (this.next !== -1 && this.next < start) {
      this.next = buf.indexOf(this.needle, start);
    }
    if (this.next === -1) return false;
    const len = typeof this.needle === 'number' ? 1 : this.needle.length;
    return this.next + len <= end;
  }
}
