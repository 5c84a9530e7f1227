/**
 * One-pass block scanning with WebAssembly SIMD (issue 7): a worker's read block lives in a wasm
 * module's memory, and one loop over it lists every position where something that may make a line
 * interesting starts: an anchor (1–4 bytes, each with a distinct first byte), a NUL byte, or a newline
 * followed by a byte of a "line start" class. A second loop counts newlines. Together they replace the
 * per-needle `Buffer.indexOf` passes and the per-line `indexOf(10)` walk of the prefilter (round 10 in
 * docs/PERFORMANCE.md), which touched each byte 5–6 times.
 *
 * How `events` finds candidates (two 16-byte vectors per step): the bytes at p and p + 1 are classified by nibble
 * tables (`i8x16.swizzle`, as Hyperscan's "Teddy"), one bucket bit per anchor, NUL and line start; a lane
 * whose two bytes share a bucket is a hit. Each bucket holds one byte value per position, so the nibble
 * test is exact for the first two bytes; the rest of an anchor is checked with one 32-bit load. Line
 * starts (a class of several bytes) and NULs are listed unverified: the caller checks them.
 *
 * The block is `BLOCK_BYTES`; loads read up to 32 bytes past the scanned end (padding), whose bytes may be
 * anything: listed positions are always < `to`, and an anchor running past `to` lies in a line the block
 * does not hold whole (the caller reads such lines from its carry buffer, never from the block).
 *
 * Without WebAssembly SIMD (or with CTD_NO_SIMD=1) `SimdBlockScan.create` returns null and callers keep
 * their Buffer.indexOf path: both give the same answers (test/util/simd-scan.test.ts).
 */

import { anchoredFind } from './bytes.js';

/** Bytes of the read block inside the module's memory. */
export const BLOCK_BYTES = 128 * 1024;
const PAD = 256;
/** i32 slot where `count` leaves the longest run of newline-free whole vectors (bytes). */
const META = BLOCK_BYTES + PAD;
/** Event positions (i32): at most one per byte of the block. */
const OUT = 192 * 1024;
const PAGES = Math.ceil((OUT + 4 * (BLOCK_BYTES + 16)) / 65536);

/** What a scan looks for. */
export interface SimdScanSpec {
  /** Up to 6 anchors of 1–4 bytes with distinct first bytes (none of them 0, 10 or a line-start byte). */
  readonly anchors: readonly string[];
  /** Bytes that make a line start interesting when they follow a newline (at most a few). */
  readonly lineStart: readonly number[];
  /**
   * Optional second table set, for `scan(n, true)`: up to 8 anchors (those of `anchors` keep their
   * kinds, the others get kinds 8, 9, ...; first bytes distinct, none 0 or 10). Such a scan lists no
   * line starts; it finds NULs by `indexOf` instead of a bucket.
   */
  readonly alt?: readonly string[];
}

/** Event kinds besides the anchors (0..anchors-1). */
export const EV_NUL = 6;
export const EV_LINE_START = 7;
/** Kinds of the alt anchors that are not main anchors: 8, 9, ... */
export const EV_ALT = 8;

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: Readonly<Record<string, unknown>> };
}
const WASM = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const DISABLED = typeof process !== 'undefined' && process.env['CTD_NO_SIMD'] === '1';

/**
 * A read block in wasm memory and the events of its last scan, by kind. Positions are offsets in the
 * block; a line-start event is listed at the line's first byte (the newline's position + 1).
 */
export class SimdBlockScan {
  /** The read block: read into it, then call scan(n) before handing views of it on. */
  readonly block: Buffer;
  private readonly mem: ArrayBuffer;
  private readonly out: Int32Array;
  private readonly meta: Int32Array;
  private readonly eventsFn: (from: number, to: number) => number;
  private readonly altFn: ((from: number, to: number) => number) | null;
  private readonly countFn: (from: number, to: number) => number;
  private readonly kindOf: Int8Array;
  /** Events by kind (0..7, then the alt kinds), positions ascending; `counts[k]` of them valid. */
  readonly byKind: Int32Array[];
  readonly counts: Int32Array;
  /** The last scan used the alt tables (no line starts listed; alt kinds listed). */
  altMode = false;
  /** Every event but line starts (anchors and NULs), positions ascending; `otherCount` of them valid. */
  private others: Int32Array = new Int32Array(1024);
  private otherCount = 0;
  private otherIdx = 0;
  private nextIdx = 0;
  /** Bumped by every scan (scanners compare it to know their cursors are stale). */
  generation = 0;
  /** Bytes of the block the last scan covered. */
  scanned = 0;

  private constructor(spec: SimdScanSpec, exports: Readonly<Record<string, unknown>>) {
    this.mem = (exports['mem'] as { readonly buffer: ArrayBuffer }).buffer;
    this.block = Buffer.from(this.mem, 0, BLOCK_BYTES);
    this.out = new Int32Array(this.mem, OUT, BLOCK_BYTES + 16);
    this.meta = new Int32Array(this.mem, META, 1);
    this.eventsFn = exports['events'] as (from: number, to: number) => number;
    this.altFn = spec.alt === undefined ? null : exports['events2'] as (from: number, to: number) => number;
    this.countFn = exports['count'] as (from: number, to: number) => number;
    this.kindOf = new Int8Array(256).fill(-1);
    spec.anchors.forEach((a, k) => { this.kindOf[a.charCodeAt(0)] = k; });
    this.kindOf[0] = EV_NUL;
    this.kindOf[10] = EV_LINE_START;
    let kinds = EV_ALT;
    for (const a of spec.alt ?? []) if (!spec.anchors.includes(a)) this.kindOf[a.charCodeAt(0)] = kinds++;
    this.byKind = Array.from({ length: kinds }, () => new Int32Array(256));
    this.counts = new Int32Array(kinds);
  }

  /** The kind of the events of anchor `a` (of `anchors` or `alt`), or -1. */
  kindOfAnchor(a: string): number {
    return this.kindOf[a.charCodeAt(0)]!;
  }

  /** Did the last scan list every event of kind `k`? (Not line starts in alt mode, not alt kinds in main mode.) */
  covers(k: number): boolean {
    return this.altMode ? k !== EV_LINE_START : k < EV_ALT;
  }

  /** A scanner for `spec`, or null when WebAssembly SIMD is not available here. */
  static create(spec: SimdScanSpec): SimdBlockScan | null {
    if (DISABLED || WASM === undefined) return null;
    const bin = scanModule(spec);
    let exports: Readonly<Record<string, unknown>>;
    try {
      if (!WASM.validate(bin)) return null;
      exports = new WASM.Instance(new WASM.Module(bin)).exports;
    } catch {
      return null;
    }
    return new SimdBlockScan(spec, exports);
  }

  /** The last buffer `holds` answered for, and its answer (`.buffer` is a slow getter: ask it once per view). */
  private lastBuf: Buffer | null = null;
  private lastHeld = false;

  /** True when `buf` is a view of this block (starting at its first byte): positions in it are block offsets. */
  holds(buf: Buffer): boolean {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastHeld = buf.buffer === this.mem && buf.byteOffset === 0 && buf.length <= this.scanned;
    }
    return this.lastHeld;
  }

  /** List the events of block bytes [0, n), with the main tables, or with the alt ones (`alt`). */
  scan(n: number, alt = false): void {
    if (n > BLOCK_BYTES) throw new RangeError('SimdBlockScan.scan: more than the block');
    if (alt && this.altFn === null) throw new RangeError('SimdBlockScan.scan: no alt tables');
    this.altMode = alt;
    let total = n > 0 ? (alt ? this.altFn! : this.eventsFn)(0, n) : 0;
    if (alt && n > 0) {
      // NULs by memchr, merged into the (ascending) positions: rare, and the alt tables have no bucket left
      const block = this.block.subarray(0, n);
      let z = block.indexOf(0);
      if (z !== -1) {
        const list = Array.from(this.out.subarray(0, total));
        for (; z !== -1; z = block.indexOf(0, z + 1)) list.push(z);
        list.sort((x, y) => x - y);
        this.out.set(list);
        total = list.length;
      }
    }
    const counts = this.counts;
    counts.fill(0);
    const out = this.out, kindOf = this.kindOf, block = this.block, byKind = this.byKind;
    let others = this.others;
    let no = 0;
    for (let i = 0; i < total; i++) {
      let q = out[i]!;
      const k = kindOf[block[q]!]!;
      if (k === EV_LINE_START) q++;
      else if (k < EV_ALT) {
        if (no === others.length) {
          const grown = new Int32Array(others.length * 2);
          grown.set(others);
          this.others = others = grown;
        }
        others[no++] = q;
      }
      let arr = byKind[k]!;
      const c = counts[k]!;
      if (c === arr.length) {
        const grown = new Int32Array(arr.length * 2);
        grown.set(arr);
        byKind[k] = arr = grown;
      }
      arr[c] = q;
      counts[k] = c + 1;
    }
    this.otherCount = no;
    this.otherIdx = 0;
    this.nextIdx = 0;
    this.scanned = n;
    this.generation++;
    this.lastBuf = null;
  }

  /** The first anchor or NUL position at or after `from`, or -1. Only for a buffer this block `holds`. */
  nextOther(from: number): number {
    const i = this.nextIdx = this.seekOther(this.nextIdx, from);
    return i < this.otherCount ? this.others[i]! : -1;
  }

  /**
   * True when block bytes [start, end) hold no anchor and no NUL: every needle's `has` on them is false
   * (one cursor step instead of one call per needle). Only for a buffer this block `holds`.
   */
  quiet(start: number, end: number): boolean {
    const i = this.otherIdx = this.seekOther(this.otherIdx, start);
    return i >= this.otherCount || this.others[i]! >= end;
  }

  /** A cursor into the merged events moved to the first one at or after `from` (forward; restarts when `from` went back). */
  private seekOther(i: number, from: number): number {
    const o = this.others;
    const n = this.otherCount;
    if (i > 0 && o[i - 1]! >= from) i = 0;
    while (i < n && o[i]! < from) i++;
    return i;
  }

  /** Newlines in block bytes [from, to). */
  countNewlines(from: number, to: number): number {
    return to > from ? this.countFn(from, to) : 0;
  }

  /**
   * After countNewlines: the longest newline-free run it met, in bytes, counted in whole 64-byte steps
   * from `from` and then whole 16-byte vectors. A newline-free stretch of L bytes inside the counted range
   * shows as a run of at least L - 126; the last vector, partly past `to`, may add up to 15.
   */
  get longestRun(): number {
    return this.meta[0]!;
  }
}

/**
 * A NeedleScanner (util/bytes.ts) whose searches in a SimdBlockScan's block use the scan's events of
 * one anchor kind instead of Buffer.indexOf; on any other buffer (a carried line) it is the fallback.
 */
export class EventNeedle {
  private gen = -1;
  private idx = 0;
  private readonly needle: Buffer | number;
  private readonly len: number;

  /**
   * @param scan the block scanner
   * @param kind the event kind of this needle's anchor (its index in the spec, or EV_NUL)
   * @param needle the needle (a string, or one byte value)
   * @param anchorOffset where the anchor starts inside the needle
   * @param fallback answers for buffers that are not the block
   */
  constructor(
    private readonly scan: SimdBlockScan,
    private readonly kind: number,
    needle: string | number,
    private readonly anchorOffset: number,
    private readonly fallback: { nextAt(buf: Buffer, from: number): number; has(buf: Buffer, start: number, end: number): boolean },
  ) {
    if (typeof needle === 'number') {
      this.needle = needle;
      this.len = 1;
    } else {
      const b = Buffer.from(needle, 'utf8');
      this.needle = b;
      this.len = b.length;
    }
  }

  /** The first anchor position at or after `from`, or -1. */
  nextAt(buf: Buffer, from: number): number {
    const s = this.scan;
    if (!s.holds(buf) || !s.covers(this.kind)) return this.fallback.nextAt(buf, from);
    if (this.gen !== s.generation) {
      this.gen = s.generation;
      this.idx = 0;
    }
    const arr = s.byKind[this.kind]!;
    const n = s.counts[this.kind]!;
    let i = this.idx;
    // the cursor moves forward; a `from` before the last answer restarts the walk
    if (i > 0 && arr[i - 1]! >= from) i = 0;
    while (i < n && arr[i]! < from) i++;
    this.idx = i;
    if (i >= n) return -1;
    const q = arr[i]!;
    return q < buf.length ? q : -1;
  }

  /** Does [start, end) of `buf` contain the whole needle? */
  has(buf: Buffer, start: number, end: number): boolean {
    if (!this.scan.holds(buf) || !this.scan.covers(this.kind)) return this.fallback.has(buf, start, end);
    return anchoredFind(this, buf, start, end, this.needle, this.anchorOffset, this.len, false) !== -1;
  }

  /**
   * Where the first whole needle in [start, end) of the block starts, or -1: as ByteFinder.find
   * (parsers/kernel-log/journal-json.ts). Only for a buffer the scan `holds` and a kind it `covers`.
   */
  find(buf: Buffer, start: number, end: number): number {
    return anchoredFind(this, buf, start, end, this.needle, this.anchorOffset, this.len, false);
  }

  /** Bytes of the needle. */
  get length(): number {
    return this.len;
  }
}

// ---- a tiny WebAssembly encoder for the two functions below (no toolchain needed)

function uleb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    o.push(b);
  } while (n !== 0);
  return o;
}

function sleb(n: number): number[] {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
}

function wvec(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function wsection(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function wname(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

/* Opcodes used (core, then SIMD after the 0xfd prefix). */
const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Load: 0x28, i32Store: 0x36, i32Const: 0x41,
  i32Eqz: 0x45, i32Eq: 0x46, i32LtU: 0x49, i32GtU: 0x4b, i32GeU: 0x4f, i32Ctz: 0x68, i32Popcnt: 0x69, i32Add: 0x6a, i32Sub: 0x6b,
  i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74,
  i32: 0x7f, v128: 0x7b,
} as const;
const SIMD = {
  prefix: 0xfd, load: 0x00, const: 0x0c, swizzle: 0x0e, i32x4ExtractLane: 0x1b, eq: 0x23, and: 0x4e, or: 0x50, anyTrue: 0x53,
  bitmask: 0x64, i8x16Sub: 0x71, i16x8ExtaddU: 0x7d, i32x4ExtaddU: 0x7f, shrU16: 0x8d,
} as const;

const simd = (op: number, ...imm: number[]): number[] => [SIMD.prefix, ...uleb(op), ...imm];
const v128const = (bytes: readonly number[]): number[] => simd(SIMD.const, ...bytes);
const splat = (b: number): number[] => v128const(new Array<number>(16).fill(b));

interface Bucket { readonly first: number; readonly second: readonly number[] | null }

/**
 * An events function `(from, to) → n`, positions written at OUT. Up to 8 buckets, classified by nibble
 * tables on the bytes at p and p + 1 (two vectors per step); a hit is listed when its 4 bytes hold a
 * whole anchor, or (`nulAndNewline`) when its byte is a NUL or a newline (their buckets matched: the
 * caller checks the rest).
 */
function eventsBody(buckets: readonly Bucket[], anchors: readonly (readonly number[])[], nulAndNewline: boolean): number[] {
  // nibble tables: bucket bit k set when bucket k allows that nibble at that byte (anything, past its end)
  const lo0 = new Array<number>(16).fill(0), hi0 = new Array<number>(16).fill(0);
  const lo1 = new Array<number>(16).fill(0), hi1 = new Array<number>(16).fill(0);
  buckets.forEach(({ first, second }, k) => {
    const bit = 1 << k;
    lo0[first & 15]! |= bit;
    hi0[first >> 4]! |= bit;
    for (let n = 0; n < 16; n++) {
      if (second === null || second.some((b) => (b & 15) === n)) lo1[n]! |= bit;
      if (second === null || second.some((b) => b >> 4 === n)) hi1[n]! |= bit;
    }
  });
  // locals 0 p, 1 to (params); 2 n, 3 bits, 4 w, 5 q (i32); 6 v0, 7 v1, 8 m, 9 low, 10 zero, 11..14 tables, 15..17 m2..m4 (v128)
  const P = 0, TO = 1, N = 2, BITS = 3, W = 4, Q = 5, V0 = 6, V1 = 7, M = 8, LOW = 9, ZERO = 10, T = 11, M2 = 15, M3 = 16, M4 = 17;
  const c: number[] = [];
  [lo0, hi0, lo1, hi1].forEach((t, i) => c.push(...v128const(t), OP.localSet, T + i));
  c.push(...splat(15), OP.localSet, LOW);
  c.push(...splat(0), OP.localSet, ZERO);
  const classify = (v: number, lo: number, hi: number): number[] => [
    OP.localGet, lo, OP.localGet, v, OP.localGet, LOW, ...simd(SIMD.and), ...simd(SIMD.swizzle),
    // high nibbles: a 16-bit shift (native) then the mask (i8x16.shr_u has no x86 instruction)
    OP.localGet, hi, OP.localGet, v, OP.i32Const, 4, ...simd(SIMD.shrU16), OP.localGet, LOW, ...simd(SIMD.and), ...simd(SIMD.swizzle),
    ...simd(SIMD.and),
  ];
  // the lanes of a hit pair of vectors (p + off .. p + off + 31): each listed if it holds what the caller wants
  const hits = (ma: number, mb: number, off: number): void => {
    // lanes with a bucket bit: the bitmasks of (m == 0), inverted, the second vector's in the high half
    c.push(OP.localGet, ma, OP.localGet, ZERO, ...simd(SIMD.eq), ...simd(SIMD.bitmask));
    c.push(OP.localGet, mb, OP.localGet, ZERO, ...simd(SIMD.eq), ...simd(SIMD.bitmask), OP.i32Const, 16, OP.i32Shl, OP.i32Or);
    c.push(OP.i32Const, ...sleb(-1), OP.i32Xor, OP.localSet, BITS);
    c.push(OP.block, OP.void, OP.loop, OP.void);
    c.push(OP.localGet, BITS, OP.i32Eqz, OP.brIf, 1);
    // q = p + off + ctz(bits); stop at `to`
    c.push(OP.localGet, P, OP.localGet, BITS, OP.i32Ctz, OP.i32Add, OP.i32Const, ...sleb(off), OP.i32Add, OP.localTee, Q, OP.localGet, TO, OP.i32GeU, OP.brIf, 1);
    c.push(OP.localGet, Q, OP.i32Load, 0, 0, OP.localSet, W);
    // listed: a NUL, a newline (its bucket matched: the caller checks the next byte), or a whole anchor
    if (nulAndNewline) {
      c.push(OP.localGet, W, OP.i32Const, ...sleb(0xff), OP.i32And, OP.i32Eqz);
      c.push(OP.localGet, W, OP.i32Const, ...sleb(0xff), OP.i32And, OP.i32Const, 10, OP.i32Eq, OP.i32Or);
    } else {
      c.push(OP.i32Const, 0);
    }
    anchors.forEach((an) => {
      let mask = 0, val = 0;
      an.forEach((x, i) => { mask |= 0xff << (8 * i); val |= x << (8 * i); });
      c.push(OP.localGet, W, OP.i32Const, ...sleb(mask | 0), OP.i32And, OP.i32Const, ...sleb(val | 0), OP.i32Eq, OP.i32Or);
    });
    c.push(OP.if, OP.void);
    c.push(OP.localGet, N, OP.i32Const, 2, OP.i32Shl, OP.localGet, Q, OP.i32Store, 2, ...uleb(OUT));
    c.push(OP.localGet, N, OP.i32Const, 1, OP.i32Add, OP.localSet, N);
    c.push(OP.end);
    c.push(OP.localGet, BITS, OP.localGet, BITS, OP.i32Const, 1, OP.i32Sub, OP.i32And, OP.localSet, BITS);
    c.push(OP.br, 0, OP.end, OP.end);
  };
  // four vectors per step (independent work for the pipeline, one branch): lanes p .. p+63
  const pair = (off: number, into: number): void => {
    c.push(OP.localGet, P, ...simd(SIMD.load, 0, off), OP.localSet, V0);
    c.push(OP.localGet, P, ...simd(SIMD.load, 0, off + 1), OP.localSet, V1);
    c.push(...classify(V0, T, T + 1), ...classify(V1, T + 2, T + 3), ...simd(SIMD.and), OP.localSet, into);
  };
  const MS = [M, M2, M3, M4, M4 + 1, M4 + 2, M4 + 3, M4 + 4];
  c.push(OP.block, OP.void, OP.loop, OP.void);
  c.push(OP.localGet, P, OP.localGet, TO, OP.i32GeU, OP.brIf, 1);
  MS.forEach((m, k) => pair(16 * k, m));
  c.push(OP.localGet, MS[0]!);
  for (let k = 1; k < MS.length; k++) c.push(OP.localGet, MS[k]!, ...simd(SIMD.or));
  c.push(...simd(SIMD.anyTrue));
  c.push(OP.if, OP.void);
  for (let k = 0; k < MS.length; k += 2) hits(MS[k]!, MS[k + 1]!, 16 * k);
  c.push(OP.end);
  c.push(OP.localGet, P, OP.i32Const, ...sleb(16 * MS.length), OP.i32Add, OP.localSet, P);
  c.push(OP.br, 0, OP.end, OP.end);
  c.push(OP.localGet, N, OP.end);
  return [...wvec([[...uleb(4), OP.i32], [...uleb(16), OP.v128]]), ...c];
}

/**
 * `count(from, to) → newlines`; leaves at META the longest newline-free run it met, in bytes: counted in
 * whole 64-byte steps from `from` (four vectors per step, round 12: ~2.5x the one-vector loop), then in
 * whole 16-byte vectors for the last < 64 bytes. A newline-free stretch of L bytes inside [from, to) shows
 * as a run of at least L - 126; the last vector, partly past `to`, may add up to 15.
 */
function countBody(): number[] {
  // locals 0 p, 1 to; 2 n, 3 bits, 4 run, 5 longest, 6 k (i32); 7 nl, 8 acc, 9..12 m0..m3 (v128)
  const P = 0, TO = 1, CN = 2, CBITS = 3, RUN = 4, LONG = 5, K = 6, NL = 7, ACC = 8, M0 = 9;
  const d: number[] = [];
  d.push(...splat(10), OP.localSet, NL);
  d.push(...splat(0), OP.localSet, ACC);
  // n += the byte lanes of acc (each at most 4 x 63 = 252), and acc = 0
  const flush = (): void => {
    d.push(OP.localGet, ACC, ...simd(SIMD.i16x8ExtaddU), ...simd(SIMD.i32x4ExtaddU), OP.localSet, ACC);
    d.push(OP.localGet, CN);
    for (let lane = 0; lane < 4; lane++) d.push(OP.localGet, ACC, ...simd(SIMD.i32x4ExtractLane, lane), OP.i32Add);
    d.push(OP.localSet, CN, ...splat(0), OP.localSet, ACC);
  };
  // whole 64-byte steps: acc -= (v == '\n') per vector (a lane counts its newlines), and the step's run
  d.push(OP.block, OP.void, OP.loop, OP.void);
  d.push(OP.localGet, TO, OP.localGet, P, OP.i32Sub, OP.i32Const, ...sleb(64), OP.i32LtU, OP.brIf, 1);
  for (let v = 0; v < 4; v++) d.push(OP.localGet, P, ...simd(SIMD.load, 0, 16 * v), OP.localGet, NL, ...simd(SIMD.eq), OP.localSet, M0 + v);
  d.push(OP.localGet, ACC);
  for (let v = 0; v < 4; v++) d.push(OP.localGet, M0 + v, ...simd(SIMD.i8x16Sub));
  d.push(OP.localSet, ACC);
  // run = step has a newline ? 0 : run + 64; longest = max(longest, run)
  d.push(OP.i32Const, 0, OP.localGet, RUN, OP.i32Const, ...sleb(64), OP.i32Add);
  d.push(OP.localGet, M0, OP.localGet, M0 + 1, ...simd(SIMD.or), OP.localGet, M0 + 2, OP.localGet, M0 + 3, ...simd(SIMD.or), ...simd(SIMD.or), ...simd(SIMD.anyTrue));
  d.push(OP.select, OP.localTee, RUN);
  d.push(OP.localGet, LONG, OP.localGet, RUN, OP.localGet, LONG, OP.i32GtU, OP.select, OP.localSet, LONG);
  d.push(OP.localGet, P, OP.i32Const, ...sleb(64), OP.i32Add, OP.localSet, P);
  // every 63 steps, before a lane could pass 255
  d.push(OP.localGet, K, OP.i32Const, 1, OP.i32Add, OP.localTee, K, OP.i32Const, ...sleb(63), OP.i32Eq, OP.if, OP.void);
  flush();
  d.push(OP.i32Const, 0, OP.localSet, K);
  d.push(OP.end);
  d.push(OP.br, 0, OP.end, OP.end);
  flush();
  // the last < 64 bytes, a vector at a time
  d.push(OP.block, OP.void, OP.loop, OP.void);
  d.push(OP.localGet, P, OP.localGet, TO, OP.i32GeU, OP.brIf, 1);
  d.push(OP.localGet, P, ...simd(SIMD.load, 0, 0), OP.localGet, NL, ...simd(SIMD.eq), ...simd(SIMD.bitmask), OP.localSet, CBITS);
  // the last vector: only the lanes before `to`
  d.push(OP.localGet, TO, OP.localGet, P, OP.i32Sub, OP.i32Const, 16, OP.i32LtU, OP.if, OP.void);
  d.push(OP.localGet, CBITS, OP.i32Const, 1, OP.localGet, TO, OP.localGet, P, OP.i32Sub, OP.i32Shl, OP.i32Const, 1, OP.i32Sub, OP.i32And, OP.localSet, CBITS);
  d.push(OP.end);
  d.push(OP.localGet, CN, OP.localGet, CBITS, OP.i32Popcnt, OP.i32Add, OP.localSet, CN);
  // run = bits ? 0 : run + 16; longest = max(longest, run)
  d.push(OP.i32Const, 0, OP.localGet, RUN, OP.i32Const, 16, OP.i32Add, OP.localGet, CBITS, OP.select, OP.localTee, RUN);
  d.push(OP.localGet, LONG, OP.localGet, RUN, OP.localGet, LONG, OP.i32GtU, OP.select, OP.localSet, LONG);
  d.push(OP.localGet, P, OP.i32Const, 16, OP.i32Add, OP.localSet, P);
  d.push(OP.br, 0, OP.end, OP.end);
  d.push(OP.i32Const, 0, OP.localGet, LONG, OP.i32Store, 2, ...uleb(META));
  d.push(OP.localGet, CN, OP.end);
  return [...wvec([[...uleb(5), OP.i32], [...uleb(6), OP.v128]]), ...d];
}

/** The module: memory `mem`, `count(from, to) → newlines`, `events(from, to) → n` (positions at OUT) and, with alt anchors, `events2`. */
function scanModule(spec: SimdScanSpec): Uint8Array {
  const bytesOf = (a: string): number[] => [...Buffer.from(a, 'latin1')];
  const anchors = spec.anchors.map(bytesOf);
  if (anchors.length > 6 || anchors.some((a) => a.length < 1 || a.length > 4)) throw new RangeError('SimdBlockScan: up to 6 anchors of 1 to 4 bytes');
  const firsts = new Set([0, 10, ...spec.lineStart]);
  for (const a of anchors) {
    if (firsts.has(a[0]!)) throw new RangeError('SimdBlockScan: anchors need distinct first bytes, none of them 0, 10 or a line-start byte');
    firsts.add(a[0]!);
  }
  const bucketOf = (a: readonly number[]): Bucket => ({ first: a[0]!, second: a.length < 2 ? null : [a[1]!] });
  const buckets: Bucket[] = anchors.map(bucketOf);
  buckets[EV_NUL] = { first: 0, second: null };
  buckets[EV_LINE_START] = { first: 10, second: spec.lineStart };
  const bodies = [countBody(), eventsBody(buckets, anchors, true)];
  if (spec.alt !== undefined) {
    const alt = spec.alt.map(bytesOf);
    if (alt.length > 8 || alt.some((a) => a.length < 1 || a.length > 4)) throw new RangeError('SimdBlockScan: up to 8 alt anchors of 1 to 4 bytes');
    const altFirsts = new Set([0, 10]);
    spec.alt.forEach((a, k) => {
      const f = alt[k]![0]!;
      if (altFirsts.has(f) || (!spec.anchors.includes(a) && firsts.has(f))) throw new RangeError('SimdBlockScan: alt anchors need distinct first bytes, none of them 0, 10 or another anchor\'s');
      altFirsts.add(f);
    });
    bodies.push(eventsBody(alt.map(bucketOf), alt, false));
  }
  const fnType = [0x60, ...wvec([[OP.i32], [OP.i32]]), ...wvec([[OP.i32]])];
  const exportsSec = [[...wname('mem'), 0x02, 0], [...wname('count'), 0x00, 0], [...wname('events'), 0x00, 1]];
  if (bodies.length > 2) exportsSec.push([...wname('events2'), 0x00, 2]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...wsection(1, wvec([fnType])),
    ...wsection(3, wvec(bodies.map(() => [0]))),
    ...wsection(5, wvec([[0x01, ...uleb(PAGES), ...uleb(PAGES)]])),
    ...wsection(7, wvec(exportsSec)),
    ...wsection(10, wvec(bodies.map((b) => [...uleb(b.length), ...b]))),
  ]);
}
