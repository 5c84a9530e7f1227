/**
 * Turning printed wall stamps into UTC ms (FORMATS.md section 1, time rules), and remembering which
 * assumptions that needed. Stamps with an offset or an epoch are exact. Zone-less stamps are read in
 * --tz (UTC by default); zone abbreviations (short-full "EDT") are never guessed. Year-less stamps
 * take --year (the year of the first stamp, rolled over on a Dec → Jan step), else the year of the
 * file's modification time (minus one for stamps more than 2 days after it: stateless per stamp),
 * else 2000 with "year unknown: pass --year".
 * Literal samples: `Dec 31 23:59:58 gw1 kernel: ...` then `Jan  1 00:00:03 gw1 kernel: ...` with --year 2018
 * give 2018-12-31T23:59:58Z and 2019-01-01T00:00:03Z (no --tz: read as UTC).
 */
import type { KernelFraming } from '../../model/records.js';
import type { ParseContext } from '../line-parser.js';
import type { WallStamp } from './framing.js';

/** Stamps more than this far after the file's modification time belong to the year before. */
const MTIME_SLACK_MS = 2 * 86_400_000;
/** The stand-in year when nothing gives one (a leap year, so Feb 29 stays valid). */
const UNKNOWN_YEAR = 2000;

/** What dating needs to remember across lines, and what it assumed. */
export interface DatingState {
  /** Year mode for year-less stamps: from --year / unknown (stateful roll-over) or from mtime (stateless). */
  readonly mode: 'year' | 'mtime' | 'unknown';
  /** Current year in 'year'/'unknown' mode. */
  year: number;
  /** Month of the previous year-less stamp (for the roll-over), -1 before the first. */
  lastMonth: number;
  /** Local year of the modification time ('mtime' mode). */
  readonly mtimeYear: number;
  /** Years handed out in 'mtime' mode (for the assumption). */
  minYear: number;
  maxYear: number;
  /** Line of the first roll-over, and the year it rolled to. */
  rolledAt: { line: number; year: number } | null;
  hasYearless: boolean;
  /** Framings whose zone-less stamps were read in ctx.tz. */
  readonly zoneless: Set<KernelFraming>;
  /** Zone abbreviations read in ctx.tz. */
  readonly zoneNames: Set<string>;
}

/** Dating state for one input: the year mode follows from --year, then the modification time. */
export function initDating(ctx: ParseContext): DatingState {
  let mode: DatingState['mode'] = 'unknown';
  let mtimeYear = UNKNOWN_YEAR;
  if (ctx.year !== null) mode = 'year';
  else if (ctx.mtimeMs !== null && Number.isFinite(ctx.mtimeMs)) {
    mode = 'mtime';
    // the modification time's year on the wall clock of --tz (local ≈ utc + (utc − localToUtc(utc)))
    const local = 2 * ctx.mtimeMs - ctx.tz.localToUtc(ctx.mtimeMs);
    mtimeYear = new Date(local).getUTCFullYear();
  }
  return {
    mode, year: ctx.year ?? UNKNOWN_YEAR, lastMonth: -1, mtimeYear, minYear: Infinity, maxYear: -Infinity,
    rolledAt: null, hasYearless: false, zoneless: new Set(), zoneNames: new Set(),
  };
}

function daysIn(year: number, month: number): number {
  // proleptic Gregorian, as Date.UTC (years below 100, which Date.UTC maps to 19xx, are refused by localMs anyway)
  if (!Number.isInteger(year) || !Number.isInteger(month) || month < 0 || month > 11) return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (month !== 1) return MONTH_DAYS[month]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

const MONTH_DAYS: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Calendar fields as if UTC, or null when they do not form a valid time (month 13, Feb 30, 25:00). */
function localMs(year: number, w: Extract<WallStamp, { t: 'fields' }>): number | null {
  if (w.month < 0 || w.month > 11 || w.day < 1 || w.day > daysIn(year, w.month)) return null;
  // second 60 is a leap second: accepted (it rolls into the next minute)
  if (w.hour > 23 || w.minute > 59 || w.second > 60) return null;
  const ms = Date.UTC(year, w.month, w.day, w.hour, w.minute, w.second) + w.fracMs;
  // Date.UTC maps years 0..99 to 1900..1999: rebuild such years explicitly
  if (year < 100) return null;
  return ms;
}

const UTC_NAMES = new Set(['UTC', 'GMT', 'Z', 'UT']);

/**
 * UTC ms of a printed stamp, or null when it is not a valid time. Records the assumption it needed.
 * `lineNo` is kept for the roll-over note.
 */
export function resolveWall(w: WallStamp, framing: KernelFraming, ctx: ParseContext, d: DatingState, lineNo: number): number | null {
  if (w.t === 'epoch') return Number.isFinite(w.ms) ? w.ms : null;
  const toUtc = (local: number): number => {
    if (w.offsetMin !== null) return local - w.offsetMin * 60_000;
    if (w.zoneName !== null && UTC_NAMES.has(w.zoneName)) return local;
    if (w.zoneName !== null) d.zoneNames.add(w.zoneName);
    else d.zoneless.add(framing);
    return ctx.tz.localToUtc(local);
  };
  if (w.offsetMin !== null && !Number.isFinite(w.offsetMin)) return null;
  if (w.year !== null) {
    const l = localMs(w.year, w);
    return l === null ? null : toUtc(l);
  }
  if (w.month < 0 || w.month > 11) return null;
  if (d.mode === 'mtime') {
    let year = d.mtimeYear;
    let l = localMs(year, w);
    let utc = l === null ? null : toUtc(l);
    if (utc === null || utc - (ctx.mtimeMs ?? 0) > MTIME_SLACK_MS) {
      year--;
      l = localMs(year, w);
      if (l === null) return null;
      utc = toUtc(l);
    }
    d.hasYearless = true;
    if (year < d.minYear) d.minYear = year;
    if (year > d.maxYear) d.maxYear = year;
    return utc;
  }
  // --year / unknown: the year of the first stamp; a step back of more than 6 months is a new year
  // (Dec → Jan), so a merely unsorted paste does not roll over.
  // A step forward of more than 6 months right after a roll-over (a late "Dec 31" line after "Jan 1")
  // belongs to the year before, and does not move the current year or month.
  let year = d.year;
  const rolls = d.lastMonth >= 0 && d.lastMonth - w.month > 6;
  const straggler = !rolls && d.lastMonth >= 0 && w.month - d.lastMonth > 6 && d.rolledAt !== null;
  if (rolls) year++;
  if (straggler) year--;
  const l = localMs(year, w);
  if (l === null) return null;
  if (rolls) {
    d.year = year;
    if (d.rolledAt === null) d.rolledAt = { line: lineNo, year };
  }
  if (!straggler) d.lastMonth = w.month;
  d.hasYearless = true;
  return toUtc(l);
}

/** The assumptions this input needed, worded for a reader and prefixed with the input's path. */
export function datingAssumptions(ctx: ParseContext, d: DatingState): string[] {
  const out: string[] = [];
  const p = ctx.path;
  if (d.zoneless.size > 0) {
    const kinds = [...d.zoneless].join(', ');
    out.push(ctx.tz.isUtc && ctx.tz.name === 'UTC'
      ? `${p}: ${kinds} stamps read as UTC (they carry no zone; pass --tz to change)`
      : `${p}: ${kinds} stamps read in ${ctx.tz.name} (--tz; they carry no zone)`);
  }
  if (d.zoneNames.size > 0) {
    const names = [...d.zoneNames].join(', ');
    out.push(`${p}: zone name ${names} not interpreted (abbreviations are ambiguous): those stamps read ${ctx.tz.isUtc && ctx.tz.name === 'UTC' ? 'as UTC' : `in ${ctx.tz.name}`}`);
  }
  if (d.hasYearless) {
    if (d.mode === 'mtime') {
      const years = d.minYear === d.maxYear ? `year ${d.minYear}` : `years ${d.minYear}-${d.maxYear}`;
      out.push(`${p}: ${years} of year-less stamps taken from the file modification time`);
    } else if (d.mode === 'unknown') {
      out.push(`${p}: year unknown: pass --year (year-less stamps dated ${UNKNOWN_YEAR}${d.rolledAt ? `, rolled over to ${d.rolledAt.year} at line ${d.rolledAt.line}` : ''})`);
    } else if (d.rolledAt) {
      out.push(`${p}: year rolled over from --year ${ctx.year ?? ''} to ${d.rolledAt.year} at line ${d.rolledAt.line} (Dec → Jan)`);
    }
  }
  return out;
}
