/**
 * The TABLE USAGE section of the text report, from a host's `timeline` section (REPORT.md):
 *
 *   TABLE USAGE  conntrack-usage.log: 10,080 samples every 1m, Nov 16-22
 *     peak 262,144 (100 %) Nov 17 20:20   mean 70,988   p95 161,200
 *     time >= 80 %: 2h41m   >= 90 %: 1h12m   at max: 33m   trend +1,840/day
 *      262,144 ┼──────────────────────────────
 *      ...     ┤   ╭╮  (asciichart of count, with the max line)
 *              Nov 16                    Nov 22
 *
 * Times are UTC. Pure: no colour, no process access; at most `opts.width` columns.
 */
import type { TimelineSection } from '../../model/report.js';
import { renderChart } from '../chart.js';
import { fmtDuration, fmtInt } from '../format.js';
import { sanitizeText } from '../sanitize.js';

/** Rows of the chart's plot area (asciichart draws height + 1 rows). */
export const TIMELINE_CHART_HEIGHT = 8;
/** Width of the chart's y-axis labels. */
const LABEL_WIDTH = 9;
/** Columns before the plot: the label, a space and the axis character. */
const PLOT_OFFSET = LABEL_WIDTH + 2;
/** The max line is drawn when it is at most this many times the peak (else the counts would be flat). */
const MAX_LINE_RANGE = 4;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (x: number): string => String(x).padStart(2, '0');

function day(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())}`;
}
function hm(d: Date): string {
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
function sameDay(a: Date, b: Date): boolean {
  return a.getUTCFullYear() === b.getUTCFullYear() && a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() === b.getUTCDate();
}

/** "Nov 16-22", "Nov 28-Dec 02", "May 13 10:00-12:30", "May 13 22:00-May 14 09:00" (UTC). */
export function fmtRange(startIso: string, endIso: string): string {
  const a = new Date(startIso);
  const b = new Date(endIso);
  const spanMs = b.getTime() - a.getTime();
  if (sameDay(a, b)) return `${day(a)} ${hm(a)}-${hm(b)}`;
  if (spanMs < 2 * 86_400_000) return `${day(a)} ${hm(a)}-${day(b)} ${hm(b)}`;
  const year = a.getUTCFullYear() !== b.getUTCFullYear() ? ` ${b.getUTCFullYear()}` : '';
  if (a.getUTCFullYear() === b.getUTCFullYear() && a.getUTCMonth() === b.getUTCMonth()) return `${day(a)}-${pad(b.getUTCDate())}`;
  return `${day(a)}${year ? ` ${a.getUTCFullYear()}` : ''}-${day(b)}${year}`;
}

/** "Nov 17 20:20" (UTC). */
function fmtAt(iso: string): string {
  const d = new Date(iso);
  return `${day(d)} ${hm(d)}`;
}

/** A share of max as whole percent, floored (99.9 % prints 99 %: "100 %" means the table was full). */
function pct(count: number, max: number): string {
  const p = (count / max) * 100;
  return p > 0 && p < 1 ? '<1 %' : `${Math.floor(p)} %`;
}

/** Lay parts out on as few lines as fit `width`, three spaces apart, each line indented by two. */
function pack(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (cur && 2 + cur.length + 3 + p.length > width) { lines.push(`  ${cur}`); cur = p; } else cur = cur ? `${cur}   ${p}` : p;
  }
  if (cur) lines.push(`  ${cur}`);
  return lines.map((l) => clip(l, width));
}

function signed(n: number): string {
  return n >= 0 ? `+${fmtInt(n)}` : fmtInt(n);
}

function clip(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** The x-axis under the chart: first and last time (and the middle one when there is room). */
function xAxis(series: TimelineSection['series'], plotWidth: number): string | null {
  const first = series[0]?.at;
  const last = series[series.length - 1]?.at;
  if (!first || !last) return null;
  const a = new Date(first);
  const b = new Date(last);
  const long = b.getTime() - a.getTime() >= 2 * 86_400_000;
  const label = (d: Date, full: boolean): string => (long ? day(d) : full ? `${day(d)} ${hm(d)}` : sameDay(a, b) ? hm(d) : `${day(d)} ${hm(d)}`);
  const left = label(a, true);
  const right = label(b, false);
  const cells = Array.from({ length: plotWidth }, () => ' ');
  const put = (pos: number, text: string): void => { for (let i = 0; i < text.length && pos + i < plotWidth; i++) cells[pos + i] = text[i]!; };
  put(0, left);
  if (left.length + 1 + right.length > plotWidth) return (' '.repeat(PLOT_OFFSET) + left).replace(/\s+$/, '');
  const rightPos = Math.max(left.length + 1, plotWidth - right.length);
  put(rightPos, right);
  const mid = series[Math.floor((series.length - 1) / 2)]?.at;
  if (mid) {
    const m = label(new Date(mid), false);
    const pos = Math.floor(plotWidth / 2 - m.length / 2);
    if (pos > left.length + 2 && pos + m.length + 2 < rightPos) put(pos, m);
  }
  return (' '.repeat(PLOT_OFFSET) + cells.join('')).replace(/\s+$/, '');
}

/**
 * Render the TABLE USAGE section: heading, peak/mean/p95, time above the alert lines and trend, gaps and
 * resets when there are any, and a chart of the count with the max line (dated samples only).
 */
export function renderTimelineText(section: TimelineSection, opts: { readonly width: number }): string[] {
  const t = section;
  const width = Math.max(40, opts.width);
  const out: string[] = [];
  const dated = t.samples - t.undatedSamples;
  let head = `TABLE USAGE  ${sanitizeText(t.peak.path)}: ${fmtInt(t.samples)} sample${t.samples === 1 ? '' : 's'}`;
  if (dated > 0 && t.start && t.end) {
    if (t.intervalSeconds !== null) head += ` every ${fmtDuration(t.intervalSeconds * 1000)}`;
    head += `, ${fmtRange(t.start, t.end)}`;
    if (t.undatedSamples) head += ` (+${fmtInt(t.undatedSamples)} undated)`;
  } else {
    head += ' without time stamps';
  }
  out.push(clip(head, width));

  const peakPart = `peak ${fmtInt(t.peak.count)}${t.max !== null ? ` (${pct(t.peak.count, t.max)} of ${fmtInt(t.max)})` : ''}${t.peak.at ? ` ${fmtAt(t.peak.at)}` : ''}`;
  out.push(...pack([peakPart, `mean ${fmtInt(t.mean)}`, `p95 ${fmtInt(t.p95)}`], width));

  const parts: string[] = [];
  if (t.max === null) {
    parts.push('max unknown (no max column, settings or --max)');
  } else if (t.aboveThreshold && dated > 0) {
    const a = t.aboveThreshold;
    parts.push(`time >= 80 %: ${fmtDuration(a['80'] * 1000)}`, `>= 90 %: ${fmtDuration(a['90'] * 1000)}`, `at max: ${fmtDuration(a['100'] * 1000)}`);
  } else if (t.maxSource) {
    parts.push(`max from ${t.maxSource === 'column' ? 'the samples' : sanitizeText(t.maxSource)}`);
  }
  if (t.trendPerDay !== null) parts.push(`trend ${signed(t.trendPerDay)}/day`);
  if (t.fullAt && t.end && t.fullAt > t.end) parts.push(`full ~${fmtAt(t.fullAt)} at this trend`);
  if (t.gaps.length) {
    const longest = t.gaps.reduce((a, g) => (g.seconds > a.seconds ? g : a));
    parts.push(`gaps ${fmtInt(t.gaps.length)} (longest ${fmtDuration(longest.seconds * 1000)} at ${fmtAt(longest.start)})`);
  }
  if (t.resets.length) {
    const r = t.resets[0]!;
    parts.push(`resets ${fmtInt(t.resets.length)} (${fmtInt(r.from)} -> ${fmtInt(r.to)}${r.at ? ` at ${fmtAt(r.at)}` : ''})`);
  }
  out.push(...pack(parts, width));

  // chart: dated samples only (undated ones have no place on a time axis)
  const points = t.series.filter((p) => p.at !== null);
  if (points.length >= 2) {
    const room = width - PLOT_OFFSET - 1;
    // few points are widened (each repeated) so the chart uses the room it has
    const repeat = Math.max(1, Math.floor(room / points.length));
    const counts = points.flatMap((p) => Array.from({ length: repeat }, () => p.count));
    const plotWidth = Math.min(counts.length, room);
    const showMax = t.max !== null && t.max <= MAX_LINE_RANGE * Math.max(1, t.peak.count);
    const data = showMax ? [counts, counts.map(() => t.max!)] : [counts];
    out.push(...renderChart(data, { height: TIMELINE_CHART_HEIGHT, width: plotWidth, labelWidth: LABEL_WIDTH }).map((l) => clip(l, width)));
    const axis = xAxis(points, plotWidth);
    if (axis) out.push(axis);
    if (t.max !== null && !showMax) out.push(clip(`${' '.repeat(PLOT_OFFSET)}(max ${fmtInt(t.max)} is off the chart)`, width));
  }
  return out;
}
