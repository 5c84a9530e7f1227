/**
 * Time stamps of count timelines. Reads the stamps that usage loops and monitoring exports write:
 *
 *   2024-05-13 10:00:00            (date '+%Y-%m-%d %H:%M:%S': zone-less, read in --tz)
 *   2024-05-13T10:00:00+02:00      (ISO 8601, date -Iseconds, Grafana CSV)
 *   2024/05/13 10:00:00.250Z
 *   1715594400  1715594400.5  1715594400000  1615233542000000000   (epoch s, ms, µs, ns by magnitude)
 *
 * Pure helpers: no state, no I/O.
 */
import type { TimeZone } from '../../util/time.js';
import { parseOffsetMinutes } from '../../util/time.js';

/** A parsed stamp: UTC ms, and whether the text carried its own zone (else ctx.tz was applied). */
export interface Stamp {
  readonly ms: number;
  readonly zoned: boolean;
}

/** A calendar stamp at the start of a string; the capture ends where the stamp ends. */
export const CALENDAR_RE =
  /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(\s?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function validDate(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
  if (d > DAYS_IN_MONTH[mo - 1]!) return false;
  // February 29 only in leap years
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return false;
  return true;
}

/** Zone suffix (" UTC", "Z", "+02:00", "-0400") to minutes east of UTC; undefined when absent, null when bad. */
function zoneMinutes(z: string | undefined): number | null | undefined {
  if (z === undefined) return undefined;
  const t = z.trim();
  if (t === 'UTC' || t === 'GMT') return 0;
  return parseOffsetMinutes(t);
}

/**
 * Parse a calendar stamp that is the WHOLE of `text` (e.g. a CSV cell), or null when it is not one
 * or names an impossible date. Zone-less stamps are read in `tz`.
 */
export function parseCalendar(text: string, tz: TimeZone): Stamp | null {
  const m = CALENDAR_RE.exec(text);
  if (!m || m[0].length !== text.length) return null;
  return calendarFromMatch(m, tz);
}

/** Build a Stamp from a CALENDAR_RE match, or null for an impossible date or zone. */
export function calendarFromMatch(m: RegExpExecArray, tz: TimeZone): Stamp | null {
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  // a leap second (:60) is read as :59, which keeps the order of samples
  const s = m[6] === undefined ? 0 : Math.min(59, Number(m[6]));
  if (!validDate(y, mo, d, h, mi, s)) return null;
  const frac = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  const local = Date.UTC(y, mo - 1, d, h, mi, s, frac);
  const z = zoneMinutes(m[8]);
  if (z === null) return null;
  if (z === undefined) return { ms: tz.localToUtc(local), zoned: false };
  return { ms: local - z * 60_000, zoned: true };
}

/** Date.UTC of midnight of the last day asked (a one-year minute timeline asks 1,440 times a day). */
let dayKey = -1;
let dayMs = 0;

/**
 * The classic `YYYY-MM-DD HH:MM:SS` stamp at the start of `t` (index 0..18, no zone), read without a
 * regular expression: the UTC ms of that wall-clock reading in `tz`, or null when the characters are
 * not that shape or the date is impossible. Gives exactly what CALENDAR_RE + calendarFromMatch give.
 */
export function classicStampAt(t: string, tz: TimeZone): number | null {
  if (t.length < 19 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 32
    || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return null;
  const y = digits(t, 0, 4), mo = digits(t, 5, 7), d = digits(t, 8, 10);
  const h = digits(t, 11, 13), mi = digits(t, 14, 16), sec = digits(t, 17, 19);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return null;
  if (!validDate(y, mo, d, h, mi, sec)) return null;
  const key = y * 10000 + mo * 100 + d;
  if (key !== dayKey) {
    dayKey = key;
    dayMs = Date.UTC(y, mo - 1, d, 0, 0, 0, 0);
  }
  // a leap second (:60) is read as :59, as calendarFromMatch does
  return tz.localToUtc(dayMs + h * 3_600_000 + mi * 60_000 + Math.min(59, sec) * 1000);
}

/**
 * {@link classicStampAt} over bytes: the classic stamp in `b[at, at + 19)`, read before the line is
 * decoded (the count-timeline byte path). Same checks, same day cache, same result for the same
 * characters.
 */
export function classicStampBytes(b: Uint8Array, at: number, tz: TimeZone): number | null {
  if (b[at + 4] !== 45 || b[at + 7] !== 45 || b[at + 10] !== 32 || b[at + 13] !== 58 || b[at + 16] !== 58) return null;
  const y = digitsB(b, at, at + 4), mo = digitsB(b, at + 5, at + 7), d = digitsB(b, at + 8, at + 10);
  const h = digitsB(b, at + 11, at + 13), mi = digitsB(b, at + 14, at + 16), sec = digitsB(b, at + 17, at + 19);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return null;
  const key = y * 10000 + mo * 100 + d;
  if (key !== dayKey) {
    // validDate once per day and time of day checked inline: the day part repeats 1,440 times a day
    if (!validDate(y, mo, d, h, mi, sec)) return null;
    dayKey = key;
    dayMs = Date.UTC(y, mo - 1, d, 0, 0, 0, 0);
  } else if (h > 23 || mi > 59 || sec > 60) {
    return null;
  }
  return tz.localToUtc(dayMs + h * 3_600_000 + mi * 60_000 + Math.min(59, sec) * 1000);
}

/** The decimal value of b[a, e) when all ASCII digits, else -1. */
function digitsB(b: Uint8Array, a: number, e: number): number {
  let v = 0;
  for (let i = a; i < e; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The decimal value of t[a, b) when all digits, else -1. */
function digits(t: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Epoch number text (digits, optional fraction). */
export const EPOCH_RE = /^\d{9,19}(?:\.\d+)?$/;

/**
 * Epoch seconds, ms, µs or ns by magnitude (seconds from 1973 to 2286), or null. Epoch stamps are
 * always UTC, so `zoned` is true.
 */
export function parseEpoch(text: string): Stamp | null {
  if (!EPOCH_RE.test(text)) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return null;
  let ms: number;
  if (n < 1e8) return null;
  else if (n < 1e10) ms = n * 1000;
  else if (n >= 1e11 && n < 1e14) ms = n;
  else if (n >= 1e14 && n < 1e17) ms = n / 1000;
  else if (n >= 1e17 && n < 1e20) ms = n / 1e6;
  else return null;
  return { ms: Math.round(ms), zoned: true };
}

/** A CSV/JSON time cell: calendar stamp or epoch number. */
export function parseStampCell(text: string, tz: TimeZone): Stamp | null {
  const t = text.trim();
  return parseCalendar(t, tz) ?? parseEpoch(t);
}
