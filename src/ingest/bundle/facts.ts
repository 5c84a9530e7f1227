/**
 * Host facts from a bundle's small command outputs (sosreport `hostname`, `uname`, `date`, `uptime`).
 * Samples:
 *
 *   web1.example.net                                                  (hostname)
 *   Linux web1 5.14.0-427.13.1.el9_4.x86_64 #1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:29:16 EDT 2024 x86_64 x86_64 x86_64 GNU/Linux
 *   Thu Nov 20 10:15:02 UTC 2026                                      (date; also "Thu 20 Nov 2026 10:15:02 UTC", ISO, RFC 2822)
 *    10:15:02 up 12 days,  3:04,  2 users,  load average: 0.10, 0.20, 0.30
 *
 * Zone abbreviations are ambiguous (CST is UTC−6 and UTC+8), so a `date` in a named zone other than
 * UTC/GMT gives its year (the year source for year-less stamps) but no instant.
 */
import { monthIndex, parseOffsetMinutes } from '../../util/time.js';

/** Host facts of one host of a bundle. */
export interface BundleFacts {
  readonly hostname: string | null;
  readonly kernel: string | null;
  /** The `date` output as an instant (null when its zone is not UTC/GMT or a numeric offset). */
  readonly dateMs: number | null;
  /** Seconds since boot at the time of `uptime` (minute precision from `uptime`, exact from proc/uptime). */
  readonly uptimeSec: number | null;
  /** The year of the `date` output, even when its zone is a name (a year source for year-less stamps). */
  readonly year: number | null;
}

export const NO_FACTS: BundleFacts = { hostname: null, kernel: null, dateMs: null, uptimeSec: null, year: null };

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '').trim()).filter((l) => l !== '');
}

/** `hostname` output: the first non-empty line, when it looks like a host name. */
export function parseHostname(text: string): string | null {
  const l = lines(text)[0];
  if (!l || l.length > 253 || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(l)) return null;
  return l;
}

/** `uname -a` (or `uname -r`) output: the kernel release. */
export function parseUname(text: string): string | null {
  for (const l of lines(text)) {
    const t = l.split(/\s+/);
    if (t[0] === 'Linux' && t.length >= 3 && /^\d+\.\d+/.test(t[2]!)) return t[2]!;
    if (t.length === 1 && /^\d+\.\d+\S*$/.test(t[0]!)) return t[0]!;
  }
  return null;
}

function zoneOffsetMinutes(zone: string): number | null {
  if (/^(?:UTC|GMT|UCT|Z)$/i.test(zone)) return 0;
  return parseOffsetMinutes(zone);
}

function build(year: number, month: number, day: number, h: number, mi: number, s: number, zone: string | null): { dateMs: number | null; year: number } | null {
  if (month < 0 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return null;
  const off = zone === null ? null : zoneOffsetMinutes(zone);
  if (off === null) return { dateMs: null, year };
  return { dateMs: Date.UTC(year, month, day, h, mi, s) - off * 60_000, year };
}

const CTIME_RE = /^[A-Za-z]{3}\s+([A-Za-z]{3,5})\.?\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\S+)\s+(\d{4})$/;
const DAY_FIRST_RE = /^[A-Za-z]{3},?\s+(\d{1,2})\s+([A-Za-z]{3,5})\.?\s+(\d{4}),?\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s*([AaPp][Mm]))?\s+(\S+)$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2})$/;

/** `date` output: the instant and year, or null when no line is a date. */
export function parseDate(text: string): { readonly dateMs: number | null; readonly year: number } | null {
  for (const l of lines(text)) {
    let m = CTIME_RE.exec(l);
    if (m) {
      const r = build(Number(m[7]), monthIndex(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6]!);
      if (r) return r;
    }
    m = DAY_FIRST_RE.exec(l);
    if (m) {
      let h = Number(m[4]);
      const ampm = m[7]?.toUpperCase();
      if (ampm === 'PM' && h < 12) h += 12;
      if (ampm === 'AM' && h === 12) h = 0;
      const r = build(Number(m[3]), monthIndex(m[2]!), Number(m[1]), h, Number(m[5]), Number(m[6]), m[8]!);
      if (r) return r;
    }
    m = ISO_RE.exec(l);
    if (m) {
      const r = build(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7]!);
      if (r) return r;
    }
  }
  return null;
}

// a Map: the unit word comes from the input ("constructor" is just a word)
const UNIT_SEC: ReadonlyMap<string, number> = new Map([['week', 604800], ['day', 86400], ['hour', 3600], ['hr', 3600], ['min', 60], ['minute', 60], ['sec', 1], ['second', 1]]);

/** `uptime`, `uptime -p` or /proc/uptime output: seconds since boot. */
export function parseUptime(text: string): number | null {
  for (const l of lines(text)) {
    const proc = /^(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?$/.exec(l);
    if (proc) return Math.floor(Number(proc[1]));
    const m = /\bup\s+(.+?)(?:,\s+\d+\s+users?\b|,\s+load average|$)/.exec(l);
    if (!m) continue;
    let sec = 0;
    let any = false;
    for (const part of m[1]!.split(',')) {
      const p = part.trim();
      const hm = /^(\d{1,2}):(\d{2})$/.exec(p);
      if (hm) {
        sec += Number(hm[1]) * 3600 + Number(hm[2]) * 60;
        any = true;
        continue;
      }
      const u = /^(\d+)\s+([a-z]+?)s?$/.exec(p);
      const unit = u ? UNIT_SEC.get(u[2]!) : undefined;
      if (u && unit !== undefined) {
        sec += Number(u[1]) * unit;
        any = true;
      }
    }
    if (any) return sec;
  }
  return null;
}
