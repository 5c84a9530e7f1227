/**
 * The kernel-log byte prefilter: needles, their anchors, the stateless verdict on one line, the bulk
 * candidate finder, and the range classifier a parallel scan's workers run (ingest/parallel-scan.ts).
 * Kept apart from the parser (kernel-log.ts) so a worker thread loads only this and its byte helpers.
 * Literal lines it sends on (a needle, a journal marker, a JSON line):
 *
 *   Mar  1 09:41:21 ip-172-31-3-170 kernel: [12449650.185260] nf_conntrack: table full, dropping packet
 *   -- Reboot --
 *   {"_BOOT_ID":"0f3c1e2d4b5a69788796a5b4c3d2e1f0","_HOSTNAME":"node-a","MESSAGE":"eth0: link up"}
 */
import { NeedleScanner } from '../../util/bytes.js';
import { EV_LINE_START, EV_NUL, EventNeedle, SimdBlockScan } from '../../util/simd-scan.js';
import { SCAN_IGNORE, SCAN_SEND, SCAN_VERIFY, type RangeClassifier, type ScanVerdict } from '../../ingest/parallel-scan.js';
import { ByteFinder, equalBytes, rawJsonRangeInto, type KeyFinder } from './journal-json.js';

/**
 * Byte needles of lines that can matter (the prefilter); a line without any is ignored unread. Each
 * needle costs one Buffer.indexOf pass over a block (0.05–0.2 s/GB with the anchors below), so the list
 * is short: journal markers (`-- Reboot --`) are recognised by their first bytes instead.
 */
export const KERNEL_LOG_NEEDLES: readonly string[] = ['conntrack', 'suppress', 'Linux version', 'SYN flooding'];
/**
 * The anchor searched for each needle (a short substring whose first byte is rare in logs: indexOf
 * runs a memchr on it, 6–10 GB/s, where a 9+ byte needle takes Boyer-Moore-Horspool at ~2 GB/s).
 * `YN f` rather than `flood`: `f` is common in journal JSON (SYSLOG_FACILITY, config, ...), `Y` is not
 * (0.34 vs 0.64 s per 1.5 GB of the bench journal, 0.21 vs 0.25 s on the 1 GB kern.log). `connt` and
 * `Linux` were tried (0.05 and 0.03 s/GB faster on kern.log) and dropped: JSON is full of `c` and `L`
 * (0.82 vs 0.45 s and 0.48 vs 0.38 s per 1.5 GB of journal).
 */
const NEEDLE_ANCHORS: readonly string[] = ['onntr', 'uppress', 'x ver', 'YN f'];
/** Extra needles for journal JSON lines: a byte-array MESSAGE or \u escapes hide the text from byte search. */
export const JSON_NEEDLES: readonly string[] = ['"MESSAGE":[', '\\u'];
/** `[` rather than `E":[`: JSON keys are full of `E` (MESSAGE, SOURCE, ...), `[` is rarer (0.29 vs 0.51 s per 1.5 GB). */
const JSON_ANCHORS: readonly string[] = ['[', '\\u'];

/**
 * The anchors of the SIMD block scan (util/simd-scan.ts), needle by needle: 4 bytes at most, the first
 * two rare as a pair in logs (`nn`: 0.003 per kern.log line, `:[` none), distinct first bytes.
 */
const SIMD_NEEDLE_ANCHORS: readonly string[] = ['nntr', 'ppre', 'x ve', 'N fl'];
const SIMD_JSON_ANCHORS: readonly string[] = [':[', '\\u'];
/** Bytes after a newline that may start a line that matters (bodyStart's blanks and `>`, then `-` or `{`). */
const SIMD_LINE_START: readonly number[] = [32, 9, 62, 45, 123];
/**
 * The anchors of a JSON block (a journal export, where every line is a candidate: no line starts): the
 * needles' and the JSON ones, and the `_BOOT_ID` / `_HOSTNAME` keys each line is checked for.
 */
const SIMD_KEY_ANCHORS: readonly string[] = ['BOOT', 'HOST'];

/** What the prefilter asks of a needle (a NeedleScanner, or an EventNeedle on a SIMD-scanned block). */
export interface ByteNeedle {
  nextAt(buf: Buffer, from: number): number;
  has(buf: Buffer, start: number, end: number): boolean;
}

/** The byte scanners of the prefilter (in the parser state, and in each range classifier of a parallel scan). */
export interface KernelScan {
  readonly needles: readonly ByteNeedle[];
  readonly jsonNeedles: readonly ByteNeedle[];
  readonly nul: ByteNeedle;
  /** Finders for the `_BOOT_ID` and `_HOSTNAME` keys of journal JSON lines. */
  readonly bootKey: KeyFinder;
  readonly hostKey: KeyFinder;
  /** The SIMD block scan whose events back the needles (null: indexOf scanners only). */
  readonly simd: SimdBlockScan | null;
}

/**
 * Fresh scanners (each remembers positions in the block it last saw). With `simd`, searches in its block
 * use the block scan's events (the same answers: test/util/simd-scan.test.ts); other buffers, indexOf.
 */
export function newScan(simd: SimdBlockScan | null = null): KernelScan {
  const needles = KERNEL_LOG_NEEDLES.map((n, k) => new NeedleScanner(n, NEEDLE_ANCHORS[k]));
  const jsonNeedles = JSON_NEEDLES.map((n, k) => new NeedleScanner(n, JSON_ANCHORS[k]));
  const nul = new NeedleScanner(0);
  const onEvents = (n: string, k: number, anchor: string, fallback: NeedleScanner): ByteNeedle =>
    new EventNeedle(simd!, k, n, n.indexOf(anchor), fallback);
  return {
    needles: simd === null ? needles : needles.map((f, k) => onEvents(KERNEL_LOG_NEEDLES[k]!, k, SIMD_NEEDLE_ANCHORS[k]!, f)),
    jsonNeedles: simd === null ? jsonNeedles : jsonNeedles.map((f, k) => onEvents(JSON_NEEDLES[k]!, SIMD_NEEDLE_ANCHORS.length + k, SIMD_JSON_ANCHORS[k]!, f)),
    nul: simd === null ? nul : new EventNeedle(simd, EV_NUL, 0, 0, nul),
    bootKey: simd === null ? new ByteFinder('BOOT_ID"') : new EventKeyFinder(simd, 'BOOT_ID"', SIMD_KEY_ANCHORS[0]!),
    hostKey: simd === null ? new ByteFinder('HOSTNAME"') : new EventKeyFinder(simd, 'HOSTNAME"', SIMD_KEY_ANCHORS[1]!),
    simd,
  };
}

/** A key finder answering from the SIMD scan's events in a JSON block (alt tables), else a ByteFinder. */
class EventKeyFinder implements KeyFinder {
  private readonly kind: number;
  private readonly events: EventNeedle;
  private readonly fallback: ByteFinder;

  /** `anchor` starts `key` (offset 0), as the ByteFinder's own anchor does. */
  constructor(private readonly simd: SimdBlockScan, key: string, anchor: string) {
    this.kind = simd.kindOfAnchor(anchor);
    this.events = new EventNeedle(simd, this.kind, key, 0, NO_NEEDLE);
    this.fallback = new ByteFinder(key);
  }

  find(buf: Buffer, start: number, end: number): number {
    return this.simd.holds(buf) && this.simd.covers(this.kind) ? this.events.find(buf, start, end) : this.fallback.find(buf, start, end);
  }

  get length(): number {
    return this.fallback.length;
  }
}

const NO_NEEDLE = { nextAt: (): number => -1, has: (): boolean => false };

/** The SIMD block scan of the kernel-log prefilter, or null without WebAssembly SIMD. */
export function newKernelSimdScan(): SimdBlockScan | null {
  const anchors = [...SIMD_NEEDLE_ANCHORS, ...SIMD_JSON_ANCHORS];
  return SimdBlockScan.create({ anchors, lineStart: SIMD_LINE_START, alt: [...anchors, ...SIMD_KEY_ANCHORS] });
}

/** The first byte after blanks, tabs and `>` quote markers: what follows decides. */
export function bodyStart(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === 32 || buf[i] === 9 || buf[i] === 62)) i++;
  return i;
}

/**
 * The stateless part of the prefilter: SCAN_SEND when wants() accepts the line whatever the state,
 * SCAN_IGNORE when it rejects it whatever the state, SCAN_VERIFY for a journal JSON line without a
 * needle (wants() then depends on the boot ids seen so far: jsonBootChanged). `i` is bodyStart().
 */
export function staticVerdict(buf: Buffer, start: number, end: number, i: number, s: KernelScan): ScanVerdict {
  if (i === end) return SCAN_IGNORE;
  // a SIMD-scanned line without any anchor or NUL: no needle can answer yes (the usual journal line)
  if (s.simd !== null && s.simd.holds(buf) && s.simd.quiet(start, end)) {
    if (buf[i] === 45 && buf[i + 1] === 45 && i + 1 < end) return SCAN_SEND;
    return buf[i] === 123 ? SCAN_VERIFY : SCAN_IGNORE;
  }
  // NUL runs must reach the driver, which counts a NUL-only line as one malformed binary region
  if (s.nul.has(buf, start, end)) return SCAN_SEND;
  // journal markers: `-- Reboot --`, `-- Boot <id> --`, `-- Logs begin at ... --`
  if (buf[i] === 45 && buf[i + 1] === 45 && i + 1 < end) return SCAN_SEND;
  for (const n of s.needles) if (n.has(buf, start, end)) return SCAN_SEND;
  if (buf[i] !== 123 /* { */) return SCAN_IGNORE;
  if (s.jsonNeedles[0]!.has(buf, start, end)) return SCAN_SEND;
  // `\u` escapes may hide a needle: only in a MESSAGE that, decoded, shows one (else as a line without needle)
  if (s.jsonNeedles[1]!.has(buf, start, end) && !escapesOnlyInPlainMessage(buf, i, end, true)) return SCAN_SEND;
  return SCAN_VERIFY;
}

/**
 * True when the JSON line [i, end) has exactly one `"MESSAGE"` key with a string value, every `\u` of
 * the line lies in that value, and the value, decoded, holds no kernel-log needle. Then the escapes hide
 * nothing: the key names and the other values are plain bytes, already searched, and the message is all
 * a matcher reads (the parser's line() draws the same conclusion from the text: kernel-log.ts
 * textWanted). Anything else (a second MESSAGE, an escape outside it, an undecodable value) is false.
 */
export function escapesOnlyInPlainMessage(buf: Buffer, i: number, end: number, quiet = false): boolean {
  const k = indexIn(buf, MESSAGE_KEY, i, end);
  if (k < 0 || indexIn(buf, MESSAGE_KEY, k + 1, end) !== -1) return false;
  let j = k + MESSAGE_KEY.length;
  while (j < end && buf[j] === 32) j++;
  if (buf[j] !== 58 /* : */) return false;
  j++;
  while (j < end && buf[j] === 32) j++;
  if (j >= end || buf[j] !== 34 /* " */) return false;
  const vs = j;
  let ve = -1;
  for (let q = vs + 1; q < end; q++) {
    const c = buf[q];
    if (c === 92 /* \ */) { q++; continue; }
    if (c === 34) { ve = q; break; }
  }
  if (ve < 0) return false;
  // every `\u` of the line inside the value: the first and the last one (searched without a view per call)
  const first = indexIn(buf, ESCAPE_U, i, end);
  if (first !== -1 && (first < vs || lastIndexIn(buf, ESCAPE_U, i, end) > ve)) return false;
  if (quiet && escapesShowNoNeedle(buf, vs + 1, ve)) return true;
  let message: unknown;
  try {
    message = JSON.parse(buf.toString('utf8', vs, ve + 1));
  } catch {
    return false;
  }
  if (typeof message !== 'string') return false;
  for (const n of KERNEL_LOG_NEEDLES) if (message.includes(n)) return false;
  return true;
}

/** The characters of the needles (all ASCII): a decoded escape that is none of them cannot complete one. */
const NEEDLE_CHARS: ReadonlySet<number> = new Set([...KERNEL_LOG_NEEDLES.join('')].map((ch) => ch.charCodeAt(0)));
const SIMPLE_ESCAPES: ReadonlySet<number> = new Set([...'"\\/bfnrt'].map((ch) => ch.charCodeAt(0)));
const hexDigit = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/**
 * True when the JSON string body buf[a, b) is valid (no raw control character, only JSON's escapes) and
 * every escape in it decodes to a character no needle holds. Then, on a line whose bytes hold no needle
 * (`quiet`), the decoded text holds none either: each escape and each non-ASCII byte sequence decodes to
 * characters outside the needles' ASCII alphabet, so a needle in the decoded text would be a run of
 * literal bytes, already searched. The same answer as `JSON.parse` and `includes` (round 12: that parse
 * was most of the cost of the journal's ~60,000 lines with `\u` escapes; tested against it).
 */
function escapesShowNoNeedle(buf: Buffer, a: number, b: number): boolean {
  for (let q = a; q < b; q++) {
    const c = buf[q]!;
    if (c < 0x20) return false;
    if (c !== 92 /* \ */) continue;
    const d = buf[q + 1]!;
    if (SIMPLE_ESCAPES.has(d)) {
      q++;
      continue;
    }
    if (d !== 117 /* u */ || q + 5 >= b) return false;
    const h0 = hexDigit(buf[q + 2]!), h1 = hexDigit(buf[q + 3]!), h2 = hexDigit(buf[q + 4]!), h3 = hexDigit(buf[q + 5]!);
    if (h0 < 0 || h1 < 0 || h2 < 0 || h3 < 0) return false;
    if (NEEDLE_CHARS.has(h0 * 4096 + h1 * 256 + h2 * 16 + h3)) return false;
    q += 5;
  }
  return true;
}

const MESSAGE_KEY = Buffer.from('"MESSAGE"');
const ESCAPE_U = Buffer.from('\\u');

/**
 * The first position of `needle` wholly inside buf[from, end), or -1. Searched in `buf` itself (no view
 * made per call: round 12), so the search may run past `end` to the next occurrence: for the keys and
 * escapes asked here that is at most a line or two of a journal export.
 */
function indexIn(buf: Buffer, needle: Buffer, from: number, end: number): number {
  if (from >= end) return -1;
  const p = buf.indexOf(needle, from);
  return p !== -1 && p + needle.length <= end ? p : -1;
}

/** The last position of `needle` wholly inside buf[from, end), or -1 (searched backwards from `end`). */
function lastIndexIn(buf: Buffer, needle: Buffer, from: number, end: number): number {
  if (end - needle.length < from) return -1;
  const p = buf.lastIndexOf(needle, end - needle.length);
  return p >= from ? p : -1;
}

/**
 * Every line wants() accepts holds a NUL or a needle's anchor (found here: the nearest of them is where
 * the next wanted line can be; the lines before it are counted as ignored in bulk), or starts with `--`
 * or `{` after blanks and `>` (found by {@link startMayMatter} as the splitter passes each line start:
 * cheaper than two more indexOf passes, ~0.15 s/GB).
 */
export function nearestCandidate(buf: Buffer, from: number, s: KernelScan): number {
  let c = s.nul.nextAt(buf, from);
  let k: number;
  for (const n of s.needles) {
    k = n.nextAt(buf, from);
    if (k !== -1 && (c === -1 || k < c)) c = k;
  }
  return c;
}

/** A line whose first byte after blanks, tabs and `>` is `-` or `{` (a superset of journal markers and JSON lines). */
export function startMayMatter(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && (buf[i] === 32 || buf[i] === 9 || buf[i] === 62)) i++;
  return i < end && (buf[i] === 45 || buf[i] === 123);
}

/**
 * The prefilter as a worker of a parallel scan runs it (ingest/parallel-scan.ts): stateless verdicts,
 * plus, for journal JSON lines, the (host, boot id) bytes of the last such line of the range. A JSON
 * line without a needle whose pair equals that of the previous JSON line (no line sent in between) is
 * ignored: once the main thread has parsed the first of them, wants() answers the same on all of them
 * (it checks that it rejects it: SCAN_VERIFY). A line without `_BOOT_ID` is ignored whatever the state.
 * `useSimd` false: the indexOf scanners only (tests compare the verdicts of both).
 */
export function newKernelRangeClassifier(useSimd = true): RangeClassifier {
  const simd = useSimd ? newKernelSimdScan() : null;
  const scan = newScan(simd);
  let known: KnownIds | null = null;
  // the boot and host value ranges of the line being classified
  const b = new Int32Array(2);
  const h = new Int32Array(2);
  const simdHooks: Partial<RangeClassifier> = simd === null ? {} : simdClassifierHooks(simd, scan, () => known);
  /** The line's boot id (already read into `b`) and host are those of `k`, as jsonBootChanged compares them. */
  const sameIds = (k: KnownIds, buf: Buffer, i: number, end: number): boolean =>
    equalBytes(k.boot, buf, b[0]!, b[1]!) && hostIs(k.host, buf, i, end, scan, h);
  return {
    reset() {
      known = null;
    },
    nextCandidate: (buf, from) => nearestCandidate(buf, from, scan),
    candidateStart: startMayMatter,
    ...simdHooks,
    classify(buf, start, end) {
      const i = bodyStart(buf, start, end);
      const v = staticVerdict(buf, start, end, i, scan);
      if (v === SCAN_SEND) {
        // the main thread's boot state (what jsonBootChanged reads) changes on a sent line unless it is a
        // JSON line that records no new ids (jsonLine): without a boot id, or with the known boot and host.
        // Then the promise of the last SCAN_VERIFY line still holds, and the run after it goes on (round 12:
        // the line after each journal drop line was sent as SCAN_VERIFY before).
        if (known !== null && !(buf[i] === 123 /* { */ && (!rawJsonRangeInto(buf, i, end, scan.bootKey, b) || sameIds(known, buf, i, end)))) known = null;
        return v;
      }
      if (v !== SCAN_VERIFY) return v;
      if (!rawJsonRangeInto(buf, i, end, scan.bootKey, b)) return SCAN_IGNORE; // jsonBootChanged() is false without a boot id
      if (known !== null && sameIds(known, buf, i, end)) return SCAN_IGNORE;
      const hasHost = rawJsonRangeInto(buf, i, end, scan.hostKey, h);
      known = { host: hasHost ? Buffer.from(buf.subarray(h[0]!, h[1]!)) : null, boot: Buffer.from(buf.subarray(b[0]!, b[1]!)) };
      return SCAN_VERIFY;
    },
  };
}

/**
 * Is the host of the JSON line [i, end) `host` (null: the line has none), as jsonBootChanged reads it?
 * `r` receives the host value's range when there is one.
 */
function hostIs(host: Buffer | null, buf: Buffer, i: number, end: number, scan: KernelScan, r: Int32Array): boolean {
  if (!rawJsonRangeInto(buf, i, end, scan.hostKey, r)) return host === null;
  return host !== null && equalBytes(host, buf, r[0]!, r[1]!);
}

/** The (host, boot id) bytes of the last journal JSON line a range classifier sent as SCAN_VERIFY. */
interface KnownIds {
  readonly host: Buffer | null;
  readonly boot: Buffer;
}

/**
 * With a SIMD block scan, the range scan reads into the scan's block and scans each read once; the next
 * candidate then also counts line starts that may matter (a newline followed by a blank, `>`, `-` or
 * `{`), so that the lines before it can be counted in bulk by the SIMD newline count instead of walked:
 * none of them is wanted by startMayMatter (the first one is checked here), and none is too long (the
 * longest newline-free run the count met says so; else the lines are walked as before).
 *
 * In a JSON block (a journal export: every line starts with `{`), the next candidate is the first line
 * that is not a run of "same ids" lines ({@link JsonRunSkip}); the run is then counted in bulk.
 */
function simdClassifierHooks(simd: SimdBlockScan, scan: KernelScan, known: () => KnownIds | null): Partial<RangeClassifier> {
  const starts = new EventNeedle(simd, EV_LINE_START, 10, 0, NO_NEEDLE);
  const run = new JsonRunSkip(simd, scan);
  return {
    readBlock: simd.block,
    blockRead: (n) => simd.scan(n, isJsonBlock(simd.block, n)),
    nextCandidate(buf, from) {
      if (!simd.holds(buf)) return nearestCandidate(buf, from, scan);
      if (simd.altMode) {
        const k = known();
        const c = k === null ? from : run.skip(buf, from, k);
        return c < buf.length ? c : -1;
      }
      // every anchor (the JSON ones too: an earlier candidate is only a line more to classify) and NUL
      let c = simd.nextOther(from);
      if (c >= buf.length) c = -1;
      const l = starts.nextAt(buf, from);
      return l !== -1 && (c === -1 || l < c) ? l : c;
    },
    bulk(buf, pos, last, maxLineBytes) {
      if (!simd.holds(buf)) return -1;
      if (simd.altMode) return run.linesIn(buf, pos, last + 1, maxLineBytes);
      if (startMayMatter(buf, pos, last + 1)) return -1;
      const lines = simd.countNewlines(pos, last + 1);
      // a line over the cap is a newline-free stretch of more than maxLineBytes: a run of at least maxLineBytes - 126
      if (last + 1 - pos > maxLineBytes && simd.longestRun >= maxLineBytes - 128) return -1;
      return lines;
    },
  };
}

/**
 * The JSON run skip of a range classifier (issue 7, journal exports). After a SCAN_VERIFY line, classify()
 * ignores every later JSON line without needle whose host and boot id are those of that line (`known`)
 * or that has no boot id, until a line is sent. `skip` walks such lines from a line start with the same
 * tests classify() makes (the line starts with `{`, is quiet, and its first `BOOT_ID"` / `HOSTNAME"` keys
 * give known's values): the usual `"_BOOT_ID":"<id>"` at the first BOOT event is compared as whole words
 * with a template, anything else is read by the scan's key finders and rawJsonRangeInto as classify()
 * reads it; `linesIn` then lets the splitter count the walked lines at once.
 * Lines that start otherwise (blanks, `-`), hold an event, or whose ids differ end the run and are
 * classified as before; so the verdicts are classify()'s (test/ingest/parallel-scan.test.ts compares
 * them with a per-line prefilter on JSON-heavy logs with decoy keys).
 */
class JsonRunSkip {
  /** The first BOOT / HOST event at or after a position (forward cursors into the scan's event lists). */
  private readonly bootAt: EventNeedle;
  private readonly hostAt: EventNeedle;
  /** The last walked run: [from, to) of `buf`, its lines and its longest line (bytes, CR excluded). */
  private buf: Buffer | null = null;
  private gen = -1;
  private from = -1;
  private to = -1;
  private lines = 0;
  private longest = 0;
  private readonly range = new Int32Array(2);
  /** The ids the templates were made for, and the templates: `BOOT_ID":"<boot>"`, `HOSTNAME":"<host>"` (bytes, and as int32 words). */
  private known: KnownIds | null = null;
  private bootT: Buffer = Buffer.alloc(0);
  private bootW: Int32Array = new Int32Array(0);
  private hostT: Buffer = Buffer.alloc(0);
  private hostW: Int32Array = new Int32Array(0);
  private readonly view: DataView;

  constructor(private readonly simd: SimdBlockScan, private readonly scan: KernelScan) {
    this.bootAt = new EventNeedle(simd, simd.kindOfAnchor(SIMD_KEY_ANCHORS[0]!), BOOT_KEY.toString(), 0, NO_NEEDLE);
    this.hostAt = new EventNeedle(simd, simd.kindOfAnchor(SIMD_KEY_ANCHORS[1]!), HOST_KEY.toString(), 0, NO_NEEDLE);
    this.view = new DataView(simd.block.buffer, simd.block.byteOffset, simd.block.length);
  }

  /** The first line start at or after `from` (a line start) that ends the run of lines classify() would ignore given `known`. */
  skip(buf: Buffer, from: number, known: KnownIds): number {
    const simd = this.simd;
    const n = buf.length;
    let s = from;
    let lines = 0;
    let longest = 0;
    while (s < n && buf[s] === 123 /* { */) {
      const nl = buf.indexOf(10, s);
      if (nl === -1) break;
      let end = nl;
      if (buf[end - 1] === 13) end--;
      if (!simd.quiet(s, end) || !this.sameIds(buf, s, end, known)) break;
      lines++;
      if (end - s > longest) longest = end - s;
      s = nl + 1;
    }
    this.buf = buf;
    this.gen = simd.generation;
    this.from = from;
    this.to = s;
    this.lines = lines;
    this.longest = longest;
    return s;
  }

  /** The lines of [pos, to) when that is exactly the last walked run of `buf` and none is over maxLineBytes; else -1. */
  linesIn(buf: Buffer, pos: number, to: number, maxLineBytes: number): number {
    if (buf !== this.buf || this.gen !== this.simd.generation || pos !== this.from || to !== this.to || this.longest > maxLineBytes) return -1;
    return this.lines;
  }

  /** Would classify() ignore the quiet JSON line [s, end) (bodyStart s) given `known`? */
  private sameIds(buf: Buffer, s: number, end: number, known: KnownIds): boolean {
    if (known !== this.known) this.learn(known);
    const r = this.range;
    // the usual line: `"_BOOT_ID":"<known boot>"` at the first BOOT event (then the key finder and rawJsonRangeInto
    // would find that key and that value); anything else is read the general way
    if (!this.templateAt(buf, this.bootAt.nextAt(buf, s), s, end, this.bootT, this.bootW)) {
      if (!rawJsonRangeInto(buf, s, end, this.scan.bootKey, r)) return true; // no boot id: ignored
      if (!equalBytes(known.boot, buf, r[0]!, r[1]!)) return false;
    }
    if (known.host !== null && this.templateAt(buf, this.hostAt.nextAt(buf, s), s, end, this.hostT, this.hostW)) return true;
    return hostIs(known.host, buf, s, end, this.scan, r);
  }

  private learn(known: KnownIds): void {
    this.known = known;
    this.bootT = Buffer.concat([BOOT_KEY, COLON_QUOTE, known.boot, QUOTE]);
    this.bootW = words(this.bootT);
    this.hostT = known.host === null ? Buffer.alloc(0) : Buffer.concat([HOST_KEY, COLON_QUOTE, known.host, QUOTE]);
    this.hostW = words(this.hostT);
  }

  /**
   * Is the key event at `a` (-1: none) a whole `"_<key>":"<value>"` of the line [s, end), `<key>":"<value>"`
   * being the template t (compared as its whole words `w`, then its last bytes)?
   */
  private templateAt(buf: Buffer, a: number, s: number, end: number, t: Buffer, w: Int32Array): boolean {
    if (a < s + 2 || buf[a - 1] !== 95 /* _ */ || buf[a - 2] !== 34 /* " */) return false;
    const len = t.length;
    if (a + len > end) return false;
    const v = this.view;
    const nw = w.length;
    for (let k = 0; k < nw; k++) if (v.getInt32(a + 4 * k, true) !== w[k]) return false;
    for (let k = 4 * nw; k < len; k++) if (v.getUint8(a + k) !== t[k]) return false;
    return true;
  }
}

/** The whole little-endian int32 words of `t`. */
function words(t: Buffer): Int32Array {
  const w = new Int32Array(t.length >> 2);
  for (let k = 0; k < w.length; k++) w[k] = t.readInt32LE(4 * k);
  return w;
}

const COLON_QUOTE = Buffer.from(':"');
const QUOTE = Buffer.from('"');
const BOOT_KEY = Buffer.from('BOOT_ID"');
const HOST_KEY = Buffer.from('HOSTNAME"');

/**
 * Is the block [0, n) a journal JSON export's (the line after its first newline starts with `{`)? Then it
 * is scanned with the JSON tables (simdClassifierHooks). Either table set gives the same verdicts; this
 * only picks the faster one.
 */
function isJsonBlock(block: Buffer, n: number): boolean {
  const nl = block.subarray(0, n).indexOf(10);
  return nl !== -1 && nl + 1 < n && block[nl + 1] === 123;
}
