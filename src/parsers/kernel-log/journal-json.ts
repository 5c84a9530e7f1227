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
 */
export class ByteFinder {
  private readonly needle: Buffer;
  private buf: Buffer | null = null;
  private next = -1;

  constructor(needle: string) {
    this.needle = Buffer.from(needle, 'utf8');
  }

  /** Index of the first occurrence within [start, end), or -1. */
  find(buf: Buffer, start: number, end: number): number {
    if (buf !== this.buf) {
      this.buf = buf;
      this.next = buf.indexOf(this.needle, start);
    } else if (this.next !== -1 && this.next < start) {
      this.next = buf.indexOf(this.needle, start);
    }
    return this.next !== -1 && this.next + this.needle.length <= end ? this.next : -1;
  }

  get length(): number {
    return this.needle.length;
  }
}

/**
 * The byte range [start, end) of the raw string value of a JSON key within [from, to), or null.
 * The finder looks for the key without its leading `"_` (`BOOT_ID"`): a rare first byte keeps
 * Buffer.indexOf fast on JSON, where `"` is everywhere; the two bytes before are checked here.
 */
export function rawJsonRange(buf: Buffer, from: number, to: number, finder: ByteFinder): readonly [number, number] | null {
  const k = finder.find(buf, from, to);
  if (k < from + 2 || buf[k - 1] !== 95 /* _ */ || buf[k - 2] !== 34 /* " */) return null;
  let i = k + finder.length;
  while (i < to && buf[i] === 32) i++;
  if (i >= to || buf[i] !== 58) return null;
  i++;
  while (i < to && buf[i] === 32) i++;
  if (i >= to || buf[i] !== 34) return null;
  const s = i + 1;
  const e = buf.indexOf(34, s);
  return e !== -1 && e < to ? [s, e] : null;
}
