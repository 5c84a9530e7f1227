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
import { formatIpv6, normalizeIp } from '../../util/ip.js';
import { NeedleScanner } from '../../util/bytes.js';
import { protocolId, v4Text } from '../../util/keys.js';

/** Distinct IPv4 addresses interned per input; beyond, addresses are sliced per entry (same strings). */
const MAX_INTERNED_V4 = 1 << 17;
/** Slots of the intern table (load kept at or under 1/2). */
const V4_SLOTS = 1 << 18;

/** Distinct IPv6 addresses interned per input, and the slots of their table (4 words of key per slot). */
const MAX_INTERNED_V6 = 1 << 15;
const V6_SLOTS = 1 << 16;

/** Per-input scanners and caches of the byte path (kept in the parser state: line() stays pure). */
export interface ByteScan {
  readonly bracket: NeedleScanner;
  readonly tab: NeedleScanner;
  /** Canonical dotted IPv4 text by its 32-bit value: an open-addressing table (see {@link internV4}). */
  v4Keys: Int32Array | null;
  v4Texts: (string | undefined)[] | null;
  v4Size: number;
  /** Canonical IPv6 text by its 128 bits (four words per slot): see {@link internV6}. */
  v6Keys: Int32Array | null;
  v6Texts: (string | undefined)[] | null;
  v6Size: number;
  /** The one transient fast-path entry of this input (see {@link PackedEntry}). */
  packed: PackedEntry | null;
}

/** Fresh scanners for one input. */
export function newByteScan(): ByteScan {
  return {
    bracket: new NeedleScanner(91), tab: new NeedleScanner(9),
    v4Keys: null, v4Texts: null, v4Size: 0, v6Keys: null, v6Texts: null, v6Size: 0, packed: null,
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
const EMPTY = Buffer.alloc(0);
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
  if (!ok || octets !== 4) return v6Groups(b, v, e) ? internV6(scan) : normalizeIp(b.toString('utf8', v, e));
  return internV4(scan, value | 0, b, v, e);
}

/** The 8 groups v6Groups read. */
const groups = new Int32Array(8);

/**
 * Read the IPv6 address b[v, e) into `groups` when it is written in the plain form: hex groups of 1–4
 * digits separated by `:`, at most one `::`. False for anything else (an IPv4 tail, a zone, garbage),
 * which normalizeIp then reads from the string. Where this accepts, parseIpv6 (util/ip.ts) accepts the
 * same text with the same groups: tests compare the two paths on every form.
 */
function v6Groups(b: Buffer, v: number, e: number): boolean {
  if (e - v < 2 || e - v > 45) return false;
  let n = 0;
  /** Groups before the `::`, -1 without one. */
  let gap = -1;
  let i = v;
  if (b[i] === 58) {
    if (b[i + 1] !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < e) {
    let g = 0;
    const d0 = i;
    for (; i < e; i++) {
      const c = b[i]!;
      const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (h < 0) break;
      g = g * 16 + h;
    }
    if (i === d0 || i - d0 > 4 || n === 8) return false;
    groups[n++] = g;
    if (i === e) break;
    if (b[i] !== 58 || i + 1 === e) return false;
    i++;
    if (b[i] === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  // the groups after the gap move to the end; zeros fill the gap
  const tail = n - gap;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/** The canonical text of the address in `groups`, interned per input (a typed-array table, as internV4). */
function internV6(scan: ByteScan): string {
  const w0 = (groups[0]! << 16) | groups[1]!, w1 = (groups[2]! << 16) | groups[3]!;
  const w2 = (groups[4]! << 16) | groups[5]!, w3 = (groups[6]! << 16) | groups[7]!;
  const keys = scan.v6Keys ?? (scan.v6Keys = new Int32Array(V6_SLOTS * 4));
  const texts = scan.v6Texts ?? (scan.v6Texts = new Array<string | undefined>(V6_SLOTS).fill(undefined));
  const mask = V6_SLOTS - 1;
  let h = Math.imul(Math.imul(w0 ^ w1, 0x9e3779b1) ^ Math.imul(w2 ^ w3, 0x85ebca6b) ^ w3, 0xc2b2ae35) >>> 16;
  for (;;) {
    const t = texts[h];
    if (t === undefined) break;
    const at = h << 2;
    if (keys[at] === w0 && keys[at + 1] === w1 && keys[at + 2] === w2 && keys[at + 3] === w3) return t;
    h = (h + 1) & mask;
  }
  const s = formatIpv6(Array.from(groups));
  if (scan.v6Size < MAX_INTERNED_V6) {
    const at = h << 2;
    keys[at] = w0;
    keys[at + 1] = w1;
    keys[at + 2] = w2;
    keys[at + 3] = w3;
    texts[h] = s;
    scan.v6Size++;
  }
  return s;
}

/**
 * The interned text of an IPv4 address given as its value (as int32). A typed-array table, not a
 * Map: most addresses are above 2^30, which V8 would box as heap numbers to hash them.
 */
function internV4(scan: ByteScan, key: number, b: Buffer, v: number, e: number): string {
  // made on first use: entries whose four addresses are IPv4 never intern (PackedEntry), so a plain IPv4
  // capture never pays for the table (3 MB)
  const keys = scan.v4Keys ?? (scan.v4Keys = new Int32Array(V4_SLOTS));
  const texts = scan.v4Texts ?? (scan.v4Texts = new Array<string | undefined>(V4_SLOTS).fill(undefined));
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
 * The canonical dotted IPv4 address at v (up to the next space) as an unsigned value, or -1 when the
 * value there is anything else (IPv6, leading zeros, out of range: the string path's text is kept).
 */
function v4At(b: Buffer, v: number, n: number): number {
  let value = 0;
  let octets = 0;
  let i = v;
  for (;;) {
    const d0 = i;
    let o = 0;
    let c = 0;
    while (i < n) {
      c = b[i]!;
      if (c < 48 || c > 57) break;
      o = o * 10 + (c - 48);
      i++;
    }
    const len = i - d0;
    if (len === 0 || len > 3 || o > 255 || (len > 1 && b[d0] === 48)) return -1;
    value = value * 256 + o;
    octets++;
    if (octets === 4) return i === n || c === 32 ? value : -1;
    if (i >= n || c !== 46) return -1;
    i++;
  }
}

/**
 * The entry of the capture fast path whose four addresses are canonical IPv4 (issue 7): the numbers are
 * fields, the address strings and the line's text are made only when read.
 *
 * TRANSIENT: ONE object per input, refilled for every such line (no allocation per entry), and its
 * `text` reads the input block, which the file reader reuses. A consumer reads it during the sink call
 * (the table accumulator does) and keeps `keepRecord(r)` (src/parsers/line-parser.ts), i.e.
 * {@link PackedEntry.plain}: the plain record the string path builds for the line.
 */
export class PackedEntry implements TableEntryRecord {
  readonly kind = 'conntrack-entry' as const;
  readonly event = null;
  family = 'ipv4';
  protocol = '';
  timeoutSec: number | null = null;
  state: string | null = null;
  src4 = 0;
  dst4 = 0;
  rsrc4 = 0;
  rdst4 = 0;
  protoId = 0;
  origSport: number | null = null;
  origDport: number | null = null;
  replySport: number | null = null;
  replyDport: number | null = null;
  assured = false;
  unreplied = false;
  offload = false;
  zone: string | null = null;
  capture = 0;
  private block: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  private sourceId = '';
  private lineNo = 0;

  /** Refill for one line (the previous line's entry is gone: see the class note). */
  fill(family: string, protocol: string, timeoutSec: number | null, state: string | null,
    src4: number, dst4: number, rsrc4: number, rdst4: number, protoId: number,
    origSport: number | null, origDport: number | null, replySport: number | null, replyDport: number | null,
    assured: boolean, unreplied: boolean, offload: boolean, zone: string | null, capture: number,
    block: Buffer, start: number, end: number, sourceId: string, lineNo: number): this {
    this.family = family;
    this.protocol = protocol;
    this.timeoutSec = timeoutSec;
    this.state = state;
    this.src4 = src4;
    this.dst4 = dst4;
    this.rsrc4 = rsrc4;
    this.rdst4 = rdst4;
    this.protoId = protoId;
    this.origSport = origSport;
    this.origDport = origDport;
    this.replySport = replySport;
    this.replyDport = replyDport;
    this.assured = assured;
    this.unreplied = unreplied;
    this.offload = offload;
    this.zone = zone;
    this.capture = capture;
    this.block = block;
    this.start = start;
    this.end = end;
    this.sourceId = sourceId;
    this.lineNo = lineNo;
    return this;
  }

  get origSrc(): string { return v4Text(this.src4); }
  get origDst(): string { return v4Text(this.dst4); }
  get replySrc(): string { return v4Text(this.rsrc4); }
  get replyDst(): string { return v4Text(this.rdst4); }
  get src(): { readonly sourceId: string; readonly lineNo: number } { return { sourceId: this.sourceId, lineNo: this.lineNo }; }
  /** The entry's line (read from the input block: see the class note). */
  get text(): string { return this.block.toString('utf8', this.start, this.end); }

  /** The plain record the string path builds for this line (what a consumer that keeps records keeps). */
  plain(): TableEntryRecord {
    return {
      kind: 'conntrack-entry', family: this.family, protocol: this.protocol, timeoutSec: this.timeoutSec, state: this.state,
      origSrc: this.origSrc, origDst: this.origDst, origSport: this.origSport, origDport: this.origDport,
      replySrc: this.replySrc, replyDst: this.replyDst, replySport: this.replySport, replyDport: this.replyDport,
      assured: this.assured, unreplied: this.unreplied, offload: this.offload, zone: this.zone, event: null,
      src: this.src, capture: this.capture, text: this.text,
    };
  }

  /** JSON is that of {@link PackedEntry.plain}. */
  toJSON(): TableEntryRecord {
    return this.plain();
  }
}

/** Out slots of {@link seqScan}: the four addresses (int32), the ports (-1: none), flags, zone positions. */
const SEQ = new Int32Array(11);
const S_SRC = 0, S_DST = 1, S_RSRC = 2, S_RDST = 3, S_OSP = 4, S_ODP = 5, S_RSP = 6, S_RDP = 7, S_FLAGS = 8, S_ZONE_AT = 9, S_ZONEO_AT = 10;
const F_ASSURED = 1, F_UNREPLIED = 2, F_OFFLOAD = 4;
/** Where the last value read by {@link seqV4} / {@link seqPort} ended (the space after it, or the line end). */
let seqEnd = 0;

/** A canonical dotted quad at v ending at a space or n, as an unsigned value (seqEnd set), else -1. */
function seqV4(b: Buffer, v: number, n: number): number {
  const r = v4At(b, v, n);
  if (r < 0) return -1;
  // v4At accepted it, so it ends at the first space (or n) after v
  let e = v + 7;
  while (e < n && b[e] !== 32) e++;
  seqEnd = e;
  return r;
}

/** A port of 1–5 plain digits at v ending at a space or n (seqEnd set), else -1 (the general walk decides). */
function seqPort(b: Buffer, v: number, n: number): number {
  let p = 0;
  let e = v;
  while (e < n) {
    const c = b[e]!;
    if (c === 32) break;
    if (c < 48 || c > 57) return -1;
    p = p * 10 + (c - 48);
    e++;
  }
  if (e === v || e - v > 5) return -1;
  seqEnd = e;
  return p;
}

/**
 * The usual entry shape in ONE pass over the tokens from i (the first field, which must be `src=`):
 * the same fields the general walk of {@link parseLineBytes} finds — the first `src=` is the original
 * tuple, the second the reply; `dst=`, `sport=`, `dport=` count at their first occurrence within
 * their tuple, `zone=` (else `zone-orig=`) at its first, `[ASSURED]`/`[UNREPLIED]`/`[OFFLOAD]`/
 * `[HW_OFFLOAD]` wherever a token starts with them — reading the four addresses and the ports as it
 * meets them. False (nothing decided) for anything else: an address that is not a canonical dotted
 * quad, a port that is not plain digits, a `[` inside a token, a missing tuple; the walk decides those.
 */
function seqScan(b: Buffer, i: number, n: number, out: Int32Array): boolean {
  if (!(b[i] === 115 && b[i + 1] === 114 && b[i + 2] === 99 && b[i + 3] === 61)) return false;
  let nsrc = 0;
  let haveFo = false, haveRd = false;
  let osp = -1, odp = -1, rsp = -1, rdp = -1;
  let flags = 0;
  let za = -1, zo = -1;
  let k = i;
  while (k < n) {
    const c = b[k]!;
    let end = -1;
    if (c === 115 /* s */) {
      if (b[k + 1] === 114 && b[k + 2] === 99 && b[k + 3] === 61) {  // src=
        if (nsrc < 2) {
          const v = seqV4(b, k + 4, n);
          if (v < 0) return false;
          out[nsrc === 0 ? S_SRC : S_RSRC] = v | 0;
          end = seqEnd;
        }
        nsrc++;
      } else if (b[k + 1] === 112 && b[k + 2] === 111 && b[k + 3] === 114 && b[k + 4] === 116 && b[k + 5] === 61) {  // sport=
        if (nsrc === 1 ? osp === -1 : rsp === -1) {
          const p = seqPort(b, k + 6, n);
          if (p < 0) return false;
          if (nsrc === 1) osp = p; else rsp = p;
          end = seqEnd;
        }
      }
    } else if (c === 100 /* d */) {
      if (b[k + 1] === 115 && b[k + 2] === 116 && b[k + 3] === 61) {  // dst=
        if (nsrc === 1 ? !haveFo : !haveRd) {
          const v = seqV4(b, k + 4, n);
          if (v < 0) return false;
          if (nsrc === 1) { out[S_DST] = v | 0; haveFo = true; } else { out[S_RDST] = v | 0; haveRd = true; }
          end = seqEnd;
        }
      } else if (b[k + 1] === 112 && b[k + 2] === 111 && b[k + 3] === 114 && b[k + 4] === 116 && b[k + 5] === 61) {  // dport=
        if (nsrc === 1 ? odp === -1 : rdp === -1) {
          const p = seqPort(b, k + 6, n);
          if (p < 0) return false;
          if (nsrc === 1) odp = p; else rdp = p;
          end = seqEnd;
        }
      }
    } else if (c === 122 /* z */ && b[k + 1] === 111 && b[k + 2] === 110 && b[k + 3] === 101) {
      if (b[k + 4] === 61) { if (za === -1) za = k; }                      // zone=
      else if (zo === -1 && matchAt(b, k, n, ZONE_ORIG)) zo = k;           // zone-orig=
    } else if (c === 91 /* [ */) {
      const c1 = b[k + 1];
      if (c1 === 65 && matchAt(b, k, n, ASSURED)) flags |= F_ASSURED;
      else if (c1 === 85 && matchAt(b, k, n, UNREPLIED)) flags |= F_UNREPLIED;
      else if ((c1 === 79 && matchAt(b, k, n, OFFLOAD)) || (c1 === 72 && matchAt(b, k, n, HW_OFFLOAD))) flags |= F_OFFLOAD;
      k++;  // past this '[': another one inside the token sends the line to the walk
    }
    if (end === -1) {
      // the rest of the token, unread; a '[' in it could be a flag the walk would see
      while (k < n) {
        const d = b[k]!;
        if (d === 32) break;
        if (d === 91) return false;
        k++;
      }
    } else {
      k = end;
    }
    while (k < n && b[k] === 32) k++;
  }
  if (nsrc < 2 || !haveFo || !haveRd) return false;
  out[S_OSP] = osp;
  out[S_ODP] = odp;
  out[S_RSP] = rsp;
  out[S_RDP] = rdp;
  out[S_FLAGS] = flags;
  out[S_ZONE_AT] = za;
  out[S_ZONEO_AT] = zo;
  return true;
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

  // the usual shape first: one pass over the tokens that reads the four IPv4 addresses and the ports
  // as it meets them (seqScan); anything unusual falls through to the general walk below
  if ((family === null || family === 'ipv4') && seqScan(buf, i, n, SEQ)) {
    let zone: string | null = null;
    const za = SEQ[S_ZONE_AT]!;
    if (za !== -1) {
      const ze = valueEnd(buf, za + 5, n);
      const d = buf[za + 5]!;
      zone = ze === za + 6 && d >= 48 && d <= 57 ? DIGITS[d - 48]! : buf.toString('utf8', za + 5, ze);
    } else if (SEQ[S_ZONEO_AT] !== -1) {
      const zo = SEQ[S_ZONEO_AT]!;
      zone = buf.toString('utf8', zo + 10, valueEnd(buf, zo + 10, n));
    }
    const flags = SEQ[S_FLAGS]!;
    const osp = SEQ[S_OSP]!, odp = SEQ[S_ODP]!, rsp = SEQ[S_RSP]!, rdp = SEQ[S_RDP]!;
    const entry = (scan.packed ?? (scan.packed = new PackedEntry())).fill(family ?? 'ipv4', protocol, timeoutSec, st, SEQ[S_SRC]!, SEQ[S_DST]!, SEQ[S_RSRC]!, SEQ[S_RDST]!, protocolId(protocol),
      osp < 0 ? null : osp, odp < 0 ? null : odp, rsp < 0 ? null : rsp, rdp < 0 ? null : rdp,
      (flags & F_ASSURED) !== 0, (flags & F_UNREPLIED) !== 0, (flags & F_OFFLOAD) !== 0, zone,
      state.captureClosed ? state.capture + 1 : state.capture, buf, start, n, state.sourceId, lineNo);
    return commitEntry(buf, start, n, state, entry);
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

  const capture = state.captureClosed ? state.capture + 1 : state.capture;
  const origSport = fs === -1 ? null : portAt(buf, fs + 6, n);
  const origDport = fd === -1 ? null : portAt(buf, fd + 6, n);
  const replySport = rs === -1 ? null : portAt(buf, rs + 6, n);
  const replyDport = rp === -1 ? null : portAt(buf, rp + 6, n);
  const src4 = v4At(buf, p1 + 4, n);
  const dst4 = src4 < 0 ? -1 : v4At(buf, fo + 4, n);
  const rsrc4 = dst4 < 0 ? -1 : v4At(buf, p2 + 4, n);
  const rdst4 = rsrc4 < 0 ? -1 : v4At(buf, rd + 4, n);
  let entry: TableEntryRecord;
  if (rdst4 >= 0 && (family === null || family === 'ipv4')) {
    // all four addresses canonical IPv4: numbers, and strings only when asked
    entry = (scan.packed ?? (scan.packed = new PackedEntry())).fill(family ?? 'ipv4', protocol, timeoutSec, st, src4 | 0, dst4 | 0, rsrc4 | 0, rdst4 | 0, protocolId(protocol),
      origSport, origDport, replySport, replyDport, assured, unreplied, offload, zone, capture, buf, start, n, state.sourceId, lineNo);
  } else {
    const origSrc = ipAt(buf, p1 + 4, n, scan);
    entry = {
      kind: 'conntrack-entry',
      family: family ?? (origSrc.indexOf(':') !== -1 ? 'ipv6' : 'ipv4'),
      protocol,
      timeoutSec,
      state: st,
      origSrc,
      origDst: ipAt(buf, fo + 4, n, scan),
      origSport,
      origDport,
      replySrc: ipAt(buf, p2 + 4, n, scan),
      replyDst: ipAt(buf, rd + 4, n, scan),
      replySport,
      replyDport,
      assured,
      unreplied,
      offload,
      zone,
      event: null,
      src: { sourceId: state.sourceId, lineNo },
      capture,
      text: buf.toString('utf8', start, n),
    };
  }
  return commitEntry(buf, start, n, state, entry);
}

/** The state change parseLine makes for a complete entry line; returns the entry. */
function commitEntry(buf: Buffer, start: number, n: number, state: TableParserState, entry: TableEntryRecord): TableEntryRecord {
  const extended = buf[start] === 105 && (matchAt(buf, start, n, IPV4) || matchAt(buf, start, n, IPV6));
  commitEntries(state, 1, extended ? 1 : 0);
  return entry;
}

/**
 * The state change parseLine makes for `lines` complete entry lines in a row, `extended` of them starting
 * with a family name (`ipv4 2 tcp ...`): commitEntry's, and the capture engine's for a run (run.ts).
 */
export function commitEntries(state: TableParserState, lines: number, extended: number): void {
  state.contentLines += lines;
  if (state.captureClosed) {
    state.capture++;
    state.captureClosed = false;
    state.captureHasEntries = false;
  }
  state.captureHasEntries = true;
  state.sawEntryLike = true;
  state.formats.extended += extended;
  state.formats.default += lines - extended;
  state.recordsOut += lines;
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
