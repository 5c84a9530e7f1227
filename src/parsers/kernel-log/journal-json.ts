/**
 * `journalctl -o json` lines: one JSON object a line, every value a string; MESSAGE may be an array of
 * byte values (not valid UTF-8 or with control characters). Literal sample (shortened):
 *   {"__REALTIME_TIMESTAMP":"1591616840232123","__MONOTONIC_TIMESTAMP":"2091107","_BOOT_ID":"0f3c...",
 *    "_TRANSPORT":"kernel","SYSLOG_IDENTIFIER":"kernel","_HOSTNAME":"node-a",
 *    "_SOURCE_MONOTONIC_TIMESTAMP":"2091000","MESSAGE":"nf_conntrack: table full, dropping packet"}
 * Boots are tracked on EVERY JSON line, cheaply (byte/string search for _BOOT_ID and _HOSTNAME, no
 * JSON.parse), so a boot change on an irrelevant line still splits bursts. Field reads use
 * Object.hasOwn, so keys such as `__proto__` or `constructor` are just names.
 */
/** Fields of one parsed journal entry that the parser uses. */
export interface JournalEntry {
  readonly message: string | null;
  /** µs since the epoch as printed; undefined when absent. */
  readonly realtime: string | undefined;
  /** _SOURCE_MONOTONIC_TIMESTAMP (preferred) or __MONOTONIC_TIMESTAMP, µs as printed. */
  readonly monotonic: string | undefined;
  readonly host: string | null;
  readonly bootId: string | null;
  /** True for the kernel's own messages (or when the entry does not say). */
  readonly isKernel: boolean;
}

function str(o: object, key: string): string | undefined {
  if (!Object.hasOwn(o, key)) return undefined;
  const v: unknown = (o as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

/** Decode a MESSAGE given as an array of byte values; null when it is not one. */
function bytesToText(v: unknown): string | null {
  if (!Array.isArray(v)) return null;
  const bytes = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const b: unknown = v[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return null;
    bytes[i] = b;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

/** Parse one JSON line; null when it is not a JSON object. */
export function parseJournalEntry(text: string): JournalEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o: object = v;
  let message: string | null = str(o, 'MESSAGE') ?? null;
  if (message === null && Object.hasOwn(o, 'MESSAGE')) message = bytesToText((o as Record<string, unknown>)['MESSAGE']);
  const transport = str(o, '_TRANSPORT');
  const ident = str(o, 'SYSLOG_IDENTIFIER');
  return {
    message,
    realtime: str(o, '__REALTIME_TIMESTAMP'),
    monotonic: str(o, '_SOURCE_MONOTONIC_TIMESTAMP') ?? str(o, '__MONOTONIC_TIMESTAMP'),
    host: str(o, '_HOSTNAME') ?? null,
    bootId: str(o, '_BOOT_ID') ?? null,
    isKernel: transport === 'kernel' || ident === 'kernel' || (transport === undefined && ident === undefined),
  };
}

/** µs digits → a number, or null. */
export function microsToNumber(s: string): number | null {
  if (s.length === 0 || s.length > 19) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(s);
}

/**
 * The raw (unescaped) string value of `"key"` in a JSON line, found by search, or null.
 * `quotedKey` includes the quotes: `"_BOOT_ID"`.
 */
export function rawJsonString(text: string, quotedKey: string): string | null {
  const k = text.indexOf(quotedKey);
  if (k < 0) return null;
  let i = k + quotedKey.length;
  while (text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i) !== 58) return null;
  i++;
  while (text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i) !== 34) return null;
  const e = text.indexOf('"', i + 1);
  return e < 0 ? null : text.slice(i + 1, e);
}

/**
 * Finds a needle inside [start, end) of a block in amortised linear time (like util/bytes.ts
 * NeedleScanner, which only answers yes/no): it remembers the next occurrence at or after the last
 * position asked, so a block where the needle is rare is searched once, not once per line.
 *
 * Buffer.indexOf runs a memchr on the first byte for needles up to 6 bytes but a slower general search
 * for longer ones, so a long needle is searched by its first ANCHOR_BYTES bytes and the rest verified
 * (the same first occurrence; measured on the bench journal: `BOOT_ID"` 0.43 s/GB, `BOOT_` 0.26 s/GB).
 */
/** Finds the first whole occurrence of a key within [start, end) (a ByteFinder, or the SIMD scan's events). */
export interface KeyFinder {
  find(buf: Buffer, start: number, end: number): number;
  readonly length: number;
}

export class ByteFinder implements KeyFinder {
  private readonly needle: Buffer;
  private readonly anchor: Buffer;
  private buf: Buffer | null = null;
  private next = -1;

  constructor(needle: string) {
    this.needle = Buffer.from(needle, 'utf8');
    this.anchor = this.needle.subarray(0, Math.min(this.needle.length, ANCHOR_BYTES));
  }

  /** Index of the first occurrence within [start, end), or -1. */
  find(buf: Buffer, start: number, end: number): number {
    if (buf !== this.buf) {
      this.buf = buf;
      this.next = this.search(buf, start);
    } else if (this.next !== -1 && this.next < start) {
      this.next = this.search(buf, start);
    }
    return this.next !== -1 && this.next + this.needle.length <= end ? this.next : -1;
  }

  /** The first occurrence of the whole needle at or after `from`: anchor hits, verified. */
  private search(buf: Buffer, from: number): number {
    const n = this.needle;
    const a = this.anchor.length;
    for (let k = buf.indexOf(this.anchor, from); k !== -1; k = buf.indexOf(this.anchor, k + 1)) {
      if (k + n.length > buf.length) return -1;
      let i = a;
      while (i < n.length && buf[k + i] === n[i]) i++;
      if (i === n.length) return k;
    }
    return -1;
  }

  get length(): number {
    return this.needle.length;
  }
}

/** Bytes of a ByteFinder's needle searched by indexOf (memchr on the first byte up to about this length). */
const ANCHOR_BYTES = 5;
/** A JSON string value shorter than this is ended by a JS loop (cheaper than a native indexOf call). */
const SHORT_VALUE = 64;

/**
 * The byte range [start, end) of the raw string value of a JSON key within [from, to), or null.
 * The finder looks for the key without its leading `"_` (`BOOT_ID"`): a rare first byte keeps
 * Buffer.indexOf fast on JSON, where `"` is everywhere; the two bytes before are checked here.
 */
export function rawJsonRange(buf: Buffer, from: number, to: number, finder: KeyFinder): readonly [number, number] | null {
  return rawJsonRangeInto(buf, from, to, finder, SCRATCH) ? [SCRATCH[0]!, SCRATCH[1]!] : null;
}

const SCRATCH = new Int32Array(2);

/** As {@link rawJsonRange}, the range written to `out` (no allocation: a worker asks this of every journal line). */
export function rawJsonRangeInto(buf: Buffer, from: number, to: number, finder: KeyFinder, out: Int32Array): boolean {
  const k = finder.find(buf, from, to);
  if (k < from + 2 || buf[k - 1] !== 95 /* _ */ || buf[k - 2] !== 34 /* " */) return false;
  let i = k + finder.length;
  while (i < to && buf[i] === 32) i++;
  if (i >= to || buf[i] !== 58) return false;
  i++;
  while (i < to && buf[i] === 32) i++;
  if (i >= to || buf[i] !== 34) return false;
  const s = i + 1;
  // the closing quote: a short value (boot id, host name) by a JS loop, a long one by indexOf
  const stop = Math.min(to, s + SHORT_VALUE);
  let e = s;
  while (e < stop && buf[e] !== 34) e++;
  if (e === stop) e = stop < to ? buf.indexOf(34, stop) : -1;
  if (e === -1 || e >= to) return false;
  out[0] = s;
  out[1] = e;
  return true;
}

/** Is `a` byte for byte the range [r0, r1) of `buf`? (a JS loop: short ranges, no native call) */
export function equalBytes(a: Buffer, buf: Buffer, r0: number, r1: number): boolean {
  const n = a.length;
  if (n !== r1 - r0) return false;
  for (let i = 0; i < n; i++) if (a[i] !== buf[r0 + i]) return false;
  return true;
}
