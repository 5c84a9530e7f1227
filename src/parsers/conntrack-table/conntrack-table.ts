/**
 * Parser for conntrack table captures: `conntrack -L` (default, `-o extended`, `-o extended,id`,
 * `-o xml`), `conntrack -E` event lines, /proc/net/nf_conntrack and the compat /proc/net/ip_conntrack.
 *
 * Literal samples (one entry a line):
 *
 *     tcp      6 117 TIME_WAIT src=192.0.2.2 dst=198.51.100.2 sport=50036 dport=80 src=198.51.100.2 dst=192.0.2.2 sport=80 dport=50036 [ASSURED] mark=0 use=1
 *     ipv4     2 udp      17 src=192.0.2.5 dst=203.0.113.2 sport=5001 dport=5000 src=203.0.113.2 dst=192.0.2.10 sport=6000 dport=1026 [OFFLOAD] mark=0 zone=0 use=2
 *      [UPDATE] tcp      6 60 SYN_RECV src=192.0.2.7 dst=198.51.100.9 sport=57022 dport=80 src=198.51.100.9 dst=192.0.2.7 sport=80 dport=57022
 *     conntrack v1.4.6 (conntrack-tools): 3 flow entries have been shown.
 *
 * Grammar of an entry (FORMATS.md section 3): `[EVENT]` (events only; vyos-conntrack-logger adds the
 * conntrack id after it) · `ipv4 2` (extended and /proc) · `tcp 6` (any name + number) · timeout
 * (absent for OFFLOAD entries and DESTROY events) · state (one bare word before the first `src=`) ·
 * original tuple · reply tuple (the second `src=` starts it) · flags and `key=value` fields in any
 * order. Fields this parser does not know (vendor `[FASTNAT] nmark=`, `labels=`, `[start=...]`) are
 * passed over, never an error.
 *
 * Speed: common entry lines never become strings before they are parsed: `lineBytes` (bytes.ts)
 * reads them from the block and falls back to `line()` for everything else. In `line()`,
 * the header is read character by character, the fields by native `indexOf` jumps to
 * `src=`, `dst=`, `sport=`, `dport=`, `zone=` and `[` (a line with tabs between fields takes a
 * one-pass token loop instead). Per entry the only allocations are the record and its strings.
 *
 * Decisions where the input is messy:
 * - Mail quote markers (`> > > `), indentation and a kselftest `# ` prefix are stripped. Prompts,
 *   command lines, blank lines and other text are 'skip' (ignored).
 * - A command line that reads a filtered capture (`conntrack -L -p tcp`, `... | grep x`,
 *   `cat /proc/net/nf_conntrack | grep x`, `conntrack -L dying`) yields one CapturePartial (parsed).
 * - Every command line and every trailer that follows entries starts a new capture: records carry
 *   a `capture` number (see {@link CaptureTag}) so the accumulator keeps captures of one paste apart.
 *   A trailer before any entry (stderr printed first, as in `conntrack -L | grep x`) belongs to the
 *   capture that follows it.
 * - Hard-wrapped entries (mail clients): an entry whose reply tuple is incomplete, or whose line ends
 *   in blanks, waits for continuation lines (lines whose first word is a `key=value` field or a flag).
 *   Every physical line of a wrapped entry counts as parsed; the record is emitted with the next
 *   line that yields records (or at the end), keeping the head line's number. A continuation line
 *   with no entry waiting is malformed 'wrapped-fragment'.
 * - A line with `src=`/`dst=` fields whose header is not recognisable is malformed: 'truncated' when
 *   it is the first such line of the input (sosreports keep the tail of a big capture, so the first
 *   line may be cut), else 'unparsed'. A recognised entry with no original `src=` is 'unparsed'.
 * - `-o xml`: a `<flow>` may be on one line (conntrack's own output) or spread over lines; each line
 *   of a flow counts as parsed, and the record is emitted on the line holding `</flow>`. XML lines
 *   outside a flow (`<?xml ...?>`, `<conntrack>`, `</conntrack>`) are ignored.
 * - Expectation lines (/proc/net/nf_conntrack_expect, `conntrack -L expect`) are ignored.
 * - `conntrack v1.4.x (conntrack-tools): N flow events have been shown.` (the `-E` trailer) is
 *   ignored: events are not table entries. Other `conntrack v...: <error>` lines are malformed
 *   'command-error'. A trailer split by interleaved stderr (`conntrack v1.4.2 (conntrack-tools): tcp 6 ...`
 *   then `97 flow entries have been shown.`) gives the entry and the trailer.
 */
import type { CapturePartial, ConntrackEntry, ConntrackRun, ConntrackTrailer } from '../../model/records.js';
import type { LineParser, LineResult, ParseContext } from '../line-parser.js';
import { normalizeIp } from '../../util/ip.js';
import { InputError, SkipInput } from '../../model/errors.js';
import { parseLineBytes, type ByteScan } from './bytes.js';
import { runBytes, type RunScan } from './run.js';

/**
 * Extra fields this parser puts on its records (not in the model contract yet):
 * `capture` numbers the captures of one input (a paste may hold several commands' output), and
 * entries carry their input line as `text` (evidence needs it).
 */
export interface CaptureTag {
  readonly capture: number;
}
export type TableEntryRecord = ConntrackEntry & CaptureTag & { readonly text: string };
export type TableTrailerRecord = ConntrackTrailer & CaptureTag;
export type TablePartialRecord = CapturePartial & CaptureTag;
export type TableRecord = TableEntryRecord | TableTrailerRecord | TablePartialRecord | ConntrackRun;

/** Line formats counted for inputs[].format. */
export type TableFormat = 'default' | 'extended' | 'events' | 'xml';

export interface TableParserState {
  readonly sourceId: string;
  readonly path: string;
  /** Non-blank lines seen. */
  contentLines: number;
  /** Records handed out so far. */
  recordsOut: number;
  /** Lines that were a command's error message (command not found, permission denied). */
  commandErrors: number;
  /** The current capture number (starts at 0). */
  capture: number;
  /** Entries (or events) were seen in the current capture. */
  captureHasEntries: boolean;
  /** A trailer after entries closed the current capture: the next entry starts a new one. */
  captureClosed: boolean;
  /** Any entry-like line seen yet (for the 'truncated' first line). */
  sawEntryLike: boolean;
  /** A hard-wrapped entry waiting for continuation lines. */
  pending: { text: string; lineNo: number; capture: number } | null;
  /** Records completed on a line that yielded nothing else; emitted with the next records. */
  ready: TableRecord[];
  /** An XML flow spread over lines. */
  xml: { text: string; lineNo: number; capture: number } | null;
  /** Lines seen per format. */
  formats: Record<TableFormat, number>;
  /** Scanners and interned addresses of the byte path ({@link parseLineBytes}); made on first use. */
  bytes: ByteScan | null;
  /** The capture engine's tokenizer (run.ts): made on first use, false when the engine is off. */
  run: RunScan | false | null;
}

/** A spread XML flow or wrapped entry longer than this is given up (malformed). */
const MAX_JOINED_CHARS = 16 * 1024;

// ------------------------------------------------------------------ small scanners (no regex per field)

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function isDigitsOnly(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parse [a, b) as an unsigned decimal; NaN when it is not one. */
function parseUint(s: string, a: number, b: number): number {
  if (a >= b || b - a > 15) return NaN;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** A protocol or family name: a lower-case letter then letters, digits, '-' or '_'. */
function isName(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  const c0 = s.charCodeAt(a);
  if (c0 < 97 || c0 > 122) return false;
  for (let i = a + 1; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}

/** Index of the first non-blank character at or after i. */
function skipSpaces(s: string, i: number): number {
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** End of the token starting at i. */
function tokenEnd(s: string, i: number): number {
  const n = s.length;
  while (i < n && !isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Where the content starts after blanks and mail quote markers (`>`, `> > >`). Returns the index into s. */
export function contentStart(s: string): number {
  let i = 0;
  const n = s.length;
  for (;;) {
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) === 62 /* > */) { i++; continue; }
    break;
  }
  return i;
}

// ------------------------------------------------------------------ entries

/** Start of `key` (e.g. "src=") at a field boundary in [from, to), or -1. */
function fieldAt(s: string, key: string, from: number, to: number): number {
  let k = s.indexOf(key, from);
  while (k !== -1 && k < to) {
    const prev = s.charCodeAt(k - 1);
    if (prev === 32 || prev === 9) return k;
    k = s.indexOf(key, k + 1);
  }
  return -1;
}

/** The value starting at v, up to the next blank. */
function valueAt(s: string, v: number, n: number): string {
  const sp = s.indexOf(' ', v);
  return s.slice(v, sp === -1 ? n : sp);
}

function portAt(s: string, v: number, n: number): number | null {
  const sp = s.indexOf(' ', v);
  const p = parseUint(s, v, sp === -1 ? n : sp);
  return Number.isNaN(p) ? null : p;
}


/**
 * Interned names: the protocol, family and state words of almost every entry come from a short list.
 * Handing out the same constant string (instead of a fresh slice per entry) saves an allocation per
 * word and lets every Map lookup downstream reuse the string's cached hash and compare by identity.
 * Grouped by length; anything else is sliced as before.
 */
const KNOWN_WORDS: readonly (readonly string[])[] = (() => {
  const words = [
    'tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'sctp', 'dccp', 'udplite', 'unknown', 'ipv4', 'ipv6',
    'TIME_WAIT', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSE',
    'SYN_SENT2', 'NONE', 'LISTEN',
  ];
  const byLen: string[][] = [];
  for (let n = 0; n <= 16; n++) byLen.push([]);
  for (const w of words) byLen[w.length]!.push(w);
  return byLen;
})();

/** s[a, b) as a string: a constant from {@link KNOWN_WORDS} when it is one, else a slice. */
function word(s: string, a: number, b: number): string {
  const len = b - a;
  if (len < KNOWN_WORDS.length) {
    for (const w of KNOWN_WORDS[len]!) if (s.startsWith(w, a)) return w;
  }
  return s.slice(a, b);
}

const EVENT_TAGS: Readonly<Record<string, 'NEW' | 'UPDATE' | 'DESTROY'>> = Object.assign(Object.create(null) as Record<string, 'NEW' | 'UPDATE' | 'DESTROY'>, {
  '[NEW]': 'NEW', '[UPDATE]': 'UPDATE', '[DESTROY]': 'DESTROY',
});

/** Result of parsing an entry line: the record, or why not. */
type EntryParse =
  | { readonly ok: true; readonly entry: TableEntryRecord; readonly complete: boolean }
  | { readonly ok: false; readonly reason: 'no-header' | 'no-tuple' };

/**
 * Parse one entry starting at index `from` of `s`. `complete` is false when the reply tuple is
 * missing or cut (a hard-wrapped line). Allocates the record and its field strings only.
 */
export function parseEntry(s: string, from: number, lineNo: number, sourceId: string, capture: number, text: string): EntryParse {
  const n = s.length;
  let i = skipSpaces(s, from);
  let e = tokenEnd(s, i);
  let event: 'NEW' | 'UPDATE' | 'DESTROY' | null = null;
  if (i < n && s.charCodeAt(i) === 91 /* [ */) {
    const tag = EVENT_TAGS[s.slice(i, e)];
    if (tag === undefined) return { ok: false, reason: 'no-header' };
    event = tag;
    i = skipSpaces(s, e); e = tokenEnd(s, i);
    // vyos-conntrack-logger: `[NEW]     1411737613 udp      17 ...` (conntrack id before the protocol)
    if (isDigitsOnly(s, i, e)) {
      const j = skipSpaces(s, e);
      const je = tokenEnd(s, j);
      if (isName(s, j, je)) { i = j; e = je; }
    }
  }
  // family (`ipv4     2`) and protocol (`tcp      6`): a name followed by a number, once or twice
  if (!isName(s, i, e)) return { ok: false, reason: 'no-header' };
  let j = skipSpaces(s, e);
  let je = tokenEnd(s, j);
  if (!isDigitsOnly(s, j, je)) return { ok: false, reason: 'no-header' };
  let family: string | null = null;
  let protocol = word(s, i, e);
  i = skipSpaces(s, je); e = tokenEnd(s, i);
  if (isName(s, i, e)) {
    j = skipSpaces(s, e); je = tokenEnd(s, j);
    if (isDigitsOnly(s, j, je)) {
      family = protocol;
      protocol = word(s, i, e);
      i = skipSpaces(s, je); e = tokenEnd(s, i);
    }
  }
  let timeoutSec: number | null = null;
  if (isDigitsOnly(s, i, e)) {
    timeoutSec = parseUint(s, i, e);
    if (Number.isNaN(timeoutSec)) timeoutSec = null;
    i = skipSpaces(s, e); e = tokenEnd(s, i);
  }
  // the state: one bare word (no '=', not a flag) before the tuples; stateless protocols have none
  let state: string | null = null;
  if (i < e && s.charCodeAt(i) !== 91 /* [ */) {
    let hasEq = false;
    for (let k = i; k < e; k++) if (s.charCodeAt(k) === 61) { hasEq = true; break; }
    if (!hasEq) {
      state = word(s, i, e);
      i = skipSpaces(s, e); e = tokenEnd(s, i);
    }
  }

  // tuple parts go to locals (no per-entry objects beyond the record)
  let oSrc: string | null = null, oDst: string | null = null, oSport: number | null = null, oDport: number | null = null;
  let rSrc: string | null = null, rDst: string | null = null, rSport: number | null = null, rDport: number | null = null;
  let assured = false;
  let unreplied = false;
  let offload = false;
  let zone: string | null = null;
  let zoneOrig: string | null = null;
  if (s.indexOf('\t', i) === -1) {
    // fast path: jump between the fields with native indexOf instead of reading every character
    const p1 = fieldAt(s, 'src=', i, n);
    if (p1 !== -1) {
      const p2 = fieldAt(s, 'src=', p1 + 4, n);
      const origEnd = p2 === -1 ? n : p2;
      oSrc = valueAt(s, p1 + 4, n);
      let f = fieldAt(s, 'dst=', p1 + 4, origEnd);
      if (f !== -1) oDst = valueAt(s, f + 4, n);
      f = fieldAt(s, 'sport=', p1 + 4, origEnd);
      if (f !== -1) oSport = portAt(s, f + 6, n);
      f = fieldAt(s, 'dport=', p1 + 4, origEnd);
      if (f !== -1) oDport = portAt(s, f + 6, n);
      if (p2 !== -1) {
        rSrc = valueAt(s, p2 + 4, n);
        // the reply tuple ends at the first flag or field that is not part of a tuple
        f = fieldAt(s, 'dst=', p2 + 4, n);
        if (f !== -1) rDst = valueAt(s, f + 4, n);
        f = fieldAt(s, 'sport=', p2 + 4, n);
        if (f !== -1) rSport = portAt(s, f + 6, n);
        f = fieldAt(s, 'dport=', p2 + 4, n);
        if (f !== -1) rDport = portAt(s, f + 6, n);
      }
      f = fieldAt(s, 'zone=', p1 + 4, n);
      if (f !== -1) zone = valueAt(s, f + 5, n);
      else {
        f = fieldAt(s, 'zone-orig=', p1 + 4, n);
        if (f !== -1) zoneOrig = valueAt(s, f + 10, n);
      }
      for (let q = s.indexOf('[', p1); q !== -1; q = s.indexOf('[', q + 1)) {
        const c1 = s.charCodeAt(q + 1);
        if (c1 === 65 && s.startsWith('[ASSURED]', q)) assured = true;
        else if (c1 === 85 && s.startsWith('[UNREPLIED]', q)) unreplied = true;
        else if ((c1 === 79 && s.startsWith('[OFFLOAD]', q)) || (c1 === 72 && s.startsWith('[HW_OFFLOAD]', q))) offload = true;
      }
    }
  } else {
    // slow path (tabs between fields): one pass over the tokens
    let tuples = 0;
    while (i < n) {
      const c0 = s.charCodeAt(i);
      if (c0 === 32 || c0 === 9 || c0 === 13) { i++; continue; }
      if (c0 === 91 /* [ */) {
        e = tokenEnd(s, i);
        // flags; a bracketed field with blanks inside (`[start=Tue Oct 29 12:33:24 2019]`) is skipped whole
        if (s.charCodeAt(e - 1) !== 93 /* ] */) {
          const close = s.indexOf(']', e);
          e = close === -1 ? n : close + 1;
        } else {
          const len = e - i;
          if (len === 9 && s.startsWith('[ASSURED]', i)) assured = true;
          else if (len === 11 && s.startsWith('[UNREPLIED]', i)) unreplied = true;
          else if (len === 9 && s.startsWith('[OFFLOAD]', i)) offload = true;
          else if (len === 12 && s.startsWith('[HW_OFFLOAD]', i)) offload = true;
        }
        i = e;
        continue;
      }
      // scan the token once: where its '=' is and where it ends
      let eq = -1;
      let k = i;
      for (; k < n; k++) {
        const c = s.charCodeAt(k);
        if (c === 32 || c === 9 || c === 13) break;
        if (c === 61 && eq === -1) eq = k;
      }
      e = k;
      if (eq !== -1) {
        const klen = eq - i;
        const v0 = eq + 1;
        if (klen === 3) {
          if (c0 === 115 /* s */ && s.charCodeAt(i + 1) === 114 && s.charCodeAt(i + 2) === 99) {  // src
            tuples++;
            if (tuples === 1) oSrc = s.slice(v0, e);
            else if (tuples === 2) rSrc = s.slice(v0, e);
          } else if (c0 === 100 /* d */ && s.charCodeAt(i + 1) === 115 && s.charCodeAt(i + 2) === 116) {  // dst
            if (tuples === 1) oDst = s.slice(v0, e);
            else if (tuples === 2) rDst = s.slice(v0, e);
          }
        } else if (klen === 5 && s.charCodeAt(i + 1) === 112 && s.startsWith('port', i + 1)) {  // sport / dport
          if (c0 === 115 || c0 === 100) {
            const pv = parseUint(s, v0, e);
            const port = Number.isNaN(pv) ? null : pv;
            if (c0 === 115) { if (tuples === 1) oSport = port; else if (tuples === 2) rSport = port; }
            else if (tuples === 1) oDport = port; else if (tuples === 2) rDport = port;
          }
        } else if (klen === 4 && c0 === 122 && s.startsWith('zone', i)) {
          zone = s.slice(v0, e);
        } else if (klen === 9 && c0 === 122 && s.startsWith('zone-orig', i)) {
          zoneOrig = s.slice(v0, e);
        }
      }
      i = e;
    }
  }
  if (oSrc === null) return { ok: false, reason: 'no-tuple' };
  const complete = oDst !== null && rSrc !== null && rDst !== null;
  const origSrc = normalizeIp(oSrc);
  const entry: TableEntryRecord = {
    kind: 'conntrack-entry',
    family: family ?? (origSrc.indexOf(':') !== -1 ? 'ipv6' : 'ipv4'),
    protocol,
    timeoutSec,
    state,
    origSrc,
    origDst: oDst === null ? '' : normalizeIp(oDst),
    origSport: oSport,
    origDport: oDport,
    replySrc: rSrc === null ? null : normalizeIp(rSrc),
    replyDst: rDst === null ? null : normalizeIp(rDst),
    replySport: rSport,
    replyDport: rDport,
    assured,
    unreplied,
    offload,
    zone: zone ?? zoneOrig,
    event,
    src: { sourceId, lineNo },
    capture,
    text,
  };
  return { ok: true, entry, complete };
}

// ------------------------------------------------------------------ XML (`conntrack -L -o xml`)

function tagText(s: string, tag: string, from: number, to: number): string | null {
  const open = `<${tag}>`;
  const a = s.indexOf(open, from);
  if (a === -1 || a >= to) return null;
  const b = s.indexOf(`</${tag}>`, a + open.length);
  if (b === -1 || b > to) return null;
  return s.slice(a + open.length, b).trim();
}

function attr(s: string, tagStart: string, name: string, from: number, to: number): string | null {
  const a = s.indexOf(tagStart, from);
  if (a === -1 || a >= to) return null;
  const close = s.indexOf('>', a);
  const key = `${name}="`;
  const k = s.indexOf(key, a);
  if (k === -1 || (close !== -1 && k > close)) return null;
  const q = s.indexOf('"', k + key.length);
  return q === -1 ? null : s.slice(k + key.length, q);
}

function metaRange(s: string, dir: string, from: number, to: number): [number, number] | null {
  const a = s.indexOf(`<meta direction="${dir}">`, from);
  if (a === -1 || a >= to) return null;
  const b = s.indexOf('</meta>', a);
  return [a, b === -1 || b > to ? to : b];
}

function optPort(v: string | null): number | null {
  if (v === null) return null;
  const p = parseUint(v, 0, v.length);
  return Number.isNaN(p) ? null : p;
}

/** Parse one `<flow ...>...</flow>` (s[from, to)); null when it has no original tuple. */
export function parseXmlFlow(s: string, from: number, to: number, lineNo: number, sourceId: string, capture: number): TableEntryRecord | null {
  const typeAttr = attr(s, '<flow', 'type', from, to);
  const event = typeAttr === 'new' ? 'NEW' : typeAttr === 'update' ? 'UPDATE' : typeAttr === 'destroy' ? 'DESTROY' : null;
  const o = metaRange(s, 'original', from, to);
  if (!o) return null;
  const origSrc = tagText(s, 'src', o[0], o[1]);
  const origDst = tagText(s, 'dst', o[0], o[1]);
  if (origSrc === null || origDst === null) return null;
  const r = metaRange(s, 'reply', from, to);
  const ind = metaRange(s, 'independent', from, to);
  const fam = attr(s, '<layer3', 'protoname', o[0], o[1]);
  const proto = attr(s, '<layer4', 'protoname', o[0], o[1]);
  const timeout = ind ? tagText(s, 'timeout', ind[0], ind[1]) : null;
  const t = timeout === null ? NaN : parseUint(timeout, 0, timeout.length);
  const src = normalizeIp(origSrc);
  const flat = s.slice(from, to);
  return {
    kind: 'conntrack-entry',
    family: fam ? fam.toLowerCase() : (src.indexOf(':') !== -1 ? 'ipv6' : 'ipv4'),
    protocol: proto ? proto.toLowerCase() : 'unknown',
    timeoutSec: Number.isNaN(t) ? null : t,
    state: ind ? tagText(s, 'state', ind[0], ind[1]) : null,
    origSrc: src,
    origDst: normalizeIp(origDst),
    origSport: optPort(tagText(s, 'sport', o[0], o[1])),
    origDport: optPort(tagText(s, 'dport', o[0], o[1])),
    replySrc: r ? (tagText(s, 'src', r[0], r[1]) ?? null) && normalizeIp(tagText(s, 'src', r[0], r[1])!) : null,
    replyDst: r ? (tagText(s, 'dst', r[0], r[1]) ?? null) && normalizeIp(tagText(s, 'dst', r[0], r[1])!) : null,
    replySport: r ? optPort(tagText(s, 'sport', r[0], r[1])) : null,
    replyDport: r ? optPort(tagText(s, 'dport', r[0], r[1])) : null,
    assured: ind !== null && s.indexOf('<assured/>', ind[0]) !== -1 && s.indexOf('<assured/>', ind[0]) < ind[1],
    unreplied: ind !== null && s.indexOf('<unreplied/>', ind[0]) !== -1 && s.indexOf('<unreplied/>', ind[0]) < ind[1],
    offload: flat.indexOf('<offload/>') !== -1 || flat.indexOf('<hw-offload/>') !== -1 || flat.indexOf('<hw_offload/>') !== -1,
    zone: (ind ? tagText(s, 'zone', ind[0], ind[1]) : null) ?? tagText(s, 'zone', o[0], o[1]),
    event,
    src: { sourceId, lineNo },
    capture,
    text: flat,
  };
}

// ------------------------------------------------------------------ trailers, commands

const TRAILER_RE = /conntrack v[0-9][0-9.]*\s*\(conntrack-tools\):\s*(\d+) flow (entries|events) ha(?:ve|s) been shown\.?/;
const TOOLS_PREFIX_RE = /^conntrack v[0-9][0-9.]*\s*\(conntrack-tools\):\s*/;
const SPLIT_TRAILER_RE = /^(\d+) flow entries ha(?:ve|s) been shown\.?\s*$/;
/** `conntrack -L ...` (also `sudo conntrack`, after a prompt). */
const CMD_CONNTRACK_RE = /(?:^|[\s;|&(`$#>:~])conntrack\s+(-{1,2}[A-Za-z][\w-]*(?:[\s=]\S+)*)/;
/** `cat /proc/net/nf_conntrack`, `grep x /proc/net/ip_conntrack`, `cat nf_conntrack | grep x`. */
const CMD_PROC_RE = /(?:^|[\s;|&(`$#>:~])(?:cat|grep|egrep|fgrep|head|tail|less|more|awk|sed|sort|wc|zcat|cut)\b[^|]*?\b(?:nf|ip)_conntrack(_expect)?\b/;
/** A command's error instead of its output. */
const COMMAND_ERROR_RE = /(?:command not found|Operation not permitted|Permission denied|No such file or directory|can't open|not supported)/i;
/** An expectation line (/proc/net/nf_conntrack_expect, `conntrack -L expect`). */
const EXPECT_RE = /^\d+\s+(?:l3proto\s*=|proto=)/;

/** conntrack options that do not filter what is listed. */
const NON_FILTER_OPTIONS = new Set([
  '-L', '--dump', '-E', '--event', '-o', '--output', '-e', '--event-mask', '-b', '--buffer-size',
  '-z', '--zero', '-C', '--count', '-S', '--stats',
]);
/** Options whose next word is their value (so it is not read as a table name). */
const OPTIONS_WITH_VALUE = new Set(['-o', '--output', '-e', '--event-mask', '-b', '--buffer-size']);
/** Pipe stages that do not change which lines are shown. */
const PASS_THROUGH = new Set(['cat', 'less', 'more', 'tee']);

interface CommandInfo {
  readonly captures: boolean;
  readonly filtered: string | null;
}

/** Classify a command line: does it start a table capture, and is that capture filtered? */
export function classifyCommand(line: string): CommandInfo | null {
  const m = CMD_CONNTRACK_RE.exec(line);
  const p = m ? null : CMD_PROC_RE.exec(line);
  if (!m && !p) return null;
  const start = (m ?? p)!.index;
  const rest = line.slice(start);
  const stages = rest.split('|');
  const head = stages[0] ?? '';
  let filtered: string | null = null;
  let captures = true;
  if (m) {
    const words = head.trim().split(/\s+/);
    const ci = words.findIndex((w) => w === 'conntrack' || w.endsWith('conntrack'));
    const args = words.slice(ci + 1);
    const lists = args.some((a) => a === '-L' || a === '--dump' || a === '-E' || a === '--event' || /^-[A-Za-z]*[LE]/.test(a));
    if (!lists) captures = false;
    for (let k = 0; k < args.length && captures; k++) {
      const a = args[k]!;
      if (a.startsWith('-')) {
        const opt = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
        if (!NON_FILTER_OPTIONS.has(opt)) { filtered = `filter option ${opt}`; break; }
        if (OPTIONS_WITH_VALUE.has(opt) && !a.includes('=')) k++;
      } else if ((args[k - 1] === '-L' || args[k - 1] === '--dump' || args[k - 1] === '-E') && a !== 'conntrack' && a !== 'table') {
        if (a === 'expect' || a === 'expectation') captures = false;
        else filtered = `${a} list`;
        break;
      }
    }
  } else if (p && p[1]) {
    captures = false;  // the expectation table
  }
  if (captures && filtered === null) {
    for (const stage of stages.slice(1)) {
      const cmd = stage.trim().split(/\s+/)[0] ?? '';
      if (cmd !== '' && !PASS_THROUGH.has(cmd)) { filtered = `piped through ${cmd}`; break; }
    }
  }
  return { captures, filtered: captures ? filtered : null };
}

// ------------------------------------------------------------------ the parser

function startsWithEventOrName(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c === 91 /* [ */ || (c >= 97 && c <= 122);
}

/** A continuation piece of a hard-wrapped entry: first word is `key=value` or a flag (not an event tag). */
function isContinuation(s: string, i: number): boolean {
  const e = tokenEnd(s, i);
  if (e <= i) return false;
  if (s.charCodeAt(i) === 91) return EVENT_TAGS[s.slice(i, e)] === undefined && s.charCodeAt(e - 1) === 93;
  const eq = s.indexOf('=', i);
  return eq > i && eq < e && isName(s, i, eq);
}

/** Index of an event tag after a log prefix, or -1 (only when the line also has a tuple). */
function eventTagAt(s: string, from: number): number {
  if (s.indexOf(' src=', from) === -1) return -1;
  for (const tag of ['[NEW]', '[UPDATE]', '[DESTROY]']) {
    const k = s.indexOf(tag, from);
    if (k !== -1) return k;
  }
  return -1;
}

function withReady(state: TableParserState, out: TableRecord | readonly TableRecord[] | null): LineResult<TableRecord> {
  state.recordsOut += state.ready.length + (out === null ? 0 : Array.isArray(out) ? out.length : 1);
  if (state.ready.length === 0) return out === null ? [] : out;
  const all = state.ready;
  state.ready = [];
  if (out === null) return all;
  if (Array.isArray(out)) return [...all, ...(out as readonly TableRecord[])];
  return [...all, out as TableRecord];
}

/** Finish the wrapped entry waiting in state (if any): into the ready queue. */
function flushPending(state: TableParserState): void {
  const p = state.pending;
  if (!p) return;
  state.pending = null;
  const r = parseEntry(p.text, 0, p.lineNo, state.sourceId, p.capture, p.text);
  // the head line was counted as parsed; an entry that still has no original tuple is dropped
  if (r.ok) state.ready.push(r.entry);
}

/** Start a new capture when the current one was closed by a trailer. */
function entryCapture(state: TableParserState): number {
  if (state.captureClosed) {
    state.capture++;
    state.captureClosed = false;
    state.captureHasEntries = false;
  }
  state.captureHasEntries = true;
  return state.capture;
}

function handleXml(text: string, i: number, lineNo: number, state: TableParserState): LineResult<TableRecord> {
  let s = text;
  let from = i;
  let startLine = lineNo;
  // a flow continued from earlier lines keeps its capture; a new flow takes the current one
  let carried: number | null = null;
  if (state.xml) {
    s = `${state.xml.text}\n${text.slice(i)}`;
    from = 0;
    startLine = state.xml.lineNo;
    carried = state.xml.capture;
    state.xml = null;
  }
  const out: TableRecord[] = [];
  let sawFlow = false;
  let bad = false;
  for (;;) {
    const a = s.indexOf('<flow', from);
    if (a === -1) break;
    sawFlow = true;
    const capture = carried ?? entryCapture(state);
    carried = null;
    const b = s.indexOf('</flow>', a);
    if (b === -1) {
      const rest = s.slice(a);
      if (rest.length > MAX_JOINED_CHARS) return { malformed: 'unparsed', detail: 'xml flow too long' };
      state.xml = { text: rest, lineNo: startLine, capture };
      break;
    }
    const rec = parseXmlFlow(s, a, b + 7, startLine, state.sourceId, capture);
    if (rec) out.push(rec);
    else bad = true;
    from = b + 7;
    startLine = lineNo;
  }
  if (!sawFlow) return state.ready.length ? withReady(state, null) : 'skip';
  state.formats.xml++;
  state.sawEntryLike = true;
  if (bad && out.length === 0 && state.xml === null) return { malformed: 'unparsed', detail: 'xml flow without an original tuple' };
  return withReady(state, out);
}

function newState(ctx: ParseContext): TableParserState {
  return {
    sourceId: ctx.sourceId, path: ctx.path, contentLines: 0, recordsOut: 0, commandErrors: 0, capture: 0, captureHasEntries: false, captureClosed: false, sawEntryLike: false,
    pending: null, ready: [], xml: null, formats: { default: 0, extended: 0, events: 0, xml: 0 }, bytes: null, run: null,
  };
}

function parseLine(text: string, lineNo: number, state: TableParserState): LineResult<TableRecord> {
  let i = contentStart(text);
  const n = text.length;
  // a spread XML flow collects every line until </flow>
  if (state.xml) {
    if (text.indexOf('</flow>', i) === -1) {
      if (state.xml.text.length + n > MAX_JOINED_CHARS) {
        state.xml = null;
        return { malformed: 'unparsed', detail: 'xml flow too long' };
      }
      state.xml.text += `\n${text.slice(i)}`;
      return [];
    }
    return handleXml(text, i, lineNo, state);
  }
  if (i >= n) {
    flushPending(state);
    return 'skip';
  }
  state.contentLines++;
  // kselftest output prefixes each line with "# "
  if (text.charCodeAt(i) === 35 /* # */ && i + 1 < n && text.charCodeAt(i + 1) === 32) {
    const j = skipSpaces(text, i + 1);
    if (j < n && startsWithEventOrName(text, j) && text.indexOf(' src=', j) !== -1) i = j;
    else if (text.startsWith('conntrack v', j)) i = j;
  }

  // continuation of a hard-wrapped entry
  if (isContinuation(text, i)) {
    if (state.pending) {
      if (state.pending.text.length + n > MAX_JOINED_CHARS) {
        state.pending = null;
        return { malformed: 'wrapped-fragment', detail: 'wrapped entry too long' };
      }
      state.pending.text += ` ${text.slice(i)}`;
      return [];
    }
    flushPending(state);
    // `key=value` text that is not a wrapped entry: a fragment when it looks like a tuple part
    if (text.indexOf('dst=', i) !== -1 || text.indexOf('sport=', i) !== -1 || text.indexOf('dport=', i) !== -1 || text.indexOf('use=', i) !== -1) {
      return { malformed: 'wrapped-fragment' };
    }
    return 'skip';
  }

  // from here on a wrapped entry in progress is complete
  flushPending(state);

  const c = text.charCodeAt(i);
  if (c === 60 /* < */) return handleXml(text, i, lineNo, state);

  // stderr of conntrack-tools: the trailer, an entry interleaved after its prefix, or an error
  if (c === 99 /* c */ && text.startsWith('conntrack v', i)) {
    const t = TRAILER_RE.exec(text);
    if (t) {
      if (t[2] === 'events') return state.ready.length ? withReady(state, null) : 'skip';
      return withReady(state, trailer(Number(t[1]), text, lineNo, state));
    }
    const pre = TOOLS_PREFIX_RE.exec(text.slice(i));
    if (pre) {
      const j = i + pre[0].length;
      if (text.indexOf(' src=', j) !== -1) i = j;
      else if (classifyCommand(text) === null) {
        state.commandErrors++;
        return { malformed: 'command-error' };
      }
    }
  }
  const split = c >= 48 && c <= 57 ? SPLIT_TRAILER_RE.exec(text.slice(i)) : null;
  if (split) return withReady(state, trailer(Number(split[1]), text, lineNo, state));

  // a log prefix before an event tag (vyos-conntrack-logger writes events to syslog)
  if (!startsWithEventOrName(text, i)) {
    const k = eventTagAt(text, i);
    if (k !== -1) i = k;
  }

  if (startsWithEventOrName(text, i)) {
    const capture = state.captureClosed ? state.capture + 1 : state.capture;
    const r = parseEntry(text, i, lineNo, state.sourceId, capture, text);
    if (r.ok) {
      entryCapture(state);
      state.sawEntryLike = true;
      if (r.entry.event !== null) state.formats.events++;
      else if (text.startsWith('ipv4', i) || text.startsWith('ipv6', i)) state.formats.extended++;
      else state.formats.default++;
      const lastC = text.charCodeAt(n - 1);
      if (!r.complete || isSpace(lastC)) {
        // maybe hard-wrapped: wait for continuation lines (the head line counts as parsed)
        state.pending = { text: text.slice(i), lineNo, capture };
        return withReady(state, null);
      }
      return withReady(state, r.entry);
    }
    if (r.reason === 'no-tuple') {
      state.sawEntryLike = true;
      return { malformed: 'unparsed', detail: `entry without an original tuple: ${text.slice(0, 160)}` };
    }
  }

  if (COMMAND_ERROR_RE.test(text)) {
    state.commandErrors++;
    return { malformed: 'command-error' };
  }

  const cmd = classifyCommand(text);
  if (cmd) {
    // every command starts a new capture (numbers of captures without records are simply unused)
    state.capture++;
    state.captureHasEntries = false;
    state.captureClosed = false;
    if (cmd.captures && cmd.filtered !== null) {
      const partial: TablePartialRecord = {
        kind: 'capture-partial', reason: cmd.filtered, text, src: { sourceId: state.sourceId, lineNo }, capture: state.capture,
      };
      return withReady(state, partial);
    }
    return state.ready.length ? withReady(state, null) : 'skip';
  }

  if (EXPECT_RE.test(text.slice(i, i + 24))) return state.ready.length ? withReady(state, null) : 'skip';

  // src=/dst= fields but no recognisable header: a cut line
  const srcAt = text.indexOf('src=', i);
  if (srcAt !== -1 && text.indexOf('dst=', srcAt) !== -1) {
    const first = !state.sawEntryLike;
    state.sawEntryLike = true;
    return { malformed: first ? 'truncated' : 'unparsed' };
  }
  return state.ready.length ? withReady(state, null) : 'skip';
}

function trailer(declared: number, text: string, lineNo: number, state: TableParserState): TableTrailerRecord {
  const rec: TableTrailerRecord = {
    kind: 'conntrack-trailer', declared, text, src: { sourceId: state.sourceId, lineNo }, capture: state.capture,
  };
  // a trailer after entries closes the capture; one before any entry belongs to the entries after it
  if (state.captureHasEntries) state.captureClosed = true;
  return rec;
}

/** The streaming parser for the `conntrack-table` kind. */
export const conntrackTableParser: LineParser<TableRecord, TableParserState> = {
  kind: 'conntrack-table',
  init: newState,
  lineBytes: parseLineBytes,
  runBytes,
  line: parseLine,
  end(state) {
    flushPending(state);
    const out = state.ready;
    state.ready = [];
    // an XML flow never closed: its lines were counted as parsed; nothing to emit
    state.xml = null;
    const records = state.recordsOut + out.length;
    if (records === 0) {
      if (state.contentLines === 0) {
        throw new SkipInput('CTD_INPUT_EMPTY', `${state.path}: empty table capture`, { sourceId: state.sourceId, kind: 'conntrack-table' });
      }
      if (state.commandErrors > 0) {
        throw new SkipInput('CTD_INPUT_NOT_APPLICABLE', `${state.path}: the capture holds only a command error, no table`, { sourceId: state.sourceId, kind: 'conntrack-table' });
      }
      throw new InputError('CTD_INPUT_UNRECOGNIZED', `${state.path}: not a conntrack table capture: no entry, trailer or capture command in ${state.contentLines} lines`, { sourceId: state.sourceId, kind: 'conntrack-table' });
    }
    return out;
  },
  format(state) {
    const f = state.formats;
    let best: TableFormat | null = null;
    let bestN = 0;
    for (const k of ['extended', 'default', 'xml', 'events'] as const) {
      if (f[k] > bestN) { best = k; bestN = f[k]; }
    }
    return best;
  },
};
