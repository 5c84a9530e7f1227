/**
 * Byte fast path of the conntrack-table parser (`LineParser.lineBytes`, issue 7 round 4): reads the
 * common entry line shapes straight from the block, before the driver decodes the line.
 *
 * Literal samples it takes (everything else falls back to the string parser):
 *
 *     tcp      6 117 TIME_WAIT src=192.0.2.2 dst=198.51.100.2 sport=50036 dport=80 src=198.51.100.2 dst=192.0.2.2 sport=80 dport=50036 [ASSURED] mark=0 use=1
 *     ipv6     10 udp      17 29 src=2001:0db8:0000:0000:0000:0000:0000:0001 dst=2001:0db8:0000:0000:0000:0000:0000:0002 sport=5353 dport=53 src=2001:0db8:0000:0000:0000:0000:0000:0002 dst=2001:0db8:0000:0000:0000:0000:0000:0001 sport=53 dport=5353 mark=0 zone=0 use=2
 *
 * It is a byte-for-byte port of `parseEntry`'s fast path (same field boundaries, same `indexOf`
 * jumps) for lines that start with a protocol or family name in column 0, hold no tab, end in a
 * non-blank and carry a complete reply tuple, while no wrapped entry, XML flow or queued record is
 * waiting. Anything else (events, mail quoting, prompts, trailers, wrapped pieces, vendor oddities
 * that change the header) returns `undefined` with the state untouched, and the string parser
 * decides. What it saves per entry: the tokenizer's string scans and the field slices — canonical
 * dotted IPv4 addresses are interned by their 32-bit value (one string per distinct address, which
 * also keeps its hash cached for every tally lookup downstream), ports and timeouts are read as
 * numbers, protocol/family/state words and one-digit zones are constants. The record is the same
 * plain object the string path builds (tests compare both paths on every fixture).
 */
import type { LineResult } from '../line-parser.js';
import type { TableEntryRecord, TableParserState, TableRecord } from './conntrack-table.js';
import { normalizeIp } from '../../util/ip.js';
import { NeedleScanner } from '../../util/bytes.js';

/** Distinct IPv4 addresses interned per input; beyond, addresses are sliced per entry (same strings). */
const MAX_INTERNED_V4 = 1 << 17;
/** Slots of the intern table (load kept at or under 1/2). */
const V4_SLOTS = 1 << 18;

/** Per-input scanners and caches of the byte path (kept in the parser state: line() stays pure). */
export interface ByteScan {
  readonly bracket: NeedleScanner;
  readonly tab: NeedleScanner;
  /** Canonical dotted IPv4 text by its 32-bit value: an open-addressing table (see {@link internV4}). */
  readonly v4Keys: Int32Array;
  readonly v4Texts: (string | undefined)[];
  v4Size: number;
}

/** Fresh scanners for one input. */
export function newByteScan(): ByteScan {
  return {
    bracket: new NeedleScanner(91), tab: new NeedleScanner(9),
    v4Keys: new Int32Array(V4_SLOTS), v4Texts: new Array<string | undefined>(V4_SLOTS).fill(undefined), v4Size: 0,
  };
}

const WORDS = [
  'tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'sctp', 'dccp', 'udplite', 'unknown', 'ipv4', 'ipv6',
  'TIME_WAIT', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSE',
  'SYN_SENT2', 'NONE', 'LISTEN',
];
/** The interned words of conntrack-table.ts, grouped by length, with their bytes. */
const WORDS_BY_LEN: readonly (readonly { readonly w: string; readonly b: Buffer }[])[] = (() => {
  const byLen: { w: string; b: Buffer }[][] = [];
  for (let n = 0; n <= 16; n++) byLen.push([]);
  for (const w of WORDS) byLen[w.length]!.push({ w, b: Buffer.from(w, 'latin1') });
  return byLen;
})();
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function skipSpaces(b: Buffer, i: number, n: number): number {
  while (i < n && isSpace(b[i]!)) i++;
  return i;
}

function tokenEnd(b: Buffer, i: number, n: number): number {
  while (i < n && !isSpace(b[i]!)) i++;
  return i;
}

function isDigitsOnly(b: Buffer, a: number, e: number): boolean {
  if (a >= e) return false;
  for (let i = a; i < e; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function parseUint(b: Buffer, a: number, e: number): number {
  if (a >= e || e - a > 15) return NaN;
  let v = 0;
  for (let i = a; i < e; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

function isName(b: Buffer, a: number, e: number): boolean {
  if (a >= e) return false;
  const c0 = b[a]!;
  if (c0 < 97 || c0 > 122) return false;
  for (let i = a + 1; i < e; i++) {
    const c = b[i]!;
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

/** b[a, e) as a string: an interned word when it is one, else decoded as the string path would slice it. */
function word(b: Buffer, a: number, e: number): string {
  const len = e - a;
  if (len < WORDS_BY_LEN.length) {
    for (const k of WORDS_BY_LEN[len]!) if (matchAt(b, a, e, k.b)) return k.w;
  }
  return b.toString('utf8', a, e);
}

/** End of the value starting at v: the next space, else the line end. */
function valueEnd(b: Buffer, v: number, n: number): number {
  // values are short: a JS loop beats a native indexOf call
  while (v < n && b[v] !== 32) v++;
  return v;
}

function portAt(b: Buffer, v: number, n: number): number | null {
  const p = parseUint(b, v, valueEnd(b, v, n));
  return Number.isNaN(p) ? null : p;
}

/** The address at v, normalised as the string path does (interned when canonical dotted IPv4). */
function ipAt(b: Buffer, v: number, n: number, scan: ByteScan): string {
  const e = valueEnd(b, v, n);
  // canonical dotted quad: 4 octets of 1-3 digits, no leading zero, each <= 255
  let value = 0;
  let octets = 0;
  let i = v;
  let ok = e - v >= 7 && e - v <= 15;
  while (ok && i < e) {
    const d0 = i;
    let o = 0;
    while (i < e) {
      const c = b[i]!;
      if (c < 48 || c > 57) break;
      o = o * 10 + (c - 48);
      i++;
    }
    const len = i - d0;
    if (len === 0 || len > 3 || o > 255 || (len > 1 && b[d0] === 48)) { ok = false; break; }
    value = value * 256 + o;
    octets++;
    if (i < e) {
      if (b[i] !== 46 || octets === 4) { ok = false; break; }
      i++;
      if (i === e) { ok = false; break; }
    }
  }
  if (!ok || octets !== 4) return normalizeIp(b.toString('utf8', v, e));
  return internV4(scan, value | 0, b, v, e);
}

/**
 * The interned text of an IPv4 address given as its value (as int32). A typed-array table, not a
 * Map: most addresses are above 2^30, which V8 would box as heap numbers to hash them.
 */
function internV4(scan: ByteScan, key: number, b: Buffer, v: number, e: number): string {
  const keys = scan.v4Keys;
  const texts = scan.v4Texts;
  const mask = V4_SLOTS - 1;
  let h = Math.imul(key, 0x9e3779b1) >>> 14;
  for (;;) {
    const t = texts[h];
    if (t === undefined) break;
    if (keys[h] === key) return t;
    h = (h + 1) & mask;
  }
  const s = b.toString('latin1', v, e);
  if (scan.v4Size < MAX_INTERNED_V4) {
    keys[h] = key;
    texts[h] = s;
    scan.v4Size++;
  }
  return s;
}

/**
 * The byte path: the record the string parser would return for this line, with the same state
 * change, or undefined (state untouched) when the line is not one of the shapes read here.
 */
export function parseLineBytes(buf: Buffer, start: number, n: number, lineNo: number, state: TableParserState): LineResult<TableRecord> | undefined {
  if (state.xml !== null || state.pending !== null || state.ready.length !== 0 || start >= n) return undefined;
  const c0 = buf[start]!;
  // a name in column 0 (not `conntrack v...`, which may be a trailer or a tools prefix)
  if (c0 < 97 || c0 > 122 || c0 === 99) return undefined;
  const last = buf[n - 1]!;
  if (isSpace(last)) return undefined;
  const scan = state.bytes ?? (state.bytes = newByteScan());
  if (scan.tab.has(buf, start, n)) return undefined;

  let i = start;
  let e = tokenEnd(buf, i, n);
  if (!isName(buf, i, e)) return undefined;
  let j = skipSpaces(buf, e, n);
  let je = tokenEnd(buf, j, n);
  if (!isDigitsOnly(buf, j, je)) return undefined;
  let family: string | null = null;
  let protocol = word(buf, i, e);
  i = skipSpaces(buf, je, n); e = tokenEnd(buf, i, n);
  if (isName(buf, i, e)) {
    j = skipSpaces(buf, e, n); je = tokenEnd(buf, j, n);
    if (isDigitsOnly(buf, j, je)) {
      family = protocol;
      protocol = word(buf, i, e);
      i = skipSpaces(buf, je, n); e = tokenEnd(buf, i, n);
    }
  }
  let timeoutSec: number | null = null;
  if (isDigitsOnly(buf, i, e)) {
    timeoutSec = parseUint(buf, i, e);
    if (Number.isNaN(timeoutSec)) timeoutSec = null;
    i = skipSpaces(buf, e, n); e = tokenEnd(buf, i, n);
  }
  let st: string | null = null;
  if (i < e && buf[i] !== 91) {
    let hasEq = false;
    for (let k = i; k < e; k++) if (buf[k] === 61) { hasEq = true; break; }
    if (!hasEq) {
      st = word(buf, i, e);
      i = skipSpaces(buf, e, n); e = tokenEnd(buf, i, n);
    }
  }

  // one walk over the field starts (bytes after a space; a tab would have sent the line back):
  // the first `src=` is the original tuple, the second the reply; every other key takes its first
  // occurrence within its tuple, exactly as the string path's fieldAt jumps find them
  let p1 = -1, p2 = -1, fo = -1, fs = -1, fd = -1, rd = -1, rs = -1, rp = -1, fz = -1, fzo = -1;
  for (let k = i; k < n; k++) {
    if (buf[k - 1] !== 32) continue;
    const c = buf[k];
    if (c === 115 /* s */) {
      if (buf[k + 1] === 114 && buf[k + 2] === 99 && buf[k + 3] === 61) {  // src=
        if (p1 === -1) p1 = k;
        else if (p2 === -1) p2 = k;
      } else if (p1 !== -1 && buf[k + 1] === 112 && buf[k + 2] === 111 && buf[k + 3] === 114 && buf[k + 4] === 116 && buf[k + 5] === 61) {  // sport=
        if (p2 === -1) { if (fs === -1) fs = k; } else if (rs === -1) rs = k;
      }
    } else if (c === 100 /* d */ && p1 !== -1) {
      if (buf[k + 1] === 115 && buf[k + 2] === 116 && buf[k + 3] === 61) {  // dst=
        if (p2 === -1) { if (fo === -1) fo = k; } else if (rd === -1) rd = k;
      } else if (buf[k + 1] === 112 && buf[k + 2] === 111 && buf[k + 3] === 114 && buf[k + 4] === 116 && buf[k + 5] === 61) {  // dport=
        if (p2 === -1) { if (fd === -1) fd = k; } else if (rp === -1) rp = k;
      }
    } else if (c === 122 /* z */ && p1 !== -1 && buf[k + 1] === 111 && buf[k + 2] === 110 && buf[k + 3] === 101) {
      if (buf[k + 4] === 61) { if (fz === -1) fz = k; }                                       // zone=
      else if (fzo === -1 && matchAt(buf, k, n, ZONE_ORIG)) fzo = k;                          // zone-orig=
    }
  }
  if (p1 === -1) return undefined;  // the string path decides ('unparsed')
  if (p2 === -1 || fo === -1 || rd === -1) return undefined;  // incomplete: maybe hard-wrapped
  let zone: string | null = null;
  if (fz !== -1) {
    const ze = valueEnd(buf, fz + 5, n);
    const d = buf[fz + 5]!;
    zone = ze === fz + 6 && d >= 48 && d <= 57 ? DIGITS[d - 48]! : buf.toString('utf8', fz + 5, ze);
  } else if (fzo !== -1) {
    zone = buf.toString('utf8', fzo + 10, valueEnd(buf, fzo + 10, n));
  }
  let assured = false;
  let unreplied = false;
  let offload = false;
  for (let q = scan.bracket.nextAt(buf, p1); q !== -1 && q < n; q = scan.bracket.nextAt(buf, q + 1)) {
    const c1 = buf[q + 1];
    if (c1 === 65 && matchAt(buf, q, n, ASSURED)) assured = true;
    else if (c1 === 85 && matchAt(buf, q, n, UNREPLIED)) unreplied = true;
    else if ((c1 === 79 && matchAt(buf, q, n, OFFLOAD)) || (c1 === 72 && matchAt(buf, q, n, HW_OFFLOAD))) offload = true;
  }

  const origSrc = ipAt(buf, p1 + 4, n, scan);
  const capture = state.captureClosed ? state.capture + 1 : state.capture;
  const entry: TableEntryRecord = {
    kind: 'conntrack-entry',
    family: family ?? (origSrc.indexOf(':') !== -1 ? 'ipv6' : 'ipv4'),
    protocol,
    timeoutSec,
    state: st,
    origSrc,
    origDst: ipAt(buf, fo + 4, n, scan),
    origSport: fs === -1 ? null : portAt(buf, fs + 6, n),
    origDport: fd === -1 ? null : portAt(buf, fd + 6, n),
    replySrc: ipAt(buf, p2 + 4, n, scan),
    replyDst: ipAt(buf, rd + 4, n, scan),
    replySport: rs === -1 ? null : portAt(buf, rs + 6, n),
    replyDport: rp === -1 ? null : portAt(buf, rp + 6, n),
    assured,
    unreplied,
    offload,
    zone,
    event: null,
    src: { sourceId: state.sourceId, lineNo },
    capture,
    text: buf.toString('utf8', start, n),
  };
  // the state change parseLine makes for a complete entry line
  state.contentLines++;
  if (state.captureClosed) {
    state.capture++;
    state.captureClosed = false;
    state.captureHasEntries = false;
  }
  state.captureHasEntries = true;
  state.sawEntryLike = true;
  if (buf[start] === 105 && (matchAt(buf, start, n, IPV4) || matchAt(buf, start, n, IPV6))) state.formats.extended++;
  else state.formats.default++;
  state.recordsOut++;
  return entry;
}

const ASSURED = Buffer.from('[ASSURED]');
const UNREPLIED = Buffer.from('[UNREPLIED]');
const OFFLOAD = Buffer.from('[OFFLOAD]');
const HW_OFFLOAD = Buffer.from('[HW_OFFLOAD]');
const IPV4 = Buffer.from('ipv4');
const IPV6 = Buffer.from('ipv6');

const ZONE_ORIG = Buffer.from('zone-orig=');

function matchAt(b: Buffer, at: number, n: number, needle: Buffer): boolean {
  const len = needle.length;
  if (at + len > n) return false;
  // a JS loop: Buffer.compare is a native call, dearer than the few bytes compared
  for (let k = 0; k < len; k++) if (b[at + k] !== needle[k]) return false;
  return true;
}
