/**
 * Byte helpers for prefilters. A NeedleScanner answers "does [start, end) of this block contain the
 * needle?" in amortised linear time over a block: it remembers the next occurrence at or after the
 * last position asked, so lines with no match never rescan the rest of a 16 MiB block.
 *
 * Speed: `Buffer.indexOf` runs a memchr on the needle's first byte for needles up to ~7 bytes
 * (5–18 GB/s when that byte is rare), but switches to Boyer-Moore-Horspool for longer ones
 * (1.5–2.5 GB/s on logs). A scanner may therefore search a short, rare `anchor` inside the needle
 * (`'onntr'` for `'conntrack'`) and verify the whole needle around each hit: the same answers, 3–4×
 * faster on kern.log.
 */
export class NeedleScanner {
  private readonly needle: Buffer | number;
  /** What indexOf looks for: the anchor (or the needle itself). */
  private readonly anchor: Buffer | number;
  /** Offset of the anchor inside the needle. */
  private readonly anchorOffset: number;
  private readonly len: number;
  private buf: Buffer | null = null;
  /** Next anchor occurrence at or after the last position asked (-1: none in this block). */
  private next = -1;

  /**
   * @param needle the bytes looked for (a string, or one byte value)
   * @param anchor a short substring of `needle` with a rare first byte, searched instead of the
   *   whole needle (each hit is verified); defaults to the needle itself
   */
  constructor(needle: string | number, anchor?: string) {
    this.needle = typeof needle === 'number' ? needle : Buffer.from(needle, 'utf8');
    this.len = typeof needle === 'number' ? 1 : Buffer.byteLength(needle, 'utf8');
    if (anchor !== undefined && typeof needle === 'string') {
      const off = needle.indexOf(anchor);
      if (off === -1 || anchor.length === 0) throw new RangeError(`anchor ${JSON.stringify(anchor)} is not in needle ${JSON.stringify(needle)}`);
      this.anchor = anchor.length === 1 ? anchor.charCodeAt(0) : Buffer.from(anchor, 'utf8');
      this.anchorOffset = Buffer.byteLength(needle.slice(0, off), 'utf8');
    } else {
      this.anchor = this.needle;
      this.anchorOffset = 0;
    }
  }

  /** Position of the next anchor occurrence at or after `from` in `buf`, or -1 (amortised: no rescans). */
  nextAt(buf: Buffer, from: number): number {
    if (buf !== this.buf) {
      this.buf = buf;
      this.next = buf.indexOf(this.anchor, from);
    } else if (this.next !== -1 && this.next < from) {
      this.next = buf.indexOf(this.anchor, from);
    }
    return this.next;
  }

  has(buf: Buffer, start: number, end: number): boolean {
    return anchoredFind(this, buf, start, end, this.needle, this.anchorOffset, this.len, this.anchor === this.needle) !== -1;
  }
}

/**
 * Where the first whole needle in [start, end) of `buf` starts, or -1. Walks the anchor hits
 * `scanner.nextAt` gives from start + anchorOffset (the anchor of a needle starting at `start` lies
 * there) and verifies the needle around each, unless the anchor is the needle itself (`whole`). Shared
 * by NeedleScanner and the SIMD scan's EventNeedle (util/simd-scan.ts), which differ only in where the
 * hits come from.
 */
export function anchoredFind(
  scanner: { nextAt(buf: Buffer, from: number): number }, buf: Buffer, start: number, end: number,
  needle: Buffer | number, anchorOffset: number, len: number, whole: boolean,
): number {
  let a = scanner.nextAt(buf, start + anchorOffset);
  while (a !== -1 && a - anchorOffset + len <= end) {
    if (whole || needleAt(buf, a - anchorOffset, needle)) return a - anchorOffset;
    a = scanner.nextAt(buf, a + 1);
  }
  return -1;
}

/** Is `needle` (bytes, or one byte value) at position `s` of `buf`? */
function needleAt(buf: Buffer, s: number, needle: Buffer | number): boolean {
  if (typeof needle === 'number') return buf[s] === needle;
  for (let k = 0; k < needle.length; k++) if (buf[s + k] !== needle[k]) return false;
  return true;
}
