/**
 * Inline SVG charts for the HTML report: the usage timeline (count, max line, drop bursts shaded), drops
 * per minute, and horizontal share bars (states, protocols). Pure string builders: numbers come from the
 * Report and are only placed and labelled here. Every label goes through escapeHtml (report text may be
 * hostile). Each chart is an `<svg role="img">` with width, height, viewBox, a `<title>` and aria-label.
 */
import type { Burst, PerMinute, TimelineSection } from '../../model/report.js';
import { fmtInt, fmtStamp, fmtUptime } from '../format.js';
import { escapeHtml } from '../sanitize.js';

/** Plot geometry shared by the time charts (user units of the viewBox). */
const W = 960;
const M = { left: 72, right: 20, top: 18, bottom: 44 };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time axis: wall clock (ms since epoch, UTC) or seconds since boot. */
export interface TimeDomain {
  readonly kind: 'wall' | 'uptime';
  readonly from: number;
  readonly to: number;
}

/** One number for SVG attributes: at most 1 decimal, no "-0". */
function n(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A "nice" step (1, 2, 2.5, 5 × 10^k) so that range/step gives about `count` ticks. */
export function niceStep(range: number, count: number): number {
  if (!(range > 0)) return 1;
  const raw = range / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * mag >= raw) return f * mag;
  return 10 * mag;
}

const TIME_STEPS_MS = [60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 28 * 86400e3];

function pad2(x: number): string {
  return String(x).padStart(2, '0');
}

/** Ticks for a wall-clock axis: UTC-aligned steps, at most about 8, labelled by date or time. */
export function wallTicks(from: number, to: number): { at: number; label: string }[] {
  const span = Math.max(1, to - from);
  const step = TIME_STEPS_MS.find((s) => span / s <= 8) ?? TIME_STEPS_MS[TIME_STEPS_MS.length - 1]!;
  const out: { at: number; label: string }[] = [];
  const first = Math.ceil(from / step) * step;
  for (let t = first; t <= to; t += step) {
    const d = new Date(t);
    const date = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
    const label = step >= 86400e3 ? date : span > 86400e3 || time === '00:00' ? `${date} ${time}` : time;
    out.push({ at: t, label });
  }
  return out;
}

function uptimeTicks(from: number, to: number): { at: number; label: string }[] {
  const step = niceStep(to - from, 6);
  const out: { at: number; label: string }[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push({ at: t, label: `${fmtInt(t)}s` });
  return out;
}

function xTicks(d: TimeDomain): { at: number; label: string }[] {
  return d.kind === 'wall' ? wallTicks(d.from, d.to) : uptimeTicks(d.from, d.to);
}

function yTicks(top: number): number[] {
  const step = niceStep(top, 4);
  const out: number[] = [];
  for (let v = 0; v <= top + step * 1e-9; v += step) out.push(v);
  return out;
}

function open(width: number, height: number, title: string, cls: string): string {
  const t = escapeHtml(title);
  return `<svg class="chart ${cls}" role="img" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${t}"><title>${t}</title>`;
}

/** Axes, grid and labels for a time chart; `sx`/`sy` map data to user units. */
function frame(h: number, d: TimeDomain, yTop: number, sx: (t: number) => number, sy: (v: number) => number, yLabel: string): string {
  const parts: string[] = [];
  const x0 = M.left;
  const x1 = W - M.right;
  const yb = h - M.bottom;
  for (const v of yTicks(yTop)) {
    const y = sy(v);
    parts.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${n(y)}" y2="${n(y)}"/>`);
    parts.push(`<text class="tick" x="${x0 - 6}" y="${n(y + 4)}" text-anchor="end">${fmtInt(v)}</text>`);
  }
  for (const t of xTicks(d)) {
    const x = sx(t.at);
    parts.push(`<line class="tickmark" x1="${n(x)}" x2="${n(x)}" y1="${yb}" y2="${yb + 5}"/>`);
    parts.push(`<text class="tick" x="${n(x)}" y="${yb + 18}" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  parts.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${yb}" y2="${yb}"/>`);
  parts.push(`<line class="axis" x1="${x0}" x2="${x0}" y1="${M.top}" y2="${yb}"/>`);
  parts.push(`<text class="axis-label" x="${(x0 + x1) / 2}" y="${h - 6}" text-anchor="middle">${d.kind === 'wall' ? 'time (UTC)' : 'seconds since boot'}</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${n((M.top + yb) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  return parts.join('');
}

/** Where a burst sits on the axis, or null when it has no time on this kind of axis. */
function burstSpan(b: Burst, d: TimeDomain): [number, number] | null {
  if (d.kind === 'wall') {
    if (b.start === null) return null;
    const a = Date.parse(b.start);
    const e = b.end !== null ? Date.parse(b.end) : a;
    return Number.isFinite(a) && Number.isFinite(e) ? [a, e] : null;
  }
  if (b.startUptime === null) return null;
  return [b.startUptime, b.endUptime ?? b.startUptime];
}

function burstTitle(b: Burst, i: number): string {
  const when = b.start !== null ? `${fmtStamp(b.start)} to ${fmtStamp(b.end)} UTC` : `${fmtUptime(b.startUptime)} to ${fmtUptime(b.endUptime)} after boot`;
  return `burst ${i + 1}: ${when}, ${fmtInt(b.logged)} drops logged, ${fmtInt(b.suppressed)} suppressed`;
}

/** Shaded bands for the drop bursts (at least 3 units wide so a 10-second burst on a week still shows). */
function burstBands(bursts: readonly Burst[], d: TimeDomain, sx: (t: number) => number, h: number): string {
  const parts: string[] = [];
  bursts.forEach((b, i) => {
    const span = burstSpan(b, d);
    if (!span) return;
    let x = sx(span[0]);
    let w = sx(span[1]) - x;
    if (w < 3) { x -= (3 - w) / 2; w = 3; }
    parts.push(`<rect class="burst" x="${n(x)}" y="${M.top}" width="${n(w)}" height="${h - M.top - M.bottom}"><title>${escapeHtml(burstTitle(b, i))}</title></rect>`);
  });
  return parts.join('');
}

/** The time domain covering the timeline samples, the bursts and the drops per minute (one shared x axis). */
export function timeDomain(timeline: TimelineSection | null | undefined, bursts: readonly Burst[], perMinute: readonly PerMinute[]): TimeDomain | null {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (t: number): void => { if (Number.isFinite(t)) { lo = Math.min(lo, t); hi = Math.max(hi, t); } };
  for (const p of timeline?.series ?? []) if (p.at !== null) see(Date.parse(p.at));
  for (const b of bursts) { if (b.start !== null) see(Date.parse(b.start)); if (b.end !== null) see(Date.parse(b.end)); }
  for (const p of perMinute) if (p.minute !== null) { see(Date.parse(p.minute)); see(Date.parse(p.minute) + 60e3); }
  if (lo <= hi) return { kind: 'wall', from: lo, to: hi > lo ? hi : lo + 60e3 };
  // no wall time anywhere: seconds since boot from the drops, if they have it
  for (const b of bursts) { if (b.startUptime !== null) see(b.startUptime); if (b.endUptime !== null) see(b.endUptime); }
  for (const p of perMinute) if (p.minuteUptime !== undefined) { see(p.minuteUptime); see(p.minuteUptime + 60); }
  if (lo <= hi) return { kind: 'uptime', from: lo, to: hi > lo ? hi : lo + 60 };
  return null;
}

/** Above this multiple of the peak the max line would flatten the curve: it is named, not drawn. */
const MAX_LINE_RANGE = 4;

/**
 * The usage timeline: entries over time, the max as a dashed line, drop bursts shaded.
 * Undated samples have no place on a time axis and are left out (the section counts them).
 */
export function timelineSvg(t: TimelineSection, bursts: readonly Burst[], d: TimeDomain, host: string): string {
  const h = 300;
  const points = t.series.filter((p) => p.at !== null).map((p) => ({ x: Date.parse(p.at!), y: p.count })).filter((p) => Number.isFinite(p.x));
  const drawMax = t.max !== null && t.max <= MAX_LINE_RANGE * Math.max(1, t.peak.count);
  const top0 = Math.max(t.peak.count, drawMax && t.max !== null ? t.max : 0, ...points.map((p) => p.y), 1);
  const yTop = Math.ceil((top0 * 1.08) / niceStep(top0 * 1.08, 4)) * niceStep(top0 * 1.08, 4);
  const sx = (x: number): number => M.left + ((x - d.from) / (d.to - d.from)) * (W - M.left - M.right);
  const sy = (v: number): number => h - M.bottom - (v / yTop) * (h - M.top - M.bottom);
  const title = `conntrack entries over time${host ? ` on ${host}` : ''}: peak ${fmtInt(t.peak.count)}${t.max !== null ? ` of max ${fmtInt(t.max)}` : ''}${bursts.length ? `, ${bursts.length} drop burst${bursts.length === 1 ? '' : 's'} shaded` : ''}`;
  const parts = [open(W, h, title, 'timeline'), frame(h, d, yTop, sx, sy, 'entries')];
  if (d.kind === 'wall') parts.push(burstBands(bursts, d, sx, h));
  // break the line where samples are missing (more than 3 typical intervals apart)
  const dts = points.slice(1).map((p, i) => p.x - points[i]!.x).sort((a, b) => a - b);
  const typical = dts.length ? dts[Math.floor(dts.length / 2)]! : 0;
  let path = '';
  points.forEach((p, i) => {
    const jump = i === 0 || (typical > 0 && p.x - points[i - 1]!.x > 3 * typical);
    path += `${jump ? 'M' : 'L'}${n(sx(p.x))} ${n(sy(p.y))}`;
  });
  if (path) parts.push(`<path class="count" d="${path}"/>`);
  if (points.length === 1) parts.push(`<circle class="count-dot" cx="${n(sx(points[0]!.x))}" cy="${n(sy(points[0]!.y))}" r="3"/>`);
  if (t.max !== null && drawMax) {
    const y = sy(t.max);
    parts.push(`<line class="max" x1="${M.left}" x2="${W - M.right}" y1="${n(y)}" y2="${n(y)}"><title>nf_conntrack_max ${fmtInt(t.max)}</title></line>`);
    parts.push(`<text class="max-label" x="${W - M.right - 4}" y="${n(y - 5)}" text-anchor="end">max ${fmtInt(t.max)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Drops logged per minute as bars on the shared time axis (the rate limit caps a minute near 120). */
export function perMinuteSvg(pm: readonly PerMinute[], bursts: readonly Burst[], d: TimeDomain, host: string): string {
  const h = 200;
  const peak = Math.max(1, ...pm.map((p) => p.logged));
  const yTop = Math.ceil((peak * 1.1) / niceStep(peak * 1.1, 4)) * niceStep(peak * 1.1, 4);
  const sx = (x: number): number => M.left + ((x - d.from) / (d.to - d.from)) * (W - M.left - M.right);
  const sy = (v: number): number => h - M.bottom - (v / yTop) * (h - M.top - M.bottom);
  const total = pm.reduce((s, p) => s + p.logged, 0);
  const title = `drops logged per minute${host ? ` on ${host}` : ''}: ${fmtInt(pm.length)} minutes with drops, at most ${fmtInt(peak)} in one minute`;
  const parts = [open(W, h, title, 'per-minute'), frame(h, d, yTop, sx, sy, 'drops / min')];
  parts.push(burstBands(bursts, d, sx, h));
  const minuteW = ((d.kind === 'wall' ? 60e3 : 60) / (d.to - d.from)) * (W - M.left - M.right);
  const bw = Math.max(1.5, minuteW);
  for (const p of pm) {
    const at = d.kind === 'wall' ? (p.minute !== null ? Date.parse(p.minute) : NaN) : (p.minuteUptime ?? NaN);
    if (!Number.isFinite(at)) continue;
    const y = sy(p.logged);
    const label = d.kind === 'wall' ? `${fmtStamp(p.minute)} UTC` : `${fmtUptime(p.minuteUptime ?? null)} after boot`;
    parts.push(`<rect class="bar" x="${n(sx(at))}" y="${n(y)}" width="${n(bw)}" height="${n(h - M.bottom - y)}"><title>${escapeHtml(`${label}: ${fmtInt(p.logged)} logged`)}</title></rect>`);
  }
  parts.push(`<desc>${fmtInt(total)} drops logged in the minutes shown</desc>`);
  parts.push('</svg>');
  return parts.join('');
}

/** One row of a share-bar chart. */
export interface BarRow {
  readonly label: string;
  readonly count: number;
}

/** Horizontal bars: each row's share of `total`, labelled with the share and the count. */
export function shareBarsSvg(title: string, rows: readonly BarRow[], total: number): string {
  const rowH = 22;
  const labelW = 150;
  const width = 460;
  const barMax = width - labelW - 120;
  const h = rows.length * rowH + 8;
  const parts = [open(width, h, title, 'bars')];
  rows.forEach((r, i) => {
    const share = total > 0 ? r.count / total : 0;
    const y = 4 + i * rowH;
    const label = escapeHtml(r.label);
    parts.push(`<text class="bar-label" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${label}</text>`);
    parts.push(`<rect class="bar" x="${labelW}" y="${y + 3}" width="${n(Math.max(share > 0 ? 1 : 0, share * barMax))}" height="${rowH - 6}"><title>${label}: ${fmtInt(r.count)}</title></rect>`);
    parts.push(`<text class="bar-value" x="${n(labelW + share * barMax + 6)}" y="${y + 15}">${sharePct(share)} (${fmtInt(r.count)})</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A share 0..1 as "8.5 %" below 10 %, "46 %" above, "<0.1 %" for a sliver. */
export function sharePct(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return '<0.1 %';
  return p < 10 ? `${(Math.round(p * 10) / 10).toString()} %` : `${Math.round(p).toString()} %`;
}
