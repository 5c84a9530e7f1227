/**
 * Time helpers: zones for zone-less stamps (--tz), month names, ISO output, durations.
 * Converting a local stamp with Intl costs ~4 µs a call, so zone offsets are cached per hour.
 */

/** A time zone for stamps that carry none: a fixed offset or an IANA name. */
export interface TimeZone {
  /** As given: "UTC", "+05:30", "Europe/Berlin". */
  readonly name: string;
  readonly isUtc: boolean;
  /** Convert a local wall time (expressed as if it were UTC ms) to real UTC ms. */
  localToUtc(localMs: number): number;
}

export const UTC: TimeZone = { name: 'UTC', isUtc: true, localToUtc: (ms) => ms };

const OFFSET_RE = /^([+-])(\d{2}):?(\d{2})$/;

/** Parse a zone offset like "+02:00", "-0400", "+0000" into minutes east of UTC, or null. */
export function parseOffsetMinutes(s: string): number | null {
  if (s === 'Z' || s === 'z') return 0;
  const m = OFFSET_RE.exec(s);
  if (!m) return null;
  const h = Number(m[2]);
  const min = Number(m[3]);
  if (h > 23 || min > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

/** Build a TimeZone from "UTC", "±HH:MM" or an IANA name; null when it is not one. */
export function makeTimeZone(spec: string): TimeZone | null {
  if (spec === 'UTC' || spec === 'utc' || spec === 'Z') return UTC;
  const off = parseOffsetMinutes(spec);
  if (off !== null) {
    if (off === 0) return { ...UTC, name: spec };
    return { name: spec, isUtc: false, localToUtc: (ms) => ms - off * 60_000 };
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: spec, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  } catch {
    return null;
  }
  const cache = new Map<number, number>();
  // offset (ms) of the zone at a given UTC instant
  const offsetAtUtc = (utcMs: number): number => {
    const hourKey = Math.floor(utcMs / 3_600_000);
    const hit = cache.get(hourKey);
    if (hit !== undefined) return hit;
    const parts = fmt.formatToParts(new Date(hourKey * 3_600_000));
    const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const off = asUtc - hourKey * 3_600_000;
    if (cache.size > 100_000) cache.clear();
    cache.set(hourKey, off);
    return off;
  };
  return {
    name: spec,
    isUtc: false,
    localToUtc(localMs: number): number {
      // Two rounds settle the offset except inside a DST gap/overlap, where the earlier reading wins.
      let utc = localMs - offsetAtUtc(localMs);
      utc = localMs - offsetAtUtc(utc);
      return utc;
    },
  };
}

const MONTHS: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
  // a few localised forms seen in real logs (syslog with LANG set): German, French, Spanish
  mär: 2, mai: 4, okt: 9, dez: 11, janv: 0, févr: 1, mars: 2, avr: 3, juin: 5, juil: 6, août: 7, sept: 8, déc: 11,
  ene: 0, abr: 3, ago: 7, dic: 11,
});

/** Month index (0..11) from an English or common localised abbreviation, or -1. */
export function monthIndex(name: string): number {
  // the usual names ("Mar") answered from a small cache: a kernel log asks this of every dated line
  const hit = MONTH_CACHE.get(name);
  if (hit !== undefined) return hit;
  const m = MONTHS[name.toLowerCase().replace(/\.$/, '')];
  const r = m === undefined ? -1 : m;
  if (MONTH_CACHE.size < 256) MONTH_CACHE.set(name, r);
  return r;
}

/** Raw month name → monthIndex (bounded: odd input cannot grow it past 256 names). */
const MONTH_CACHE = new Map<string, number>();

/** ISO 8601 UTC string (with milliseconds only when non-zero). */
export function isoUtc(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? s.slice(0, -5) + 'Z' : s;
}

/** ISO minute "2026-11-17T20:19Z" style key start: floor to minute. */
export function floorMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

/** Parse "90s", "5m", "1h", "250ms", "60" (seconds) into milliseconds, or null. */
export function parseDurationMs(s: string): number | null {
  const m = DURATION_RE.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return n * mult;
}

/** Human duration: "45s", "6m45s", "2h41m", "3d4h". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}
