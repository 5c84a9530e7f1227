/**
 * Kernel log line framings: everything in front of the kernel's message (FORMATS.md section 1), and the
 * paste noise around it. Pure functions of one line: no state, no time-zone or year decisions (those
 * belong to dating.ts, and happen only for lines whose message matters).
 *
 * Literal samples, one per framing:
 *   [ 1465.133062] nf_conntrack: table full, dropping packet                                 dmesg raw
 *   [Tue Nov 20 22:30:22 2018] nf_conntrack: table full, dropping packet                     dmesg -T
 *   2023-12-22T12:26:24,559615-08:00 nf_conntrack: table full, dropping packet               dmesg --time-format iso
 *   nf_conntrack: table full, dropping packet.                                               no stamp
 *   Jul  4 03:47:16 host kernel: [1694413.621694] nf_conntrack: table full, dropping packet  syslog
 *   2024-05-13T10:00:00.123456+00:00 host kernel: nf_conntrack: table full, dropping packet  RFC 3339 syslog
 *   Sat Sep  9 16:28:18 2017 kern.warn kernel: [65503.710000] nf_conntrack: table full, ... OpenWrt logread
 *   Jun 08 07:47:20 host kernel: ... / Jun 08 07:47:20.223052 host kernel: ...               journalctl short(-precise)
 *   2020-06-08T07:47:20-0400 host kernel: ...                                                journalctl short-iso
 *   [    2.091107] host kernel: ...                                                          journalctl short-monotonic
 *   Mon 2020-06-08 07:47:20 EDT host kernel: ...                                             journalctl short-full
 *   1591616840.232123 host kernel: ...                                                       journalctl short-unix
 * Noise: `> > ` quote markers, indentation, `"` quotes, shell prompts (`bash-5.1# [   45.8] ...`),
 * RHEL 6 `kernel: : [..]`, printk levels `<4>`, `dmesg -x` prefixes `kern  :warn  : `.
 */
import type { KernelFraming } from '../../model/records.js';
import { monthIndex } from '../../util/time.js';

/** A wall stamp as printed: calendar fields (validated later) or an exact epoch. */
export type WallStamp =
  | {
    readonly t: 'fields';
    /** null for year-less stamps (syslog, journal short). */
    readonly year: number | null;
    /** 0..11, or -1 for a month name that is not one. */
    readonly month: number;
    readonly day: number;
    readonly hour: number;
    readonly minute: number;
    readonly second: number;
    readonly fracMs: number;
    /** Minutes east of UTC when the stamp carries a numeric offset. */
    readonly offsetMin: number | null;
    /** A zone abbreviation (journal short-full "EDT"), never guessed. */
    readonly zoneName: string | null;
  }
  | { readonly t: 'epoch'; readonly ms: number };

/** How a line is framed, and the message body behind the framing. */
export interface Frame {
  readonly framing: KernelFraming;
  readonly wall: WallStamp | null;
  readonly uptimeSec: number | null;
  readonly host: string | null;
  /** 'kernel': the kernel's own line (or no tag: dmesg); 'other': another program's syslog line. */
  readonly source: 'kernel' | 'other';
  readonly body: string;
}

const QUOTE_CHARS = '"\'`\u201c\u201d\u2018\u2019';

/**
 * Strip paste noise around a line: indentation, repeated `>` quote markers, opening quote characters
 * and trailing blanks. The message itself is left alone (trailing text is tolerated by the matchers).
 */
export function stripNoise(line: string): string {
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i < n && line.charCodeAt(i) === 62 /* > */) { i++; continue; }
    if (i < n && QUOTE_CHARS.includes(line.charAt(i))) { i++; continue; }
    break;
  }
  let e = n;
  while (e > i && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
  return i === 0 && e === n ? line : line.slice(i, e);
}

// Shell prompts seen in pastes. Each is anchored and has no nested quantifiers.
const PROMPTS: readonly RegExp[] = [
  /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+(?::[^\s#$]*)?[#$] ?/, // root@h:/var/log# , user@h:~$
  /^\[[^\]]{1,120}\][#$] ?/,                              // [root@h ~]#
  /^(?:ba|z|k|da|a)?sh-\d+(?:\.\d+)*[#$] ?/,               // bash-5.1# , sh-4.2$
  /^[~/][^\s#$]{0,200} ?[#$] /,                           // ~ # , / #  (busybox)
  /^[#$%] ?/,                                             // # dmesg , $ less /var/log/syslog
];

/** If the line starts with a shell prompt, the text after it (maybe a command, maybe a printk); else null. */
export function stripPrompt(line: string): string | null {
  const c = line.charCodeAt(0);
  // cheap first-character gate: prompts start with a letter/digit, '[', '~', '/', '#', '$' or '%'
  if (!(c === 35 || c === 36 || c === 37 || c === 91 || c === 126 || c === 47 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return null;
  // every prompt but `% ` ends in `#` or `$`: a line with neither has none (most kernel-log lines)
  if (c !== 37 && line.indexOf('#') === -1 && line.indexOf('$') === -1) return null;
  for (const re of PROMPTS) {
    const m = re.exec(line);
    if (m) return line.slice(m[0].length).trimStart();
  }
  return null;
}

const DMESG_RAW = /^\[ *(\d{1,10})\.(\d{1,9})\] ?/;
const DMESG_T = /^\[(\p{L}{2,4}\.?) +(\p{L}{3,5}\.?) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (\d{4})\] ?/u;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:([.,])(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})? ?/;
const EPOCH = /^(\d{9,11})\.(\d{1,9}) /;
const SYSLOG = /^(\p{L}{3,5}\.?) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? +/u;
const OPENWRT = /^\p{L}{2,4}\.? +(\p{L}{3,5}\.?) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (\d{4}) +/u;
const SHORT_FULL = /^\p{L}{2,4}\.? (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([A-Za-z][A-Za-z0-9+:-]{0,9}|[+-]\d{2}:?\d{2}) /u;
const PRINTK_LEVEL = /^<\d{1,3}>/;
const DMESG_X = /^[a-z]{2,8} *:[a-z]{2,7} *: /;
const FACILITY = /^[a-z]{2,8}\.[a-z]{2,8}$/;
const TAG_NAME = /^[A-Za-z_][\w.@/-]{0,63}$/;

function fracToMs(frac: string | undefined): number {
  return frac ? Number(`0.${frac}`) * 1000 : 0;
}

function uptimeOf(int: string, frac: string): number {
  return Number(`${int}.${frac}`);
}

function offsetOf(s: string | undefined): number | null {
  if (s === undefined) return null;
  if (s === 'Z') return 0;
  const sign = s.charCodeAt(0) === 45 ? -1 : 1;
  const digits = s.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = Number(digits.slice(2, 4));
  // an impossible offset makes the stamp invalid: NaN fails validation later
  if (h > 23 || m > 59) return Number.NaN;
  return sign * (h * 60 + m);
}

interface HostTag { readonly host: string | null; readonly tag: string; readonly body: string }

/**
 * Split `host tag[pid]: body`, `tag: body` or `host kern.warn tag: body` (at most three tokens before
 * the tag's colon; `x.y` facility tokens are skipped). null when no token ends with a colon.
 */
function splitHostTag(rest: string): HostTag | null {
  let pos = 0;
  let host: string | null = null;
  for (let k = 0; k < 3; k++) {
    const sp = rest.indexOf(' ', pos);
    const tok = sp < 0 ? rest.slice(pos) : rest.slice(pos, sp);
    if (tok.length > 1 && tok.endsWith(':')) {
      const b = tok.indexOf('[');
      const tag = b > 0 ? tok.slice(0, b) : tok.slice(0, -1);
      return { host, tag, body: sp < 0 ? '' : rest.slice(sp + 1) };
    }
    if (sp < 0 || tok === '') return null;
    if (!FACILITY.test(tok)) {
      if (host !== null) return null; // two host-like tokens: not a syslog line
      host = tok;
    }
    pos = sp + 1;
  }
  return null;
}

function isKubeTag(tag: string): boolean {
  return tag.includes('kube') || tag === 'k3s' || tag === 'k0s';
}

/** After the tag of a kernel line: RHEL 6 `: ` and an optional `[uptime] `. */
function kernelBody(body: string): { body: string; uptimeSec: number | null } {
  let b = body;
  if (b.charCodeAt(0) === 58 /* : */) b = b.slice(1).trimStart();
  const m = DMESG_RAW.exec(b);
  if (m) return { body: b.slice(m[0].length), uptimeSec: uptimeOf(m[1] ?? '0', m[2] ?? '0') };
  return { body: b, uptimeSec: null };
}

function withTag(framing: KernelFraming, wall: WallStamp | null, ht: HostTag, hostOk: boolean): Frame {
  const host = hostOk ? ht.host : null;
  if (ht.tag !== 'kernel') return { framing, wall, uptimeSec: null, host, source: 'other', body: ht.body };
  const kb = kernelBody(ht.body);
  return { framing, wall, uptimeSec: kb.uptimeSec, host, source: 'kernel', body: kb.body };
}

function fields(year: number | null, month: number, day: string, hour: string, minute: string, second: string,
  frac: string | undefined, offsetMin: number | null, zoneName: string | null): WallStamp {
  return {
    t: 'fields', year, month, day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second),
    fracMs: fracToMs(frac), offsetMin, zoneName,
  };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The uptime read by the last {@link uptimeStampEnd} that matched. */
let stampUptime = 0;

/**
 * A `[ *(\d{1,10})\.(\d{1,9})\] ?` stamp at `at` (DMESG_RAW's): where the text after it starts, its uptime in
 * {@link stampUptime}; -1 when there is none. The uptime is `Number` of the stamp's own digits, the same
 * text as `${int}.${frac}`.
 */
function uptimeStampEnd(t: string, at: number): number {
  if (t.charCodeAt(at) !== 91 /* [ */) return -1;
  let k = at + 1;
  while (t.charCodeAt(k) === 32) k++;
  const u0 = k;
  while (isDigit(t.charCodeAt(k))) k++;
  if (k - u0 < 1 || k - u0 > 10 || t.charCodeAt(k) !== 46) return -1;
  const f0 = ++k;
  while (isDigit(t.charCodeAt(k))) k++;
  if (k - f0 < 1 || k - f0 > 9 || t.charCodeAt(k) !== 93 /* ] */) return -1;
  stampUptime = Number(t.slice(u0, k));
  return t.charCodeAt(k + 1) === 32 ? k + 2 : k + 1;
}

/**
 * The usual kern.log line, `Mmm dd hh:mm:ss host kernel: [uptime] body` (no fraction, one space before
 * `kernel:`, a body not starting with `:`), read with plain character tests; null for anything else. When
 * it answers, it is exactly {@link parseFrameByPatterns}'s Frame (the SYSLOG pattern and splitHostTag give
 * the same fields; test/parsers/kernel-log-framing.test.ts compares both on seeded variations): the
 * patterns, slices and objects of that path cost ~4 µs per candidate line on the main thread (round 12).
 */
export function usualSyslogKernel(t: string, journalSeen: boolean): Frame | null {
  // month: three ASCII letters and a blank (parseFrameByPatterns tries a lowercase start as a `dmesg -x`
  // prefix first, which needs a `:` where this needs the blanks and the day: it never matches such a line)
  if (!isAsciiLetter(t.charCodeAt(0)) || !isAsciiLetter(t.charCodeAt(1)) || !isAsciiLetter(t.charCodeAt(2)) || t.charCodeAt(3) !== 32) return null;
  let i = 4;
  while (t.charCodeAt(i) === 32) i++;
  // day: 1-2 digits and one space
  const d0 = i;
  let day = 0;
  while (i - d0 < 2 && isDigit(t.charCodeAt(i))) day = day * 10 + t.charCodeAt(i++) - 48;
  if (i === d0 || t.charCodeAt(i) !== 32) return null;
  const dayLen = i - d0;
  const zeroPadded = dayLen === 2 && t.charCodeAt(d0) === 48;
  i++;
  // hh:mm:ss (hour 1-2 digits), then blanks; a fraction goes the long way
  const h0 = i;
  let hour = 0;
  while (i - h0 < 2 && isDigit(t.charCodeAt(i))) hour = hour * 10 + t.charCodeAt(i++) - 48;
  if (i === h0 || t.charCodeAt(i) !== 58) return null;
  const m1 = t.charCodeAt(i + 1), m2 = t.charCodeAt(i + 2), s1 = t.charCodeAt(i + 4), s2 = t.charCodeAt(i + 5);
  if (!isDigit(m1) || !isDigit(m2) || t.charCodeAt(i + 3) !== 58 || !isDigit(s1) || !isDigit(s2) || t.charCodeAt(i + 6) !== 32) return null;
  i += 7;
  while (t.charCodeAt(i) === 32) i++;
  // host: one token that is neither a tag (`x:`) nor a facility (`kern.warn`), then exactly `kernel: `
  const sp = t.indexOf(' ', i);
  if (sp <= i) return null;
  if (t.charCodeAt(sp - 1) === 58 /* : */) return null;
  const host = t.slice(i, sp);
  if (host.includes('.') && FACILITY.test(host)) return null;
  if (!t.startsWith('kernel: ', sp + 1)) return null;
  let b = sp + 9;
  if (t.charCodeAt(b) === 58) return null; // RHEL 6 `kernel: :`
  // `[ *uptime] ?` exactly as DMESG_RAW: 1-10 digits, a dot, 1-9 digits
  let uptimeSec: number | null = null;
  const after = uptimeStampEnd(t, b);
  if (after !== -1) {
    uptimeSec = stampUptime;
    b = after;
  }
  const wall: WallStamp = {
    t: 'fields', year: null, month: monthIndex(t.slice(0, 3)), day, hour,
    minute: (m1 - 48) * 10 + m2 - 48, second: (s1 - 48) * 10 + s2 - 48, fracMs: 0, offsetMin: null, zoneName: null,
  };
  const framing: KernelFraming = uptimeSec === null && (zeroPadded || journalSeen) ? 'journal-short' : 'syslog';
  return { framing, wall, uptimeSec, host, source: 'kernel', body: t.slice(b) };
}

/**
 * The usual raw dmesg line, `[ uptime] subsystem: body` (the first word after the stamp ends with `:`, so
 * no host can precede a tag), read with plain character tests; null for anything else. When it answers, it
 * is exactly {@link parseFrameByPatterns}'s Frame (test/parsers/kernel-log-framing.test.ts).
 */
export function usualDmesgRaw(t: string): Frame | null {
  const b = uptimeStampEnd(t, 0);
  if (b === -1) return null;
  const uptimeSec = stampUptime;
  // the first word is a tag (`nf_conntrack:`): splitHostTag gives no host, the line stays dmesg-raw
  const sp = t.indexOf(' ', b);
  const e = sp < 0 ? t.length : sp;
  if (e - b < 2 || t.charCodeAt(e - 1) !== 58 /* : */) return null;
  return { framing: 'dmesg-raw', wall: null, uptimeSec, host: null, source: 'kernel', body: t.slice(b) };
}

/**
 * Recognise the framing of one noise-stripped line. `journalSeen` (a journalctl marker was seen in this
 * input) only decides labels that the line alone cannot (`Jun 18 ...` is syslog or journal short).
 */
export function parseFrame(line: string, journalSeen: boolean): Frame {
  return usualSyslogKernel(line, journalSeen) ?? usualDmesgRaw(line) ?? parseFrameByPatterns(line, journalSeen);
}

/** {@link parseFrame} by the patterns alone, for every framing (exported for the test of the fast path). */
export function parseFrameByPatterns(line: string, journalSeen: boolean): Frame {
  let t = line;
  if (t.charCodeAt(0) === 60 /* < */) {
    const m = PRINTK_LEVEL.exec(t);
    if (m) t = t.slice(m[0].length);
  } else if (t.charCodeAt(0) >= 97 && t.charCodeAt(0) <= 122) {
    const m = DMESG_X.exec(t);
    if (m) t = t.slice(m[0].length);
  }
  const c = t.charCodeAt(0);
  if (c === 91 /* [ */) {
    const r = DMESG_RAW.exec(t);
    if (r) {
      const uptimeSec = uptimeOf(r[1] ?? '0', r[2] ?? '0');
      const rest = t.slice(r[0].length);
      const ht = splitHostTag(rest);
      if (ht && ht.host !== null && (ht.tag === 'kernel' || isKubeTag(ht.tag))) {
        const f = withTag('journal-short-monotonic', null, ht, true);
        return { ...f, uptimeSec };
      }
      return { framing: 'dmesg-raw', wall: null, uptimeSec, host: null, source: 'kernel', body: rest };
    }
    const d = DMESG_T.exec(t);
    if (d) {
      const wall = fields(Number(d[7]), monthIndex(d[2] ?? ''), d[3] ?? '', d[4] ?? '', d[5] ?? '', d[6] ?? '', undefined, null, null);
      return { framing: 'dmesg-T', wall, uptimeSec: null, host: null, source: 'kernel', body: t.slice(d[0].length) };
    }
  } else if (c >= 48 && c <= 57) {
    const m = ISO.exec(t);
    if (m) {
      const wall = fields(Number(m[1]), Number(m[2]) - 1, m[3] ?? '', m[4] ?? '', m[5] ?? '', m[6] ?? '', m[8], offsetOf(m[9]), null);
      const rest = t.slice(m[0].length);
      const ht = splitHostTag(rest);
      const isSyslog = ht !== null && ht.host !== null && TAG_NAME.test(ht.tag);
      if (ht && isSyslog && (ht.tag === 'kernel' || isKubeTag(ht.tag) || m[7] !== ',')) {
        // rsyslog writes `.` + 6 digits + `+hh:mm`; journalctl short-iso writes `-0400` (or `+02:00`, no fraction)
        const rfc = m[7] === '.' && (m[9]?.length ?? 0) === 6 && !journalSeen;
        return withTag(rfc ? 'syslog-rfc3339' : 'journal-short-iso', wall, ht, true);
      }
      return { framing: 'dmesg-iso', wall, uptimeSec: null, host: null, source: 'kernel', body: rest };
    }
    const e = EPOCH.exec(t);
    if (e) {
      const ht = splitHostTag(t.slice(e[0].length));
      if (ht && ht.host !== null) {
        return withTag('journal-short-unix', { t: 'epoch', ms: Number(e[1]) * 1000 + fracToMs(e[2]) }, ht, true);
      }
    }
  } else if (c > 64) {
    const s = SYSLOG.exec(t);
    if (s) {
      const wall = fields(null, monthIndex(s[1] ?? ''), s[2] ?? '', s[3] ?? '', s[4] ?? '', s[5] ?? '', s[6], null, null);
      const ht = splitHostTag(t.slice(s[0].length));
      if (ht) {
        const f = withTag('syslog', wall, ht, true);
        let framing: KernelFraming = 'syslog';
        if (s[6] !== undefined) framing = 'journal-short-precise';
        else if (f.uptimeSec !== null) framing = 'syslog';
        else if ((s[2] ?? '').length === 2 && s[2]?.charCodeAt(0) === 48) framing = 'journal-short'; // "Jun 08": journalctl zero-pads
        else if (journalSeen) framing = 'journal-short';
        return framing === 'syslog' ? f : { ...f, framing };
      }
    }
    const o = OPENWRT.exec(t);
    if (o) {
      const wall = fields(Number(o[6]), monthIndex(o[1] ?? ''), o[2] ?? '', o[3] ?? '', o[4] ?? '', o[5] ?? '', undefined, null, null);
      const ht = splitHostTag(t.slice(o[0].length));
      // logread prints no host: a token before the tag is the facility.level
      if (ht) return withTag('openwrt-logread', wall, ht, false);
    }
    const sf = SHORT_FULL.exec(t);
    if (sf) {
      const zone = sf[8] ?? '';
      const numeric = zone.charCodeAt(0) === 43 || zone.charCodeAt(0) === 45;
      const wall = fields(Number(sf[1]), Number(sf[2]) - 1, sf[3] ?? '', sf[4] ?? '', sf[5] ?? '', sf[6] ?? '', sf[7],
        numeric ? offsetOf(zone) : null, numeric ? null : zone);
      const ht = splitHostTag(t.slice(sf[0].length));
      if (ht && ht.host !== null) return withTag('journal-short-full', wall, ht, true);
    }
    // A syslog line cut before its date: `kernel: ...` or `host kernel: ...`. Its host is untrusted.
    const ht = splitHostTag(t);
    if (ht && ht.tag === 'kernel') return withTag('syslog', null, ht, false);
  }
  return { framing: 'dmesg-none', wall: null, uptimeSec: null, host: null, source: 'kernel', body: t };
}
