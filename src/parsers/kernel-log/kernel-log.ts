/**
 * The kernel-log parser: dmesg (raw, -T, iso, unstamped), kern.log / messages / syslog (with or without
 * `[uptime]`, RFC 3339), OpenWrt logread, journalctl (short, -precise, -iso, -monotonic, -full, -unix,
 * json). Every line is framed on its own, so framings may be mixed in one file. Literal sample:
 *
 *   Mar  1 09:41:21 ip-172-31-3-170 kernel: [12449650.185260] nf_conntrack: table full, dropping packet
 *   Mar  1 09:41:26 ip-172-31-3-170 kernel: [12449655.206163] net_ratelimit: 466 callbacks suppressed
 *   -- Reboot --
 *   [ 1465.133062] nf_conntrack: nf_conntrack: table full, dropping packet
 *
 * Records: KernelEvent (drop, suppressed, expectation-full, vmalloc-fallback, syn-flood, conntrack-boot,
 * kernel-version, kube-proxy-sysctl, reboot). A 'reboot' is emitted for `-- Reboot --` / `-- Boot <id> --`,
 * when a monotonic stamp of one host falls by more than 1 s, and when a journal _BOOT_ID of one host
 * changes; the analysis splits bursts on them in stream order.
 * Everything else, and paste noise (prompts, commands, journal banners, wrapped tails), is 'skip'.
 */
import type { KernelEvent, KernelFraming } from '../../model/records.js';
import type { LineParser, LineResult, ParseContext } from '../line-parser.js';
import { SCAN_SEND, SCAN_VERIFY } from '../../ingest/parallel-scan.js';
import { bodyStart, JSON_NEEDLES, KERNEL_LOG_NEEDLES, nearestCandidate, newKernelRangeClassifier, newScan, startMayMatter, staticVerdict, type KernelScan } from './prefilter.js';
import { datingAssumptions, initDating, resolveWall, type DatingState } from './dating.js';
import { parseFrame, stripNoise, stripPrompt, type Frame } from './framing.js';
import { matchKernelMessage, matchKubeProxy, mentionsDrop, type MessageMatch, type MessageResult } from './messages.js';
import { equalBytes, microsToNumber, parseJournalEntry, rawJsonRange, rawJsonString } from './journal-json.js';

export { KERNEL_LOG_NEEDLES } from './prefilter.js';

/** Hosts remembered for boot tracking; beyond this the maps are cleared (memory stays bounded). */
const MAX_TRACKED_HOSTS = 4096;
/** A monotonic stamp falling by more than this (s) within one host means a new boot. */
const REBOOT_FALL_SEC = 1;

/** Parser state: prefilter scanners, boot tracking, dating and framing tallies. Internal to this kind. */
export interface KernelLogState extends KernelScan {
  readonly ctx: ParseContext;
  /** Last (host, boot) byte pair the prefilter confirmed as unchanged: later equal lines cost no decoding. */
  bootCache: { host: Buffer | null; boot: Buffer } | null;
  /** Journal _BOOT_ID per host ('' for none). */
  readonly bootByHost: Map<string, string>;
  /** Last monotonic stamp per host ('' for none). */
  readonly uptimeByHost: Map<string, number>;
  /** A reboot found on a line that could not give records: emitted before the next records. */
  pendingReboot: KernelEvent | null;
  journalSeen: boolean;
  lastWallMs: number | null;
  lastHost: string | null;
  lastFraming: KernelFraming | null;
  /** Parsed lines per framing, in first-seen order. */
  readonly framings: Map<KernelFraming, number>;
  readonly dating: DatingState;
}

function initState(ctx: ParseContext): KernelLogState {
  return {
    ctx,
    ...newScan(),
    bootCache: null,
    bootByHost: new Map(),
    uptimeByHost: new Map(),
    pendingReboot: null,
    journalSeen: false,
    lastWallMs: null,
    lastHost: null,
    lastFraming: null,
    framings: new Map(),
    dating: initDating(ctx),
  };
}

/** Does the text hold a kernel-log needle (what every line a matcher accepts holds)? */
function hasKernelNeedle(t: string): boolean {
  for (const n of KERNEL_LOG_NEEDLES) if (t.includes(n)) return true;
  return false;
}

/**
 * String twin of the byte prefilter (for JSON lines, whose relevance line() re-checks), minus the lines
 * that are wanted only for `\u` escapes and whose escapes all sit in a MESSAGE that, decoded, holds no
 * needle ({@link escapesOnlyInPlainMessage}): JSON.parse of the whole line would find nothing in them
 * (a matcher only accepts text holding a needle), and 3 % of a journal export is such lines.
 */
function textWanted(t: string): boolean {
  if (hasKernelNeedle(t)) return true;
  if (t.includes(JSON_NEEDLES[0]!)) return true;  // a MESSAGE given as a byte array
  if (!t.includes(JSON_NEEDLES[1]!)) return false;
  return !escapesOnlyInPlainMessage(t);
}

/**
 * True when the line has exactly one `"MESSAGE"` key with a string value, every `\u` of the line lies in
 * that value, and the value, decoded, holds no kernel-log needle. Then the line cannot give a record: the
 * key names and the other values are plain text already searched, and the message is all a matcher
 * reads. Anything else (a second MESSAGE, an escape outside it, an undecodable value) is false: the
 * whole line is parsed as before.
 */
function escapesOnlyInPlainMessage(t: string): boolean {
  const k = t.indexOf('"MESSAGE"');
  if (k < 0 || t.indexOf('"MESSAGE"', k + 1) !== -1) return false;
  let i = k + 9;
  while (t.charCodeAt(i) === 32) i++;
  if (t.charCodeAt(i) !== 58 /* : */) return false;
  i++;
  while (t.charCodeAt(i) === 32) i++;
  if (t.charCodeAt(i) !== 34 /* " */) return false;
  const vs = i;
  let ve = -1;
  for (let j = vs + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 92 /* \ */) { j++; continue; }
    if (c === 34) { ve = j; break; }
  }
  if (ve < 0) return false;
  for (let u = t.indexOf('\\u'); u !== -1; u = t.indexOf('\\u', u + 1)) if (u < vs || u > ve) return false;
  let message: unknown;
  try {
    message = JSON.parse(t.slice(vs, ve + 1));
  } catch {
    return false;
  }
  return typeof message === 'string' && !hasKernelNeedle(message);
}

function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (m.size >= MAX_TRACKED_HOSTS && !m.has(k)) m.clear();
  m.set(k, v);
}

/** Prefilter for a JSON line: true when its (host, _BOOT_ID) differs from the boot known for that host. */
function jsonBootChanged(buf: Buffer, start: number, end: number, s: KernelLogState): boolean {
  const b = rawJsonRange(buf, start, end, s.bootKey);
  if (b === null) return false;
  const h = rawJsonRange(buf, start, end, s.hostKey);
  const c = s.bootCache;
  if (c !== null && equalBytes(c.boot, buf, b[0], b[1])
    && (h === null ? c.host === null : c.host !== null && equalBytes(c.host, buf, h[0], h[1]))) return false;
  const boot = buf.toString('utf8', b[0], b[1]);
  const host = h === null ? '' : buf.toString('utf8', h[0], h[1]);
  if (s.bootByHost.get(host) !== boot) return true; // new host or new boot: line() records it
  s.bootCache = { host: h === null ? null : Buffer.from(buf.subarray(h[0], h[1])), boot: Buffer.from(buf.subarray(b[0], b[1])) };
  return false;
}

function countFraming(s: KernelLogState, f: KernelFraming): void {
  s.framings.set(f, (s.framings.get(f) ?? 0) + 1);
  s.lastFraming = f;
}

interface Stamp {
  readonly framing: KernelFraming;
  readonly tsMs: number | null;
  readonly uptimeSec: number | null;
  readonly host: string | null;
  readonly bootId?: string | null;
}

function event(type: KernelEvent['type'], m: MessageMatch | null, st: Stamp, text: string, s: KernelLogState, lineNo: number): KernelEvent {
  const e: { -readonly [K in keyof KernelEvent]: KernelEvent[K] } = {
    kind: 'kernel-event', type, framing: st.framing, tsMs: st.tsMs, uptimeSec: st.uptimeSec, host: st.host,
    text, src: { sourceId: s.ctx.sourceId, lineNo },
  };
  if (st.bootId !== undefined) e.bootId = st.bootId;
  if (m !== null) {
    if (m.type === 'drop') e.netns = m.netns ?? null;
    if (m.count !== undefined) e.count = m.count;
    if (m.limiter !== undefined) e.limiter = m.limiter;
    if (m.settings !== undefined) e.settings = m.settings;
    if (m.release !== undefined) e.release = m.release;
  }
  return e;
}

function isIssue(r: MessageResult): r is { readonly malformed: 'truncated' | 'unparsed' | 'bad-number' } {
  return r !== null && Object.hasOwn(r, 'malformed');
}

function finish(out: KernelEvent[], s: KernelLogState): LineResult<KernelEvent> {
  if (s.pendingReboot !== null) {
    out.unshift(s.pendingReboot);
    s.pendingReboot = null;
  }
  return out.length === 1 ? (out[0] as KernelEvent) : out;
}

/** `-- Reboot --`, `-- Boot <id> --`, `-- Logs begin at ... --`, `-- No entries --`. */
function journalMarker(t: string, lineNo: number, s: KernelLogState): LineResult<KernelEvent> {
  const reboot = t.startsWith('-- Reboot --');
  const boot = !reboot && t.startsWith('-- Boot ') && t.endsWith(' --');
  if (!reboot && !boot) {
    if (t.startsWith('-- Logs begin at') || t.startsWith('-- Journal begins at') || t.startsWith('-- No entries')) s.journalSeen = true;
    return 'skip';
  }
  s.journalSeen = true;
  s.uptimeByHost.clear();
  // the marker names no time: the last wall time seen stands for it
  const st: Stamp = { framing: s.lastFraming ?? 'journal-short', tsMs: s.lastWallMs, uptimeSec: null, host: s.lastHost };
  const withBoot = boot ? { ...st, bootId: t.slice(8, -3).trim() || null } : st;
  s.pendingReboot = null; // superseded by the marker
  return event('reboot', null, withBoot, t, s, lineNo);
}

function jsonLine(t: string, lineNo: number, s: KernelLogState): LineResult<KernelEvent> {
  const boot = rawJsonString(t, '"_BOOT_ID"');
  let bootChanged = false;
  if (boot !== null) {
    const host = rawJsonString(t, '"_HOSTNAME"') ?? '';
    const prev = s.bootByHost.get(host);
    if (prev !== boot) {
      bootChanged = prev !== undefined;
      remember(s.bootByHost, host, boot);
      s.bootCache = null;
    }
  }
  if (!bootChanged && !textWanted(t)) return 'skip';
  const j = parseJournalEntry(t);
  if (j === null) {
    if (bootChanged) {
      const st: Stamp = { framing: 'journal-json', tsMs: null, uptimeSec: null, host: rawJsonString(t, '"_HOSTNAME"'), bootId: boot };
      s.pendingReboot = event('reboot', null, st, '', s, lineNo);
    }
    return t.includes('conntrack') ? { malformed: 'bad-json' } : 'skip';
  }
  const message = j.message === null ? '' : stripNoise(j.message);
  let m: MessageResult = null;
  if (j.message !== null) m = j.isKernel ? (matchKernelMessage(message) ?? matchKubeProxy(message)) : matchKubeProxy(message);
  if (m === null && !bootChanged) return 'skip';
  const real = j.realtime === undefined ? null : microsToNumber(j.realtime);
  const mono = j.monotonic === undefined ? null : microsToNumber(j.monotonic);
  const st: Stamp = {
    framing: 'journal-json', tsMs: real === null ? null : real / 1000, uptimeSec: mono === null ? null : mono / 1e6,
    host: j.host, bootId: j.bootId,
  };
  const reboot = bootChanged ? event('reboot', null, st, message, s, lineNo) : null;
  let issue: LineResult<KernelEvent> | null = null;
  if (isIssue(m)) issue = m;
  else if (m !== null && j.realtime !== undefined && real === null) issue = { malformed: 'bad-timestamp' };
  if (issue !== null) {
    // the line is malformed, but the boot change is real: emit it before the next records
    if (reboot !== null) s.pendingReboot = reboot;
    return issue;
  }
  const out: KernelEvent[] = [];
  if (reboot !== null) out.push(reboot);
  if (m !== null && !isIssue(m)) out.push(event(m.type, m, st, message, s, lineNo));
  if (st.tsMs !== null) s.lastWallMs = st.tsMs;
  s.lastHost = st.host;
  countFraming(s, 'journal-json');
  return finish(out, s);
}

function framedLine(f: Frame, prompted: boolean, lineNo: number, s: KernelLogState): LineResult<KernelEvent> {
  const body = f.body;
  let m: MessageResult;
  if (f.source === 'other') m = matchKubeProxy(body);
  else m = matchKernelMessage(body) ?? matchKubeProxy(body);
  if (m === null) {
    // A drop message behind a prefix we do not know: relevant but unreadable. After a prompt it is a
    // command the user typed (`dmesg | grep "table full, dropping packet"`), not a log line.
    if (!prompted && f.source === 'kernel' && mentionsDrop(body)) return { malformed: 'unparsed' };
    return 'skip';
  }
  if (isIssue(m)) return m;
  let tsMs: number | null = null;
  if (f.wall !== null) {
    tsMs = resolveWall(f.wall, f.framing, s.ctx, s.dating, lineNo);
    if (tsMs === null) return { malformed: 'bad-timestamp' };
  }
  const st: Stamp = { framing: f.framing, tsMs, uptimeSec: f.uptimeSec, host: f.host };
  const text = body;
  const out: KernelEvent[] = [];
  if (f.uptimeSec !== null) {
    const key = f.host ?? '';
    const prev = s.uptimeByHost.get(key);
    if (prev !== undefined && f.uptimeSec < prev - REBOOT_FALL_SEC) out.push(event('reboot', null, st, text, s, lineNo));
    remember(s.uptimeByHost, key, f.uptimeSec);
  }
  out.push(event(m.type, m, st, text, s, lineNo));
  if (tsMs !== null) s.lastWallMs = tsMs;
  s.lastHost = f.host;
  countFraming(s, f.framing);
  return finish(out, s);
}

/** The kernel-log LineParser (streaming, single pass; state only through KernelLogState). */
export const kernelLogParser: LineParser<KernelEvent, KernelLogState> = {
  kind: 'kernel-log',

  init: initState,

  wants(buf, start, end, s) {
    const i = bodyStart(buf, start, end);
    const v = staticVerdict(buf, start, end, i, s);
    return v === SCAN_VERIFY ? jsonBootChanged(buf, i, end, s) : v === SCAN_SEND;
  },

  nextCandidate: (buf, from, s) => nearestCandidate(buf, from, s),

  candidateStart: (buf, start, end) => startMayMatter(buf, start, end),

  rangeScan: { module: { url: new URL('./prefilter.js', import.meta.url).href, factory: 'newKernelRangeClassifier' }, make: () => newKernelRangeClassifier() },

  line(text, lineNo, s) {
    let t = stripNoise(text);
    if (t === '') return 'skip';
    if (t.startsWith('-- ')) return journalMarker(t, lineNo, s);
    if (t.charCodeAt(0) === 123 /* { */) return jsonLine(t, lineNo, s);
    let prompted = false;
    const afterPrompt = stripPrompt(t);
    if (afterPrompt !== null) {
      if (afterPrompt === '') return 'skip';
      t = afterPrompt;
      prompted = true;
    }
    return framedLine(parseFrame(t, s.journalSeen), prompted, lineNo, s);
  },

  end(s) {
    const p = s.pendingReboot;
    s.pendingReboot = null;
    return p === null ? [] : [p];
  },

  format(s) {
    let best: KernelFraming | null = null;
    let n = 0;
    for (const [f, c] of s.framings) {
      if (c > n) { best = f; n = c; }
    }
    return best;
  },

  assumptions(s) {
    return datingAssumptions(s.ctx, s.dating);
  },
};
