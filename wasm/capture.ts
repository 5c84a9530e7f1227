// AssemblyScript (compiled by `npm run build` into dist/src/util/capture.wasm; see
// src/util/capture-wasm.ts, which loads it, and docs/ARCHITECTURE.md "Capture engine").
//
// One module, two roles, one instance per role:
//
// 1. TOKENIZER (one instance per table input): `scanLines` reads the usual `conntrack -L` /
//    /proc/net/nf_conntrack entry line (four canonical IPv4 addresses or four plain-form IPv6 ones,
//    interned per input as ids; a known protocol and state; a CR LF line end read as the newline)
//    into a 16-word packed entry, line after line, and stops at the first line that is anything else.
//    It is a byte-for-byte port of the `seqScan` path of src/parsers/conntrack-table/bytes.ts
//    restricted to a SUBSET of its lines: whatever it does not take, the JavaScript parser reads,
//    so it never has to decide anything the JavaScript parser would decide otherwise.
//
// 2. TALLIES (one instance per capture, src/analysis/table.ts): four BoundedTally ports (exact up to
//    `cap` distinct keys, then Space-Saving, with the slot ids, count buckets and tie-breaks of
//    src/analysis/heavy-hitters.ts), the small counters and the remaining-timeout histograms, and
//    `countRun`, which counts packed entries exactly as CaptureTally.addPacked counts one. Where an
//    entry needs a line as evidence (the first entry, a state's first line, the top source's lead),
//    or has IPv6 addresses (JavaScript counts their keys as strings), it stops and lets JavaScript act.
//    On the tally thread (src/analysis/tally-thread.ts) an instance counts only the destination, port
//    and pair tallies (`countTriples`), and the main thread's `countRun` leaves them out (C_REMOTE),
//    writes each entry's triple for the thread, and counts an IPv6 source itself by its text id
//    (`v6map`), stopping only at an address it has no text id for yet.
//
// No managed objects (runtime stub): memory is laid out by hand from __heap_base.

// ------------------------------------------------------------------ memory

let top: usize = 0;

function alloc(bytes: usize): usize {
  if (top == 0) top = (__heap_base + 15) & ~(<usize>15);
  const p = top;
  const end = (p + bytes + 15) & ~(<usize>15);
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
  top = end;
  return p;
}

// ------------------------------------------------------------------ shared ids

// protocol ids: the first five names src/util/keys.ts registers (protocolId)
const P_TCP = 0;
const P_UDP = 1;
const P_ICMP = 2;
const P_ICMPV6 = 3;
const P_GRE = 4;
const PROTOCOLS = 5;
// TCP state ids, in the order of STATE_NAMES in capture-engine.ts
const S_ESTABLISHED = 1;
const STATES = 11;
// timeout keys: 0..10 the TCP states, then these
const T_UDP = 11;
const T_UDP_STREAM = 12;
const T_GRE = 13;
const T_GRE_STREAM = 14;
const T_ICMP = 15;
const T_ICMPV6 = 16;
const TKEYS = 17;

const F_ASSURED = 1;
const F_UNREPLIED = 2;
const F_OFFLOAD = 4;

// packed entry: 16 i32 words
const E_START = 0;
const E_END = 1;
const E_PROTO = 2;
const E_STATE = 3;
const E_TIMEOUT = 4;
const E_SRC = 5;
const E_DST = 6;
const E_RSRC = 7;
const E_RDST = 8;
const E_OSP = 9;
const E_ODP = 10;
const E_RSP = 11;
const E_RDP = 12;
const E_FLAGS = 13;
const E_ZONE = 14;
const E_FAMILY = 15;
const ENTRY_BYTES = 64;

// ------------------------------------------------------------------ 1. tokenizer

let inPtr: usize = 0;
let inCap: usize = 0;
let outPtr: usize = 0;
let outCap: i32 = 0;
/** Byte offset (in the input) after the last line scanLines took. */
let scanNext: i32 = 0;
/** Lines among those taken that start with a family name (`ipv4 2 tcp ...`). */
let scanExtended: i32 = 0;

/** The input area for `bytes` bytes (plus padding), grown as needed; its address. */
export function inputArea(bytes: i32): usize {
  if (<usize>bytes + 64 > inCap) {
    inCap = (<usize>bytes + 64 + 0xffff) & ~(<usize>0xffff);
    inPtr = alloc(inCap);
  }
  return inPtr;
}

/** The packed-entry area for `entries` entries; its address. */
export function outputArea(entries: i32): usize {
  if (entries > outCap) {
    outCap = entries;
    outPtr = alloc(<usize>entries * ENTRY_BYTES);
  }
  return outPtr;
}

// IPv6 addresses: interned per tokenizer instance (per input), an entry holds their ids
const V6_MAX = 1 << 16;          // distinct addresses; a line with one more goes to the JavaScript parser
const V6_BUCKETS = 1 << 17;
let v6Keys: usize = 0;           // V6_MAX × 4 u32: the 128 bits of each id (the first group in the high half)
let v6Index: usize = 0;          // V6_BUCKETS × i32: id + 1, 0 when empty
let v6Count: i32 = 0;
let grp: usize = 0;              // 8 u32: the groups v6At read

/** Make the IPv6 tables (before any scan: the memory must not grow under JavaScript's views); their keys' address. */
export function v6Area(): usize {
  if (v6Keys == 0) {
    v6Keys = alloc(<usize>V6_MAX * 16);
    v6Index = alloc(<usize>V6_BUCKETS * 4);
    grp = alloc(32);
  }
  return v6Keys;
}

/** IPv6 addresses interned so far (ids 0 .. v6Interned() - 1). */
export function v6Interned(): i32 { return v6Count; }

export function nextOffset(): i32 { return scanNext; }
export function extendedLines(): i32 { return scanExtended; }

@inline function at(p: usize): u32 { return <u32>load<u8>(p); }

@inline function isNameChar(c: u32): bool {
  return (c - 97 < 26) || (c - 48 < 10) || c == 45 || c == 95;
}

/** The end of the token at p: the next space or newline; -1 (as usize max) when a control byte is met. */
function tokenEnd(p: usize): usize {
  for (;;) {
    const c = at(p);
    if (c == 32 || c == 10) return p;
    if (c < 32) return <usize>-1;
    p++;
  }
  return unreachable();
}

/** p past spaces. */
@inline function skipSpaces(p: usize): usize {
  while (at(p) == 32) p++;
  return p;
}

/** [a, e) are only digits and not empty. */
function digitsOnly(a: usize, e: usize): bool {
  if (a >= e) return false;
  for (let p = a; p < e; p++) if (at(p) - 48 >= 10) return false;
  return true;
}

/** [a, e) is a name ([a-z][a-z0-9-_]*). */
function isName(a: usize, e: usize): bool {
  if (a >= e) return false;
  if (at(a) - 97 >= 26) return false;
  for (let p = a + 1; p < e; p++) if (!isNameChar(at(p))) return false;
  return true;
}

@inline function is3(p: usize, a: u32, b: u32, c: u32): bool { return at(p) == a && at(p + 1) == b && at(p + 2) == c; }

/** The protocol id of the word [a, e), or -1. */
function protocolOf(a: usize, e: usize): i32 {
  const n = e - a;
  if (n == 3) {
    if (is3(a, 116, 99, 112)) return P_TCP;            // tcp
    if (is3(a, 117, 100, 112)) return P_UDP;           // udp
    if (is3(a, 103, 114, 101)) return P_GRE;           // gre
  } else if (n == 4) {
    if (load<u32>(a) == 0x706d6369) return P_ICMP;     // icmp
  } else if (n == 6) {
    if (load<u32>(a) == 0x706d6369 && at(a + 4) == 118 && at(a + 5) == 54) return P_ICMPV6;  // icmpv6
  }
  return -1;
}

/** Does [a, e) spell the ASCII word w? */
@inline function wordIs(a: usize, e: usize, w: string): bool {
  const n = w.length;
  if (<i32>(e - a) != n) return false;
  for (let k = 0; k < n; k++) if (at(a + k) != <u32>w.charCodeAt(k)) return false;
  return true;
}

/** The state id of the word [a, e) (STATE_NAMES order), or -1. */
function stateOf(a: usize, e: usize): i32 {
  const n = <i32>(e - a);
  const c = at(a);
  if (n == 9) {
    if (wordIs(a, e, 'TIME_WAIT')) return 0;
    if (wordIs(a, e, 'SYN_SENT2')) return 8;
  } else if (n == 11) {
    if (wordIs(a, e, 'ESTABLISHED')) return 1;
  } else if (n == 8) {
    if (c == 83) {
      if (wordIs(a, e, 'SYN_SENT')) return 2;
      if (wordIs(a, e, 'SYN_RECV')) return 3;
    } else if (c == 70) {
      if (wordIs(a, e, 'FIN_WAIT')) return 4;
    } else if (c == 76) {
      if (wordIs(a, e, 'LAST_ACK')) return 6;
    }
  } else if (n == 10) {
    if (wordIs(a, e, 'CLOSE_WAIT')) return 5;
  } else if (n == 5) {
    if (wordIs(a, e, 'CLOSE')) return 7;
  } else if (n == 4) {
    if (wordIs(a, e, 'NONE')) return 9;
  } else if (n == 6) {
    if (wordIs(a, e, 'LISTEN')) return 10;
  }
  return -1;
}

/** Where the last value read by v4At / portAt ended (the space or newline after it). */
let valEnd: usize = 0;

/**
 * A canonical dotted quad at v ending at a space or the newline (bytes.ts v4At): its value, else -1
 * (as i64, so every address fits); valEnd gets the end. quadSp reads it.
 */
function v4At(v: usize): i64 {
  const r = quadSp(v, true);
  if (r < 0) return -1;
  valEnd = <usize>(r >>> 32);
  return r & 0xffffffff;
}

/**
 * SWAR digit test over the eight bytes of a (already XORed with `00000000`): a byte's bits 4..7 set where
 * it is not a digit (its high nibble not 0, or its low nibble over 9). No carry crosses a byte.
 */
@inline function nonDigits64(a: u64): u64 {
  return (a & 0xf0f0f0f0f0f0f0f0) | (((a & 0x0f0f0f0f0f0f0f0f) + 0x0606060606060606) & 0x1010101010101010);
}

@inline function hexOf(c: u32): i32 {
  if (c - 48 < 10) return <i32>(c - 48);
  if (c - 97 < 6) return <i32>(c - 87);
  if (c - 65 < 6) return <i32>(c - 55);
  return -1;
}

/**
 * An IPv6 address at v ending at a space or the newline, in the plain form bytes.ts v6Groups reads (hex
 * groups of 1–4 digits, at most one `::`, 2–45 bytes): its interned id, else -1 (another form, or no room).
 */
function v6At(v: usize): i32 {
  if (v6Keys == 0) return -1;
  let n = 0;
  let gap = -1;
  let p = v;
  if (at(p) == 58) {
    if (at(p + 1) != 58) return -1;
    gap = 0;
    p += 2;
  }
  for (;;) {
    let c = at(p);
    if (c == 32 || c == 10) break;
    let g: u32 = 0;
    const d0 = p;
    for (;;) {
      const h = hexOf(c);
      if (h < 0) break;
      g = (g << 4) | <u32>h;
      p++;
      c = at(p);
    }
    if (p == d0 || p - d0 > 4 || n == 8) return -1;
    store<u32>(grp + (<usize>n << 2), g);
    n++;
    if (c == 32 || c == 10) break;
    if (c != 58) return -1;
    p++;
    c = at(p);
    if (c == 32 || c == 10) return -1;
    if (c == 58) {
      if (gap >= 0) return -1;
      gap = n;
      p++;
    }
  }
  const len = p - v;
  if (len < 2 || len > 45) return -1;
  if (gap < 0) {
    if (n != 8) return -1;
  } else {
    if (n > 7) return -1;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) store<u32>(grp + (<usize>(7 - k) << 2), load<u32>(grp + (<usize>(n - 1 - k) << 2)));
    for (let k = gap; k < 8 - tail; k++) store<u32>(grp + (<usize>k << 2), 0);
  }
  valEnd = p;
  const w0 = (load<u32>(grp) << 16) | load<u32>(grp, 4);
  const w1 = (load<u32>(grp, 8) << 16) | load<u32>(grp, 12);
  const w2 = (load<u32>(grp, 16) << 16) | load<u32>(grp, 20);
  const w3 = (load<u32>(grp, 24) << 16) | load<u32>(grp, 28);
  const mask: u32 = V6_BUCKETS - 1;
  for (let i = hash3(w0 ^ w3, w1, w2) & mask; ; i = (i + 1) & mask) {
    const q = v6Index + (<usize>i << 2);
    const e = load<i32>(q);
    if (e == 0) {
      if (v6Count >= V6_MAX) return -1;
      const id = v6Count++;
      const k = v6Keys + (<usize>id << 4);
      store<u32>(k, w0);
      store<u32>(k, w1, 4);
      store<u32>(k, w2, 8);
      store<u32>(k, w3, 12);
      store<i32>(q, id + 1);
      return id;
    }
    const k = v6Keys + (<usize>(e - 1) << 4);
    if (load<u32>(k) == w0 && load<u32>(k, 4) == w1 && load<u32>(k, 8) == w2 && load<u32>(k, 12) == w3) return e - 1;
  }
  return unreachable();
}

/** An address at v: IPv4 as its value, IPv6 (sets v6Seen) as its id; -1 for any other text. */
let v6Seen = 0;
@inline function addrAt(v: usize): i64 {
  const v4 = v4At(v);
  if (v4 >= 0) return v4;
  // v4At gives up within the first group of an IPv6 address (a colon, or a hex letter)
  const id = v6At(v);
  if (id < 0) return -1;
  v6Seen++;
  return <i64>id;
}

/** A port of 1–5 plain digits at v ending at a space or the newline (bytes.ts seqPort), else -1; valEnd gets the end. portSp reads it. */
function portAt(v: usize): i32 {
  const r = portSp(v, true);
  if (r < 0) return -1;
  valEnd = <usize>(r >>> 32);
  return <i32>r;
}

@inline function isAt4(p: usize, w: u32): bool { return load<u32>(p) == w; }

// little-endian u32 spellings
const W_SRC = 0x3d637273;    // "src="
const W_DST = 0x3d747364;    // "dst="
const W_SPOR = 0x726f7073;   // "spor"
const W_DPOR = 0x726f7064;   // "dpor"
const W_ZONE = 0x656e6f7a;   // "zone"


// What tuplesFast read: the four addresses, the four ports and the flags between the tuples.
let tSrc: u32 = 0;
let tDst: u32 = 0;
let tRsrc: u32 = 0;
let tRdst: u32 = 0;
let tOsp: i32 = 0;
let tOdp: i32 = 0;
let tRsp: i32 = 0;
let tRdp: i32 = 0;
let tFlags: i32 = 0;

const W_T_EQ = 0x3d74;           // "t="
const W_UNREPLI = 0x494c5045524e555b;  // "[UNREPLI"
const W_ED__ = 0x205d4445;       // "ED] " (the rest of "[UNREPLIED] ")

/** Bit 7 of each of the eight bytes of x that is not an ASCII digit (SWAR, no carry crosses a byte). */
@inline function nonDigitBits(x: u64): u64 {
  const y = x & 0x7f7f7f7f7f7f7f7f;
  return (~(y + 0x5050505050505050) | (y + 0x4646464646464646) | x) & 0x8080808080808080;
}

/** The eight bit-7 flags of m as the bits 0..7 of a byte (byte k → bit k). */
@inline function packBits(m: u64): u32 {
  return <u32>(((m >> 7) * 0x0102040810204080) >> 56);
}

/** The octet of `len` (1–3) digits at p: its value, or 256 for a leading zero (so that the caller's check fails). */
@inline function octetAt(p: usize, len: u32): u32 {
  const a = load<u32>(p) ^ 0x30303030;
  const d = a << ((3 - len) << 3);
  const o = (d & 0xf) * 100 + ((d >>> 8) & 0xf) * 10 + ((d >>> 16) & 0xf);
  return len > 1 && (a & 0xff) == 0 ? 256 : o;
}

/**
 * A canonical dotted quad at v followed by a space, or by the newline too when `nl` (bytes.ts v4At):
 * (address of that byte) << 32 | value, else -1. The first four non-digit bytes of the 16 at v are found at
 * once from a bit mask (so no octet waits for the one before it to be read), then the four octets are read
 * independently, each from one 4-byte load with no branch on its length; the input area is padded, so
 * reading past the line is safe.
 */
@inline function quadSp(v: usize, nl: bool): i64 {
  let m = packBits(nonDigitBits(load<u64>(v))) | (packBits(nonDigitBits(load<u64>(v + 8))) << 8);
  const d1 = ctz(m); m &= m - 1;
  const d2 = ctz(m); m &= m - 1;
  const d3 = ctz(m); m &= m - 1;
  const d4 = ctz(m);
  const l1 = d1, l2 = d2 - d1 - 1, l3 = d3 - d2 - 1, l4 = d4 - d3 - 1;
  if ((l1 - 1 >= 3) | (l2 - 1 >= 3) | (l3 - 1 >= 3) | (l4 - 1 >= 3)) return -1;
  if (((at(v + d1) ^ 46) | (at(v + d2) ^ 46) | (at(v + d3) ^ 46)) != 0) return -1;
  const end = at(v + d4);
  if (end != 32 && !(nl && end == 10)) return -1;
  const o1 = octetAt(v, l1), o2 = octetAt(v + d1 + 1, l2), o3 = octetAt(v + d2 + 1, l3), o4 = octetAt(v + d3 + 1, l4);
  if ((o1 | o2 | o3 | o4) > 255) return -1;
  return (<i64>(v + d4) << 32) | <i64>((o1 << 24) | (o2 << 16) | (o3 << 8) | o4);
}

/**
 * A port of 1–5 plain digits at v followed by a space, or by the newline too when `nl`: (its end) << 32 |
 * value, else -1. One 8-byte load (SWAR): the digits' length from a bit mask, their value with no branch on it.
 */
@inline function portSp(v: usize, nl: bool): i64 {
  const a = load<u64>(v) ^ 0x3030303030303030;
  const len = <u32>ctz(nonDigits64(a)) >> 3;
  if (len - 1 >= 5) return -1;
  const c = at(v + len);
  if (c != 32 && !(nl && c == 10)) return -1;
  const d = a << (<u64>(5 - len) << 3);
  const n = (d & 0xf) * 10000 + ((d >>> 8) & 0xf) * 1000 + ((d >>> 16) & 0xf) * 100 + ((d >>> 24) & 0xf) * 10 + ((d >>> 32) & 0xf);
  return (<i64>(v + len) << 32) | <i64>n;
}

/**
 * The two tuples of the usual entry from `src=` at i (see parseLine), into tSrc..tFlags: the address of
 * the byte after the last port (a space or the newline), or 0 when the line has any other shape.
 */
function tuplesFast(i: usize): usize {
  let q = addressPair(i);
  if (q == 0) return 0;
  tSrc = pairA;
  tDst = pairB;
  const p = portPair(q, false);
  if (p > 0) {
    q = p + 1;
    tOsp = pairS;
    tOdp = pairD;
  } else if (p < 0) {
    // no ports (ICMP's type= code= id=, GRE's srckey= dstkey=): up to four tokens the loop would skip
    tOsp = -1;
    tOdp = -1;
    q = skipTokens(q + 1);
    if (q == 0) return 0;
  } else {
    return 0;
  }
  let flags = 0;
  if (load<u64>(q) == W_UNREPLI) {
    if (load<u32>(q + 8) != W_ED__) return 0;
    flags = F_UNREPLIED;
    q += 12;
  }
  if (load<u32>(q) != W_SRC) return 0;
  q = addressPair(q);
  if (q == 0) return 0;
  tRsrc = pairA;
  tRdst = pairB;
  tFlags = flags;
  const r = portPair(q, true);
  if (r == 0) return 0;
  if (r < 0) {
    // a reply without ports: the loop reads what follows (its skipped tokens, the rest of the line)
    tRsp = -1;
    tRdp = -1;
    return q;
  }
  tRsp = pairS;
  tRdp = pairD;
  return <usize>r;
}

// What addressPair and portPair read.
let pairA: u32 = 0;
let pairB: u32 = 0;
let pairS: i32 = 0;
let pairD: i32 = 0;

/** `src=A dst=B` at i (`src=` checked by the caller), IPv4, one space between: the address of the space after B (A and B in pairA, pairB), or 0. */
@inline function addressPair(i: usize): usize {
  let r = quadSp(i + 4, false);
  if (r < 0) return 0;
  const q = <usize>(r >>> 32);
  pairA = <u32>r;
  if (load<u32>(q + 1) != W_DST) return 0;
  r = quadSp(q + 5, false);
  if (r < 0) return 0;
  pairB = <u32>r;
  return <usize>(r >>> 32);
}

/**
 * ` sport=N dport=M` at q (the space after a tuple's addresses): the address of the byte after M (a space, or
 * the newline too when `nl`; the ports in pairS, pairD), -1 when no ` sport=` follows, 0 for anything else.
 */
@inline function portPair(q: usize, nl: bool): isize {
  if (load<u32>(q + 1) != W_SPOR || load<u16>(q + 5) != W_T_EQ) return -1;
  let r = portSp(q + 7, false);
  if (r < 0) return 0;
  const e = <usize>(r >>> 32);
  pairS = <i32>r;
  if (load<u32>(e + 1) != W_DPOR || load<u16>(e + 5) != W_T_EQ) return 0;
  r = portSp(e + 7, nl);
  if (r < 0) return 0;
  pairD = <i32>r;
  return <isize>(r >>> 32);
}

/**
 * From q, tokens parseLine's loop would walk past without reading (not `src=`, `dst=`, `spor…`, `dpor…`,
 * `zone…` nor a `[` one; no control byte or `[` inside), each followed by one space, up to four: the
 * address of the `src=` or `[UNREPLIED]` after them, or 0 for anything else.
 */
function skipTokens(q: usize): usize {
  for (let n = 0; n < 5; n++) {
    const w = load<u32>(q);
    if (w == W_SRC || load<u64>(q) == W_UNREPLI) return n == 0 ? 0 : q;
    if (n == 4 || at(q) == 91 || w == W_DST || w == W_SPOR || w == W_DPOR || w == W_ZONE) return 0;
    for (;;) {
      const x = load<u64>(q);
      const t = x ^ 0x5b5b5b5b5b5b5b5b;
      const f = (((x - 0x2121212121212121) & ~x) | ((t - 0x0101010101010101) & ~t)) & 0x8080808080808080;
      if (f != 0) { q += <usize>(ctz(f) >> 3); break; }
      q += 8;
    }
    if (at(q) != 32 || at(q + 1) == 32) return 0;
    q++;
  }
  return 0;
}

// What tailFast read: F_ASSURED or 0 (in tFlags), and the address of a `zone=` token or 0.
let tZone: usize = 0;

/**
 * The usual rest of an entry after its tuples, from q (the space or newline after the last port):
 * ` [ASSURED]`, ` mark=<digits>`, ` zone=<digit>`, ` use=<digits>` and the newline, each optional but in
 * this order, tokens the loop in parseLine reads the same way (a flag, two it skips, a one-digit zone).
 * Returns where that loop goes on: the newline when the whole rest was read, else the next token it did
 * not take (after the spaces before it). tFlags gets F_ASSURED or 0, tZone the zone token's address or 0.
 */
function tailFast(q: usize): usize {
  tFlags = 0;
  tZone = 0;
  if (at(q) != 32) return q;
  if (load<u64>(q) == 0x4552555353415b20 && load<u16>(q + 8) == 0x5d44 && at(q + 10) == 32) {  // " [ASSURE" "D]"
    tFlags = F_ASSURED;
    q += 10;
  }
  if (load<u32>(q) == 0x72616d20 && load<u16>(q + 4) == 0x3d6b) {                             // " mar" "k="
    let d = q + 6;
    while (at(d) - 48 < 10) d++;
    if (d == q + 6 || at(d) != 32) return q + 1;
    q = d;
  }
  if (load<u32>(q) == 0x6e6f7a20 && load<u16>(q + 4) == 0x3d65 && at(q + 6) - 48 < 10 && at(q + 7) == 32) {  // " zon" "e="
    tZone = q + 1;
    q += 7;
  }
  if (load<u32>(q) == 0x65737520 && at(q + 4) == 61) {                                          // " use" "="
    let d = q + 5;
    while (at(d) - 48 < 10) d++;
    if (d != q + 5 && at(d) == 10) return d;
  }
  return at(q) == 32 ? skipSpaces(q) : q;
}

/**
 * One line at p (its newline somewhere after): the packed entry at e and true, or false when the line
 * is not one this tokenizer takes (the JavaScript parser reads it). `lineEnd` gets the newline's address.
 */
let lineEnd: usize = 0;

// The head of an entry line, as the two readers below leave it: protocol id, state id (-1 none), timeout
// (-1 none), 1 when a family word came first, and that word (0 none, 4 `ipv4`, 6 `ipv6`).
let hProto: i32 = 0;
let hState: i32 = -1;
let hTimeout: i32 = -1;
let hFamily: i32 = 0;
let hFamilyIs: i32 = 0;

// little-endian spellings of the usual head words
const W_IPV4 = 0x34767069;   // "ipv4"
const W_IPV6 = 0x36767069;   // "ipv6"
const W_TCP_ = 0x20706374;   // "tcp "
const W_UDP_ = 0x20706475;   // "udp "
const W_GRE_ = 0x20657267;   // "gre "
const W_ICMP = 0x706d6369;   // "icmp"

/**
 * The usual head, read word by word: `[ipv4|ipv6 <digits> ]<tcp|udp|icmp|icmpv6|gre> <digits>
 * [<timeout> ][<STATE> ]` with single spaces or runs of them, up to `src=`. Returns the address of that
 * `src=`, or 0 for any other shape — and then `headGeneral` reads the line, so this reader only has to
 * agree with it on the lines it takes (the differential tests and fuzz compare the two).
 */
function headFast(p: usize): usize {
  let q = p;
  let w = load<u32>(q);
  let familyIs = 0;
  if (w == W_IPV4 || w == W_IPV6) {
    if (at(q + 4) != 32) return 0;
    familyIs = w == W_IPV4 ? 4 : 6;
    q = skipSpaces(q + 5);
    const d = q;
    while (at(q) - 48 < 10) q++;
    if (q == d || at(q) != 32) return 0;
    q = skipSpaces(q + 1);
    w = load<u32>(q);
  }
  let proto: i32 = -1;
  if (w == W_TCP_) { proto = P_TCP; q += 4; }
  else if (w == W_UDP_) { proto = P_UDP; q += 4; }
  else if (w == W_ICMP) {
    if (at(q + 4) == 32) { proto = P_ICMP; q += 5; }
    else if ((load<u32>(q + 4) & 0xffffff) == 0x203676) { proto = P_ICMPV6; q += 7; }  // "v6 "
    else return 0;
  } else if (w == W_GRE_) { proto = P_GRE; q += 4; }
  else return 0;
  // the protocol's number
  q = skipSpaces(q);
  const d = q;
  while (at(q) - 48 < 10) q++;
  if (q == d || at(q) != 32) return 0;
  q = skipSpaces(q + 1);
  // the timeout: 1–9 digits
  let timeout: i32 = -1;
  if (at(q) - 48 < 10) {
    const t = q;
    let v: i32 = 0;
    while (at(q) - 48 < 10) { v = v * 10 + <i32>(at(q) - 48); q++; }
    if (q - t > 9 || at(q) != 32) return 0;
    timeout = v;
    q = skipSpaces(q + 1);
  }
  // the state, by whole words (its trailing space included)
  let state: i32 = -1;
  if (load<u32>(q) != W_SRC) {
    const w8 = load<u64>(q);
    if (w8 == 0x53494c4241545345) {                                  // "ESTABLIS"
      if (load<u32>(q + 8) != 0x20444548) return 0;                  // "HED "
      state = S_ESTABLISHED; q += 12;
    } else if (w8 == 0x4941575f454d4954) {                           // "TIME_WAI"
      if (load<u16>(q + 8) != 0x2054) return 0;                      // "T "
      state = 0; q += 10;
    } else if (w8 == 0x544e45535f4e5953) {                           // "SYN_SENT"
      const c = at(q + 8);
      if (c == 32) { state = 2; q += 9; }
      else if (c == 50 && at(q + 9) == 32) { state = 8; q += 10; }  // "SYN_SENT2"
      else return 0;
    } else if (w8 == 0x564345525f4e5953) {                           // "SYN_RECV"
      if (at(q + 8) != 32) return 0;
      state = 3; q += 9;
    } else if (w8 == 0x544941575f4e4946) {                           // "FIN_WAIT"
      if (at(q + 8) != 32) return 0;
      state = 4; q += 9;
    } else if (w8 == 0x4b43415f5453414c) {                           // "LAST_ACK"
      if (at(q + 8) != 32) return 0;
      state = 6; q += 9;
    } else if (w8 == 0x41575f45534f4c43) {                           // "CLOSE_WA"
      if ((load<u32>(q + 8) & 0xffffff) != 0x205449) return 0;         // "IT "
      state = 5; q += 11;
    } else if (<u32>w8 == 0x534f4c43) {                              // "CLOS"
      if (load<u16>(q + 4) != 0x2045) return 0;                      // "E "
      state = 7; q += 6;
    } else if (<u32>w8 == 0x454e4f4e) {                              // "NONE"
      if (at(q + 4) != 32) return 0;
      state = 9; q += 5;
    } else if (<u32>w8 == 0x5453494c) {                              // "LIST"
      if ((load<u32>(q + 4) & 0xffffff) != 0x204e45) return 0;         // "EN "
      state = 10; q += 7;
    } else {
      return 0;
    }
    q = skipSpaces(q);
    if (load<u32>(q) != W_SRC) return 0;
  }
  hProto = proto;
  hState = state;
  hTimeout = timeout;
  hFamily = familyIs != 0 ? 1 : 0;
  hFamilyIs = familyIs;
  return q;
}

/** The head of any line the tokenizer may take (the general reader): as headFast, or 0. */
function headGeneral(p: usize): usize {
  // column 0: a lower-case name that is not `conntrack ...`
  const c0 = at(p);
  if (c0 - 97 >= 26 || c0 == 99) return 0;
  let t1 = p;
  let t1e = tokenEnd(t1);
  if (t1e == <usize>-1 || !isName(t1, t1e)) return 0;
  let j = skipSpaces(t1e);
  let je = tokenEnd(j);
  if (je == <usize>-1 || !digitsOnly(j, je)) return 0;
  let family = false;
  let familyIs = 0;
  let proto = protocolOf(t1, t1e);
  let i = skipSpaces(je);
  let ie = tokenEnd(i);
  if (ie == <usize>-1) return 0;
  if (isName(i, ie)) {
    const j2 = skipSpaces(ie);
    const j2e = tokenEnd(j2);
    if (j2e == <usize>-1) return 0;
    if (digitsOnly(j2, j2e)) {
      // `ipv4 2 tcp 6 ...`: the first name is the family
      if (t1e - t1 != 4) return 0;
      const fw = load<u32>(t1);
      if (fw == 0x34767069) familyIs = 4;       // "ipv4"
      else if (fw == 0x36767069) familyIs = 6;  // "ipv6"
      else return 0;
      family = true;
      proto = protocolOf(i, ie);
      i = skipSpaces(j2e);
      ie = tokenEnd(i);
      if (ie == <usize>-1) return 0;
    }
  }
  if (proto < 0) return 0;
  let timeout: i32 = -1;
  if (digitsOnly(i, ie)) {
    if (ie - i > 9) return 0;
    let v: i32 = 0;
    for (let q = i; q < ie; q++) v = v * 10 + <i32>(at(q) - 48);
    timeout = v;
    i = skipSpaces(ie);
    ie = tokenEnd(i);
    if (ie == <usize>-1) return 0;
  }
  let state: i32 = -1;
  if (i < ie && at(i) != 91) {
    let hasEq = false;
    for (let q = i; q < ie; q++) if (at(q) == 61) { hasEq = true; break; }
    if (!hasEq) {
      state = stateOf(i, ie);
      if (state < 0) return 0;
      i = skipSpaces(ie);
    }
  }

  hProto = proto;
  hState = state;
  hTimeout = timeout;
  hFamily = family ? 1 : 0;
  hFamilyIs = familyIs;
  return i;
}

function parseLine(p: usize, e: usize): bool {
  let i = headFast(p);
  if (i == 0) {
    i = headGeneral(p);
    if (i == 0) return false;
  }
  const proto = hProto;
  const state = hState;
  const timeout = hTimeout;
  const family = hFamily != 0;
  const familyIs = hFamilyIs;

  // seqScan: one pass over the tokens from i, which must be `src=`
  if (!isAt4(i, W_SRC)) return false;
  let nsrc = 0;
  let haveFo = false;
  let haveRd = false;
  let osp: i32 = -1;
  let odp: i32 = -1;
  let rsp: i32 = -1;
  let rdp: i32 = -1;
  let flags: i32 = 0;
  let za: usize = 0;
  let haveZa = false;
  let haveZo = false;
  let src: i64 = 0;
  let dst: i64 = 0;
  let rsrc: i64 = 0;
  let rdst: i64 = 0;
  v6Seen = 0;
  let k = i;
  // The usual two tuples, `src=A dst=B sport=N dport=N [[UNREPLIED] ]src=C dst=D sport=N dport=N`, with
  // IPv4 addresses and single spaces, in one straight pass; the loop below then reads the rest of the line
  // from the state it would have reached itself. Any other shape: the loop reads the line from `src=`.
  const fast = tuplesFast(i);
  if (fast != 0) {
    nsrc = 2;
    haveFo = true;
    haveRd = true;
    src = <i64>tSrc;
    dst = <i64>tDst;
    rsrc = <i64>tRsrc;
    rdst = <i64>tRdst;
    osp = tOsp;
    odp = tOdp;
    rsp = tRsp;
    rdp = tRdp;
    flags = tFlags;
    k = tailFast(fast);
    flags |= tFlags;
    if (tZone != 0) { haveZa = true; za = tZone; }
  }
  for (;;) {
    const c = at(k);
    if (c == 10) break;
    let end: usize = 0;
    let read = false;
    if (c == 115) {  // s
      if (isAt4(k, W_SRC)) {
        if (nsrc < 2) {
          const v = addrAt(k + 4);
          if (v < 0) return false;
          if (nsrc == 0) src = v; else rsrc = v;
          end = valEnd;
          read = true;
        }
        nsrc++;
      } else if (isAt4(k, W_SPOR) && at(k + 4) == 116 && at(k + 5) == 61) {  // sport=
        if (nsrc == 1 ? osp == -1 : rsp == -1) {
          const pv = portAt(k + 6);
          if (pv < 0) return false;
          if (nsrc == 1) osp = pv; else rsp = pv;
          end = valEnd;
          read = true;
        }
      }
    } else if (c == 100) {  // d
      if (isAt4(k, W_DST)) {
        if (nsrc == 1 ? !haveFo : !haveRd) {
          const v = addrAt(k + 4);
          if (v < 0) return false;
          if (nsrc == 1) { dst = v; haveFo = true; } else { rdst = v; haveRd = true; }
          end = valEnd;
          read = true;
        }
      } else if (isAt4(k, W_DPOR) && at(k + 4) == 116 && at(k + 5) == 61) {  // dport=
        if (nsrc == 1 ? odp == -1 : rdp == -1) {
          const pv = portAt(k + 6);
          if (pv < 0) return false;
          if (nsrc == 1) odp = pv; else rdp = pv;
          end = valEnd;
          read = true;
        }
      }
    } else if (c == 122) {  // z
      if (isAt4(k, W_ZONE)) {
        const c4 = at(k + 4);
        if (c4 == 61) {
          if (!haveZa) { haveZa = true; za = k; }
        } else if (c4 == 45) {
          // zone-orig= (or any zone-...): the JavaScript parser reads such lines
          haveZo = true;
        }
      }
    } else if (c == 91) {  // [
      const c1 = at(k + 1);
      if (c1 == 65) { if (wordAt(k, '[ASSURED]')) flags |= F_ASSURED; }
      else if (c1 == 85) { if (wordAt(k, '[UNREPLIED]')) flags |= F_UNREPLIED; }
      else if (c1 == 79) { if (wordAt(k, '[OFFLOAD]')) flags |= F_OFFLOAD; }
      else if (c1 == 72) { if (wordAt(k, '[HW_OFFLOAD]')) flags |= F_OFFLOAD; }
      k++;
    }
    if (!read) {
      // to the token's end eight bytes a step: the first byte below `!` or a `[` (SWAR: exact for the first
      // one, since a borrow only follows a flagged byte); a space or the newline ends the token, any other
      // such byte (a control byte, a second `[`) refuses the line
      for (;;) {
        const x = load<u64>(k);
        const t = x ^ 0x5b5b5b5b5b5b5b5b;
        const f = (((x - 0x2121212121212121) & ~x) | ((t - 0x0101010101010101) & ~t)) & 0x8080808080808080;
        if (f != 0) { k += <usize>(ctz(f) >> 3); break; }
        k += 8;
      }
      const d = at(k);
      if (d != 32 && d != 10) return false;
    } else {
      k = end;
    }
    while (at(k) == 32) k++;
  }
  lineEnd = k;
  // a line ending in a blank goes to the JavaScript parser (as parseLineBytes sends it back)
  if (at(k - 1) == 32) return false;
  if (nsrc < 2 || !haveFo || !haveRd) return false;
  // four IPv4 addresses (family none or ipv4), or four IPv6 ones (none or ipv6): mixed entries go to JavaScript
  const v6 = v6Seen == 4;
  if (v6 ? familyIs == 4 : v6Seen != 0 || familyIs == 6) return false;
  if (osp > 65535 || odp > 65535 || rsp > 65535 || rdp > 65535) return false;
  let zone: i32 = -1;
  if (haveZa) {
    const d = at(za + 5);
    const after = at(za + 6);
    if (d - 48 >= 10 || !(after == 32 || after == 10)) return false;
    zone = <i32>(d - 48);
  } else if (haveZo) {
    return false;
  }
  store<i32>(e, <i32>(p - inPtr), E_START * 4);
  store<i32>(e, <i32>(k - inPtr), E_END * 4);
  store<i32>(e, proto, E_PROTO * 4);
  store<i32>(e, state, E_STATE * 4);
  store<i32>(e, timeout, E_TIMEOUT * 4);
  store<i32>(e, <i32>src, E_SRC * 4);
  store<i32>(e, <i32>dst, E_DST * 4);
  store<i32>(e, <i32>rsrc, E_RSRC * 4);
  store<i32>(e, <i32>rdst, E_RDST * 4);
  store<i32>(e, osp, E_OSP * 4);
  store<i32>(e, odp, E_ODP * 4);
  store<i32>(e, rsp, E_RSP * 4);
  store<i32>(e, rdp, E_RDP * 4);
  store<i32>(e, flags, E_FLAGS * 4);
  store<i32>(e, zone, E_ZONE * 4);
  store<i32>(e, (family ? 1 : 0) | (v6 ? 2 : 0), E_FAMILY * 4);
  return true;
}

/** Does the word w start at p? */
@inline function wordAt(p: usize, w: string): bool {
  const n = w.length;
  for (let k = 0; k < n; k++) if (at(p + k) != <u32>w.charCodeAt(k)) return false;
  return true;
}

/**
 * Entries from the input area: lines from byte `from` up to `to` (the input holds a newline at or
 * before `to - 1` for every line taken; bytes up to `to + 64` are readable), at most `max` entries
 * (at most the output area). Stops at the first line it does not take, a line longer than `maxLine`
 * bytes, or a line not ended by a newline before `to`. Returns the entries written; nextOffset()
 * is where the next line starts, extendedLines() how many of them started with a family.
 */
export function scanLines(from: i32, to: i32, max: i32, maxLine: i32): i32 {
  const limit = inPtr + <usize>to;
  let p = inPtr + <usize>from;
  let n = 0;
  let ext = 0;
  if (max > outCap) max = outCap;
  // a sentinel newline at `to` stops every scan at the area's end
  const saved = load<u8>(limit);
  store<u8>(limit, 10);
  while (n < max && p < limit) {
    const e = outPtr + <usize>n * ENTRY_BYTES;
    let next: usize = 0;
    if (parseLine(p, e)) {
      next = lineEnd + 1;
    } else {
      // a line ended by CR LF (the splitter strips the CR): read again with the CR as its newline, in this
      // copy of the block only (restored at once); the entry's text ends before the CR, as the line's does
      let nl = p;
      while (at(nl) != 10) nl++;
      if (nl >= limit || nl == p || at(nl - 1) != 13) break;
      store<u8>(nl - 1, 10);
      const ok = parseLine(p, e);
      store<u8>(nl - 1, 13);
      if (!ok || lineEnd != nl - 1) break;
      next = nl + 1;
    }
    const end = lineEnd;
    if (end >= limit || <i32>(end - p) > maxLine) break;
    ext += load<i32>(e, E_FAMILY * 4) & 1;
    n++;
    p = next;
  }
  store<u8>(limit, saved);
  scanNext = <i32>(p - inPtr);
  scanExtended = ext;
  return n;
}

// ------------------------------------------------------------------ 2. tallies

// control words (i32) at the address initTallies returns, read and written by src/analysis/wasm-tally.ts and table.ts
const C_ENTRIES = 0;
const C_ASSURED = 1;
const C_UNREPLIED = 2;
const C_OFFLOAD = 3;
const C_EARLY = 4;
const C_NAT = 5;
const C_EVENT = 6;        // event bits of the entry countRun stopped at
const C_SC = 7;           // the source's count at that entry
const C_HAS_LEADER = 8;
const C_LEADER_SRC = 9;
const C_LEADER_COUNT = 10;
const C_LEADER_STALE = 11;
const C_ASKED_FIRST = 12;
const C_ASKED_UNREPLIED = 13;
const C_ASKED_ESTDAY = 14;
const C_EVICTED = 15;     // string slots evicted since JavaScript last read them
const C_ORDER_N = 16;     // ids first counted since the last flush
const C_REMOTE = 17;      // 1: countRun leaves the destination, port and pair tallies to the tally thread
const C_V6 = 18;          // entries with IPv6 addresses since the last flush
const C_LEADER_V6 = 19;   // 1: the leader's key (C_LEADER_SRC) is a capture text id of an IPv6 source
const C_ASKED_STATE = 20; // .. 30: one word per TCP state
const C_PROTO = 32;       // .. 36: counts per protocol since the last flush
const C_STATE = 40;       // .. 50: per TCP state
const C_ZONE = 56;        // .. 65: per one-digit zone (no zone counts as 0)
const C_TKEY = 72;        // .. 88: touched timeout keys (1 once counted)
const C_ORDER = 96;       // .. 96 + 63: (kind << 8 | id) in first-count order since the last flush
const CTRL_WORDS = 160;

export const EV_FIRST: i32 = 1;
export const EV_STATE: i32 = 2;
export const EV_UNREPLIED: i32 = 4;
export const EV_ESTDAY: i32 = 8;
export const EV_LEADER: i32 = 16;
export const EV_V6: i32 = 32;

const K_PROTO = 0;
const K_STATE = 1;
const K_ZONE = 2;
const K_TKEY = 3;

let ctrl: usize = 0;
let evictLog: usize = 0;
const EVICT_CAP = 1 << 16;

// tally fields (i32 words at the tally's base)
const T_CAP = 0;
const T_SLOTS = 1;      // slots handed out (the JS tally's keys.length)
const T_NUM = 2;        // numeric keys held
const T_STR = 3;        // string keys held (JavaScript keeps their text)
const T_TOTAL = 4;      // adds counted
const T_BUCKETS = 5;
const T_HEAP = 6;       // 1 once the tally is a sketch
const T_SLOT = 8;       // address of the slot records
const T_BUCKETS_AT = 9; // address of the count buckets (sketch only; BUCKET_BYTES each, cap + 1 of them)
const T_INDEX = 10;     // address of the index
const T_MIN = 12;       // the bucket of the smallest count (sketch only)
const T_FREE = 13;      // a free bucket (its B_NEXT the next free one), -1 for none
const T_FRESH = 14;     // buckets never used start here
const TALLY_WORDS = 16;

// A slot record (32 bytes, one cache line holds two): everything the sketch touches about a slot in one
// place, instead of the five typed arrays of heavy-hitters.ts (same values, same order of operations).
const S_COUNT = 0;      // u32
const S_ERR = 4;        // u32: the over-count bound (sketch only)
const S_PREV = 8;       // i32: the slot before this one in its bucket, -1 for none (sketch only)
const S_ISNUM = 12;     // i32: bit 0 set when the slot holds a numeric key; bits 1.. its bucket (sketch only)
const S_A = 16;
const S_B = 20;
const S_C = 24;
const S_NEXT = 28;      // i32: the slot after this one in its bucket, -1 for none (sketch only)
const SLOT_BYTES = 32;
// A count bucket (heavy-hitters.ts, sketch mode): the slots holding one count, in the order they reached it
const B_COUNT = 0;      // u32
const B_HEAD = 4;       // first slot (the next to be evicted, in the smallest bucket)
const B_TAIL = 8;       // last slot
const B_PREV = 12;      // the bucket of the next smaller count, -1 for none
const B_NEXT = 16;      // the bucket of the next larger count, -1 for none
const BUCKET_BYTES = 20;
const M_COUNT_RUN = 16;

let tallies: usize = 0;
const TALLY_N = 4;
const TL_SRC = 0;
const TL_DST = 1;
const TL_PORT = 2;
const TL_PAIR = 3;

// histograms: per timeout key, BINS u32 bins and (count, max, used) in hmeta
const BINS = 131072;
let hbins: usize = 0;
/**
 * IPv6 keys by number (round 16; used with C_REMOTE): the tokenizer's id of an address (per input) → the
 * capture's id of its TEXT, -1 until JavaScript sets it (countRun stops at an entry with an unset id, EV_V6).
 * A source is then the numeric key (text id, V6_KEY, 0), as the tally thread counts IPv6 destinations and
 * pairs; JavaScript gives a record-path source text the same id, so a key has one form whichever path counts it.
 */
let v6map: usize = 0;
const V6_KEY: i32 = 1 << 30;
/** With C_REMOTE: countRun writes each entry's (source, destination, pair tail) here, for the tally thread's ring. */
let triples: usize = 0;
const RUN_MAX = 4096;   // entries in a run at most (src/util/capture-wasm.ts RUN_ENTRIES)
let hmeta: usize = 0;

const DAY = 86400;
const NO_PORT = 65536;

@inline function cw(i: i32): i32 { return load<i32>(ctrl + (<usize>i << 2)); }
@inline function cset(i: i32, v: i32): void { store<i32>(ctrl + (<usize>i << 2), v); }
@inline function tf(t: usize, f: i32): i32 { return load<i32>(t + (<usize>f << 2)); }
@inline function tset(t: usize, f: i32, v: i32): void { store<i32>(t + (<usize>f << 2), v); }
@inline function slotOf(t: usize, s: i32): usize { return <usize>tf(t, T_SLOT) + <usize>s * SLOT_BYTES; }
@inline function bucketAt(t: usize, b: i32): usize { return <usize>tf(t, T_BUCKETS_AT) + <usize>b * BUCKET_BYTES; }

/**
 * Make the tallies (each exact up to `cap` keys) whose bits are set in `mask` (bit t: tally t; bit 4,
 * M_COUNT_RUN: what countRun needs besides tally 0, the timeout histograms); returns the control area's
 * address. The main thread's instance leaves out the tally thread's three tallies, the thread's instance the
 * source tally and the histograms (round 17): V8 counts a module's memory as external memory, and ~76 MB of
 * it, mostly never touched, made it run a full garbage collection on each thread (~10 ms on the main one).
 * A tally left out has no memory: anything that counts into it traps (`addNum`, `newSlot`, `countRun`).
 */
export function initTallies(cap: i32, mask: i32): usize {
  ctrl = alloc(CTRL_WORDS * 4);
  evictLog = alloc(EVICT_CAP * 8);
  tallies = alloc(TALLY_N * TALLY_WORDS * 4);
  let maxBuckets = 2048;
  while (maxBuckets < 2 * cap) maxBuckets <<= 1;
  for (let t = 0; t < TALLY_N; t++) {
    const b = tallyAt(t);
    if ((mask & (1 << t)) == 0) continue;
    tset(b, T_CAP, cap);
    tset(b, T_BUCKETS, 2048);
    tset(b, T_SLOT, <i32>alloc(<usize>cap * SLOT_BYTES));
    tset(b, T_BUCKETS_AT, <i32>alloc(<usize>(cap + 1) * BUCKET_BYTES));
    tset(b, T_INDEX, <i32>alloc(<usize>maxBuckets * 8));
  }
  if ((mask & M_COUNT_RUN) != 0) {
    hbins = alloc(<usize>TKEYS * BINS * 4);
    hmeta = alloc(<usize>TKEYS * 16);
  }
  v6map = alloc(<usize>V6_MAX * 4);
  memory.fill(v6map, 0xff, <usize>V6_MAX * 4);
  triples = alloc(<usize>RUN_MAX * 12);
  // here, not at the first build: memory must not grow once JavaScript took its views (pages never touched cost nothing)
  sortScratch = alloc((<usize>cap * 2 + 65536) << 2);
  return ctrl;
}

export function tallyAt(t: i32): usize { return tallies + <usize>t * TALLY_WORDS * 4; }
export function evictArea(): usize { return evictLog; }
export function v6MapArea(): usize { return v6map; }
export function tripleArea(): usize { return triples; }
export function histBins(k: i32): usize { return hbins + <usize>k * BINS * 4; }
export function histMeta(k: i32): usize { return hmeta + <usize>k * 16; }

@inline function hash3(a: u32, b: u32, c: u32): u32 {
  let h = (a ^ 0x9e3779b9) * 0x85ebca6b;
  h ^= h >>> 15;
  h = (h ^ b) * 0xc2b2ae35;
  h ^= h >>> 13;
  h = (h ^ c) * 0x27d4eb2f;
  h ^= h >>> 16;
  return h;
}

// The index of numeric keys (round 16): 8 bytes a bucket, the slot id + 1 (0 empty) and the key's hash;
// a probe compares hashes, and only a hash that matches reads the slot record's key (which a hit reads
// anyway for its count). Half the size of a bucket holding the key itself (4 MiB for 200,000 keys), and a
// deletion's backward shift reads the stored hashes instead of hashing each key again.

function findNum(t: usize, a: i32, b: i32, c: i32, h: u32): i32 {
  const index = <usize>tf(t, T_INDEX);
  const mask = <u32>tf(t, T_BUCKETS) - 1;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const q = index + (<usize>i << 3);
    const e = load<i32>(q);
    if (e == 0) return -1;
    if (load<u32>(q, 4) == h) {
      const sq = slotOf(t, e - 1);
      if (load<i32>(sq, S_A) == a && load<i32>(sq, S_B) == b && load<i32>(sq, S_C) == c) return e - 1;
    }
  }
  return unreachable();
}

function place(index: usize, mask: u32, h: u32, slot: i32): void {
  let i = h & mask;
  while (load<i32>(index + (<usize>i << 3)) != 0) i = (i + 1) & mask;
  const q = index + (<usize>i << 3);
  store<i32>(q, slot + 1);
  store<u32>(q, h, 4);
}

function rehash(t: usize, buckets: i32): void {
  const index = <usize>tf(t, T_INDEX);
  memory.fill(index, 0, <usize>buckets * 8);
  const mask = <u32>buckets - 1;
  const slots = tf(t, T_SLOTS);
  for (let s = 0; s < slots; s++) {
    const q = slotOf(t, s);
    if ((load<i32>(q, S_ISNUM) & 1) == 0) continue;
    place(index, mask, hash3(load<i32>(q, S_A), load<i32>(q, S_B), load<i32>(q, S_C)), s);
  }
  tset(t, T_BUCKETS, buckets);
}

function deleteNum(t: usize, s: i32): void {
  const index = <usize>tf(t, T_INDEX);
  const mask = <u32>tf(t, T_BUCKETS) - 1;
  const sq = slotOf(t, s);
  let i = hash3(load<i32>(sq, S_A), load<i32>(sq, S_B), load<i32>(sq, S_C)) & mask;
  while (load<i32>(index + (<usize>i << 3)) != s + 1) i = (i + 1) & mask;
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const q = index + (<usize>j << 3);
    const e = load<i32>(q);
    if (e == 0) break;
    const hj = load<u32>(q, 4);
    const k = hj & mask;
    const stays = i <= j ? k > i && k <= j : k > i || k <= j;
    if (!stays) {
      const to = index + (<usize>i << 3);
      store<i32>(to, e);
      store<u32>(to, hj, 4);
      i = j;
    }
  }
  store<i32>(index + (<usize>i << 3), 0);
  tset(t, T_NUM, tf(t, T_NUM) - 1);
}

// Sketch mode (heavy-hitters.ts, round 17): a Stream-Summary. The slots are kept in buckets of equal
// count, the buckets in ascending count order (a list from T_MIN), each bucket's slots in the order they
// reached its count. A new key takes the FIRST slot of the smallest bucket; a slot counted once more
// moves to the END of the next count's bucket. O(1) an add, where the min-heap's sift walked ~17 levels.

/** A bucket of count c after bucket `after` (-1: as the smallest). */
function newBucket(t: usize, after: i32, c: u32): i32 {
  let b = tf(t, T_FREE);
  if (b >= 0) {
    tset(t, T_FREE, load<i32>(bucketAt(t, b), B_NEXT));
  } else {
    b = tf(t, T_FRESH);
    tset(t, T_FRESH, b + 1);
  }
  const q = bucketAt(t, b);
  store<u32>(q, c, B_COUNT);
  store<i32>(q, -1, B_HEAD);
  store<i32>(q, -1, B_TAIL);
  const next = after < 0 ? tf(t, T_MIN) : load<i32>(bucketAt(t, after), B_NEXT);
  store<i32>(q, after, B_PREV);
  store<i32>(q, next, B_NEXT);
  if (after < 0) tset(t, T_MIN, b);
  else store<i32>(bucketAt(t, after), b, B_NEXT);
  if (next >= 0) store<i32>(bucketAt(t, next), b, B_PREV);
  return b;
}

/** Put slot s (record at sq) at the end of bucket b. */
@inline function append(t: usize, b: i32, s: i32, sq: usize): void {
  const q = bucketAt(t, b);
  const last = load<i32>(q, B_TAIL);
  store<i32>(sq, last, S_PREV);
  store<i32>(sq, -1, S_NEXT);
  if (last < 0) store<i32>(q, s, B_HEAD);
  else store<i32>(slotOf(t, last), s, S_NEXT);
  store<i32>(q, s, B_TAIL);
  store<i32>(sq, (b << 1) | (load<i32>(sq, S_ISNUM) & 1), S_ISNUM);
}

/** Take slot s (record at sq) out of its bucket b, and drop b when it is left empty. */
@inline function unlink(t: usize, b: i32, sq: usize): void {
  const q = bucketAt(t, b);
  const p = load<i32>(sq, S_PREV);
  const n = load<i32>(sq, S_NEXT);
  if (p < 0) store<i32>(q, n, B_HEAD);
  else store<i32>(slotOf(t, p), n, S_NEXT);
  if (n < 0) store<i32>(q, p, B_TAIL);
  else store<i32>(slotOf(t, n), p, S_PREV);
  if (load<i32>(q, B_HEAD) < 0) {
    const bp = load<i32>(q, B_PREV);
    const bn = load<i32>(q, B_NEXT);
    if (bp < 0) tset(t, T_MIN, bn);
    else store<i32>(bucketAt(t, bp), bn, B_NEXT);
    if (bn >= 0) store<i32>(bucketAt(t, bn), bp, B_PREV);
    store<i32>(q, tf(t, T_FREE), B_NEXT);
    tset(t, T_FREE, b);
  }
}

/** Slot s (record at sq), whose count just became c, moves from its bucket to the end of count c's. */
function raise(t: usize, s: i32, sq: usize, c: u32): void {
  const b = load<i32>(sq, S_ISNUM) >> 1;
  const q = bucketAt(t, b);
  const next = load<i32>(q, B_NEXT);
  if (next >= 0 && load<u32>(bucketAt(t, next), B_COUNT) == c) {
    unlink(t, b, sq);
    append(t, next, s, sq);
  } else if (load<i32>(q, B_HEAD) == s && load<i32>(q, B_TAIL) == s) {
    store<u32>(q, c, B_COUNT); // alone in its bucket: the bucket takes the new count in place
  } else {
    const nb = newBucket(t, b, c);
    unlink(t, b, sq);
    append(t, nb, s, sq);
  }
}

/** Start the sketch: every slot into its count's bucket, slot ids ascending within a bucket. */
function buildBuckets(t: usize): void {
  const size = tf(t, T_SLOTS);
  tset(t, T_MIN, -1);
  tset(t, T_FREE, -1);
  tset(t, T_FRESH, 0);
  // slot ids sorted by count, stably (an LSD radix sort of two 16-bit digits, in scratch memory
  // reused by every tally's build)
  const ids = sortScratch;
  const tmp = ids + (<usize>size << 2);
  const hist = tmp + (<usize>size << 2);
  for (let s = 0; s < size; s++) store<i32>(ids + (<usize>s << 2), s);
  for (let shift: u32 = 0; shift < 32; shift += 16) {
    memory.fill(hist, 0, 65536 * 4);
    for (let i = 0; i < size; i++) {
      const d = (load<u32>(slotOf(t, i), S_COUNT) >>> shift) & 0xffff;
      const hq = hist + (<usize>d << 2);
      store<u32>(hq, load<u32>(hq) + 1);
    }
    let sum: u32 = 0;
    for (let d = 0; d < 65536; d++) {
      const hq = hist + (<usize>d << 2);
      const k = load<u32>(hq);
      store<u32>(hq, sum);
      sum += k;
    }
    for (let i = 0; i < size; i++) {
      const s = load<i32>(ids + (<usize>i << 2));
      const d = (load<u32>(slotOf(t, s), S_COUNT) >>> shift) & 0xffff;
      const hq = hist + (<usize>d << 2);
      const at = load<u32>(hq);
      store<u32>(hq, at + 1);
      store<i32>(tmp + (<usize>at << 2), s);
    }
    memory.copy(ids, tmp, <usize>size << 2);
  }
  let b = -1;
  for (let i = 0; i < size; i++) {
    const s = load<i32>(ids + (<usize>i << 2));
    const sq = slotOf(t, s);
    const c = load<u32>(sq, S_COUNT);
    if (b < 0 || load<u32>(bucketAt(t, b), B_COUNT) != c) b = newBucket(t, b, c);
    append(t, b, s, sq);
  }
  tset(t, T_HEAP, 1);
}

/** Scratch memory for buildBuckets: two arrays of `cap` i32 and a 65,536-word histogram (initTallies). */
let sortScratch: usize = 0;

/** An existing slot counted once more; its count. */
export function tallyHit(tn: i32, id: i32): u32 {
  const t = tallyAt(tn);
  if (tf(t, T_CAP) == 0) unreachable(); // a tally initTallies left out
  tset(t, T_TOTAL, tf(t, T_TOTAL) + 1);
  return hit(t, id);
}

function hit(t: usize, id: i32): u32 {
  const q = slotOf(t, id);
  const c = load<u32>(q, S_COUNT) + 1;
  store<u32>(q, c, S_COUNT);
  if (tf(t, T_HEAP) != 0) raise(t, id, q, c);
  return c;
}

/** The slot for a key new to tally t, its count set (heavy-hitters.ts newSlot); logs an evicted string slot. */
function newSlot(t: usize, tn: i32): i32 {
  if (tf(t, T_CAP) == 0) unreachable(); // a tally initTallies left out
  if (tf(t, T_HEAP) == 0 && tf(t, T_NUM) + tf(t, T_STR) < tf(t, T_CAP)) {
    const nid = tf(t, T_SLOTS);
    tset(t, T_SLOTS, nid + 1);
    store<u32>(slotOf(t, nid), 1, S_COUNT);
    return nid;
  }
  if (tf(t, T_HEAP) == 0) buildBuckets(t);
  const min = load<i32>(bucketAt(t, tf(t, T_MIN)), B_HEAD);
  const q = slotOf(t, min);
  if ((load<i32>(q, S_ISNUM) & 1) != 0) {
    deleteNum(t, min);
    store<i32>(q, load<i32>(q, S_ISNUM) & ~1, S_ISNUM);
  } else {
    // a string key: JavaScript holds it (src/analysis/wasm-tally.ts drops it from its map)
    const n = cw(C_EVICTED);
    if (n >= EVICT_CAP) unreachable();
    store<i32>(evictLog + (<usize>n << 3), tn);
    store<i32>(evictLog + (<usize>n << 3), min, 4);
    cset(C_EVICTED, n + 1);
    tset(t, T_STR, tf(t, T_STR) - 1);
  }
  const old = load<u32>(q, S_COUNT);
  const count = old + 1;
  store<u32>(q, old, S_ERR);
  store<u32>(q, count, S_COUNT);
  raise(t, min, q, count);
  return min;
}

/** A slot for a string key new to tally tn (JavaScript keeps the key); its id. */
export function tallyNewString(tn: i32): i32 {
  const t = tallyAt(tn);
  tset(t, T_TOTAL, tf(t, T_TOTAL) + 1);
  const slot = newSlot(t, tn);
  const q = slotOf(t, slot);
  store<i32>(q, load<i32>(q, S_ISNUM) & ~1, S_ISNUM);
  tset(t, T_STR, tf(t, T_STR) + 1);
  return slot;
}

/** Count numeric key (a, b, c) in tally tn; its count. */
export function tallyAddNum(tn: i32, a: i32, b: i32, c: i32): u32 {
  return addNum(tallyAt(tn), tn, a, b, c);
}

function addNum(t: usize, tn: i32, a: i32, b: i32, c: i32): u32 {
  if (tf(t, T_CAP) == 0) unreachable(); // a tally initTallies left out
  tset(t, T_TOTAL, tf(t, T_TOTAL) + 1);
  const h = hash3(a, b, c);
  const found = findNum(t, a, b, c, h);
  if (found >= 0) return hit(t, found);
  const slot = newSlot(t, tn);
  const q = slotOf(t, slot);
  store<i32>(q, load<i32>(q, S_ISNUM) | 1, S_ISNUM);
  store<i32>(q, a, S_A);
  store<i32>(q, b, S_B);
  store<i32>(q, c, S_C);
  const num = tf(t, T_NUM) + 1;
  tset(t, T_NUM, num);
  if (num * 2 > tf(t, T_BUCKETS)) rehash(t, tf(t, T_BUCKETS) * 2);
  else place(<usize>tf(t, T_INDEX), <u32>tf(t, T_BUCKETS) - 1, h, slot);
  return load<u32>(q, S_COUNT);
}

/**
 * The slots of tally tn whose count is at least its upTo-th largest count (all of them when it holds at most
 * upTo), in slot order, written as i32 to `out` (room for `cap` words, upTo ≤ cap; WasmTally.snapshot, at the
 * end of a capture, lends the run area): how many, or -1 when more than `cap` (the caller then picks them).
 */
export function keptSlots(tn: i32, upTo: i32, out: usize, cap: i32): i32 {
  const t = tallyAt(tn);
  const n = tf(t, T_SLOTS);
  let threshold: u32 = 0;
  if (n > upTo) {
    // the upTo largest counts in a min-heap: its root is the upTo-th largest
    for (let s = 0; s < n; s++) {
      const c = load<u32>(slotOf(t, s), S_COUNT);
      if (s < upTo) {
        let i = s;
        while (i > 0) {
          const p = (i - 1) >> 1;
          const pc = load<u32>(out + (<usize>p << 2));
          if (pc <= c) break;
          store<u32>(out + (<usize>i << 2), pc);
          i = p;
        }
        store<u32>(out + (<usize>i << 2), c);
      } else if (c > load<u32>(out)) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= upTo) break;
          let m = l;
          if (l + 1 < upTo && load<u32>(out + (<usize>(l + 1) << 2)) < load<u32>(out + (<usize>l << 2))) m = l + 1;
          const mc = load<u32>(out + (<usize>m << 2));
          if (mc >= c) break;
          store<u32>(out + (<usize>i << 2), mc);
          i = m;
        }
        store<u32>(out + (<usize>i << 2), c);
      }
    }
    threshold = load<u32>(out);
  }
  let k = 0;
  for (let s = 0; s < n; s++) {
    if (load<u32>(slotOf(t, s), S_COUNT) < threshold) continue;
    if (k == cap) return -1;
    store<i32>(out + (<usize>k << 2), s);
    k++;
  }
  return k;
}

/** The slot of numeric key (a, b, c) in tally tn, or -1. */
export function tallyFind(tn: i32, a: i32, b: i32, c: i32): i32 {
  const t = tallyAt(tn);
  if (tf(t, T_CAP) == 0) return -1; // a tally initTallies left out holds nothing
  return findNum(t, a, b, c, hash3(a, b, c));
}

/** First count of an id of kind `kind` since the last flush: note the order. */
@inline function touched(kind: i32, id: i32): void {
  const n = cw(C_ORDER_N);
  cset(C_ORDER + n, (kind << 8) | id);
  cset(C_ORDER_N, n + 1);
}

/** The timeout key of an entry (module doc of table.ts), or -1. */
@inline function timeoutKey(proto: i32, state: i32, assured: bool): i32 {
  if (proto == P_TCP) return state;
  if (proto == P_UDP) return assured ? T_UDP_STREAM : T_UDP;
  if (proto == P_GRE) return assured ? T_GRE_STREAM : T_GRE;
  if (proto == P_ICMP) return T_ICMP;
  return T_ICMPV6;
}

/**
 * Count packed entries [from, n) at `ptr` as CaptureTally.addPacked counts them. Returns n when done,
 * else the index of the entry (already counted) at which JavaScript must look: the event bits are in
 * C_EVENT (the source's count in C_SC for EV_LEADER).
 */
export function countRun(ptr: usize, from: i32, n: i32): i32 {
  if (hbins == 0) unreachable(); // initTallies left out what countRun needs (M_COUNT_RUN)
  const src = tallyAt(TL_SRC);
  const dst = tallyAt(TL_DST);
  const port = tallyAt(TL_PORT);
  const pair = tallyAt(TL_PAIR);
  for (let i = from; i < n; i++) {
    const e = ptr + <usize>i * ENTRY_BYTES;
    const proto = load<i32>(e, E_PROTO * 4);
    const state = load<i32>(e, E_STATE * 4);
    const timeout = load<i32>(e, E_TIMEOUT * 4);
    const s4 = load<i32>(e, E_SRC * 4);
    const d4 = load<i32>(e, E_DST * 4);
    const osp = load<i32>(e, E_OSP * 4);
    const odp = load<i32>(e, E_ODP * 4);
    const rsp = load<i32>(e, E_RSP * 4);
    const rdp = load<i32>(e, E_RDP * 4);
    const flags = load<i32>(e, E_FLAGS * 4);
    const zone = load<i32>(e, E_ZONE * 4);
    const v6 = (load<i32>(e, E_FAMILY * 4) & 2) != 0;
    let ev = 0;
    if (cw(C_REMOTE) != 0) {
      // the entry's triple for the tally thread (an IPv6 one holds tokenizer ids and V6_KEY), counted there
      const tq = triples + <usize>i * 12;
      store<i32>(tq, s4);
      store<i32>(tq, d4, 4);
      store<i32>(tq, (proto << 17) | (odp >= 0 ? odp : NO_PORT) | (v6 ? V6_KEY : 0), 8);
    }

    cset(C_ENTRIES, cw(C_ENTRIES) + 1);
    if (cw(C_ASKED_FIRST) == 0) { cset(C_ASKED_FIRST, 1); ev |= EV_FIRST; }
    const pc = cw(C_PROTO + proto);
    if (pc == 0) touched(K_PROTO, proto);
    cset(C_PROTO + proto, pc + 1);
    if (proto == P_TCP && state >= 0) {
      const sc = cw(C_STATE + state);
      if (sc == 0) touched(K_STATE, state);
      cset(C_STATE + state, sc + 1);
      if (cw(C_ASKED_STATE + state) == 0) { cset(C_ASKED_STATE + state, 1); ev |= EV_STATE; }
    }
    const z = zone < 0 ? 0 : zone;
    const zc = cw(C_ZONE + z);
    if (zc == 0) touched(K_ZONE, z);
    cset(C_ZONE + z, zc + 1);
    const assured = (flags & F_ASSURED) != 0;
    const offload = (flags & F_OFFLOAD) != 0;
    if (assured) cset(C_ASSURED, cw(C_ASSURED) + 1);
    if ((flags & F_UNREPLIED) != 0) {
      cset(C_UNREPLIED, cw(C_UNREPLIED) + 1);
      if (cw(C_ASKED_UNREPLIED) == 0) { cset(C_ASKED_UNREPLIED, 1); ev |= EV_UNREPLIED; }
    }
    if (offload) cset(C_OFFLOAD, cw(C_OFFLOAD) + 1);
    if (!assured && !offload) cset(C_EARLY, cw(C_EARLY) + 1);
    if (load<i32>(e, E_RSRC * 4) != d4 || load<i32>(e, E_RDST * 4) != s4
      || (osp >= 0 && rdp >= 0 && rdp != osp) || (odp >= 0 && rsp >= 0 && rsp != odp)) cset(C_NAT, cw(C_NAT) + 1);

    // IPv6 addresses are ids of the tokenizer's. With the tally thread (C_REMOTE) the source is counted here
    // by its text id (v6map) and the entry's other keys go to the thread with the run; an id without a text
    // id yet, or no thread, stops at EV_V6 and JavaScript counts the keys
    let sc = 0;
    let key = s4;
    let keyV6 = 0;
    let counted = false;
    if (v6) {
      cset(C_V6, cw(C_V6) + 1);
      if (cw(C_REMOTE) == 0) {
        ev |= EV_V6;
      } else {
        const s = load<i32>(v6map + (<usize>s4 << 2));
        const d = load<i32>(v6map + (<usize>d4 << 2));
        if (s < 0 || d < 0) {
          ev |= EV_V6;
        } else {
          key = s;
          keyV6 = 1;
          sc = <i32>addNum(src, TL_SRC, s, V6_KEY, 0);
          counted = true;
        }
      }
    } else {
      sc = <i32>addNum(src, TL_SRC, s4, 0, 0);
      counted = true;
      if (cw(C_REMOTE) == 0) {
        addNum(dst, TL_DST, d4, 0, 0);
        if (odp >= 0) addNum(port, TL_PORT, proto, odp, 0);
        addNum(pair, TL_PAIR, s4, d4, (proto << 17) | (odp >= 0 ? odp : NO_PORT));
      }
    }
    if (counted) {
      // the leader (the top source) moves on here only when it is the same key; anything else is decided
      // by JavaScript, which compares texts on a tie
      const lc = cw(C_LEADER_COUNT);
      const same = cw(C_HAS_LEADER) != 0 && cw(C_LEADER_STALE) == 0 && key == cw(C_LEADER_SRC) && keyV6 == cw(C_LEADER_V6);
      if (sc > lc) {
        if (!same) ev |= EV_LEADER;
        else cset(C_LEADER_COUNT, sc);
      } else if (sc == lc && cw(C_HAS_LEADER) != 0 && !same) {
        ev |= EV_LEADER;
      }
    }
    if (timeout >= 0) {
      const key = timeoutKey(proto, state, assured);
      if (key >= 0) {
        if (cw(C_TKEY + key) == 0) { cset(C_TKEY + key, 1); touched(K_TKEY, key); }
        let b = timeout / 60;
        if (b >= BINS) b = BINS - 1;
        const bp = hbins + (<usize>key * BINS + <usize>b) * 4;
        store<u32>(bp, load<u32>(bp) + 1);
        const m = hmeta + <usize>key * 16;
        store<i32>(m, load<i32>(m) + 1);
        if (timeout > load<i32>(m, 4)) store<i32>(m, timeout, 4);
        if (b + 1 > load<i32>(m, 8)) store<i32>(m, b + 1, 8);
      }
      if (proto == P_TCP && state == S_ESTABLISHED && timeout > DAY && cw(C_ASKED_ESTDAY) == 0) {
        cset(C_ASKED_ESTDAY, 1);
        ev |= EV_ESTDAY;
      }
    }
    if (ev != 0) {
      cset(C_EVENT, ev);
      cset(C_SC, sc);
      return i;
    }
    // the first-count order list must not overflow between flushes (at most 5 + 11 + 10 + 17 ids)
  }
  cset(C_EVENT, 0);
  return n;
}

/**
 * The tally thread's half of countRun (src/analysis/tally-thread.ts): count n triples at `ptr`, each
 * (source, destination, pair tail) as three i32, into the destination, port and pair tallies exactly as
 * countRun adds one entry to them (the port only when the tail holds one).
 */
export function countTriples(ptr: usize, n: i32): void {
  const dst = tallyAt(TL_DST);
  const port = tallyAt(TL_PORT);
  const pair = tallyAt(TL_PAIR);
  for (let i = 0; i < n; i++) {
    const e = ptr + <usize>i * 12;
    const s4 = load<i32>(e);
    const d4 = load<i32>(e, 4);
    const tail = load<i32>(e, 8);
    const p = tail & 0x1ffff;
    if ((tail & V6_KEY) != 0) {
      // an entry with IPv6 addresses (tokenizer ids): keyed by this thread's text ids (v6map, set from
      // OP_V6TEXT before the first run that names them), as tally-thread-worker.ts keys IPv6 texts
      const s = load<i32>(v6map + (<usize>s4 << 2));
      const d = load<i32>(v6map + (<usize>d4 << 2));
      addNum(dst, TL_DST, d, V6_KEY, 0);
      if (p != NO_PORT) addNum(port, TL_PORT, (tail & ~V6_KEY) >>> 17, p, 0);
      addNum(pair, TL_PAIR, s, d, tail);
      continue;
    }
    addNum(dst, TL_DST, d4, 0, 0);
    if (p != NO_PORT) addNum(port, TL_PORT, tail >>> 17, p, 0);
    addNum(pair, TL_PAIR, s4, d4, tail);
  }
}
