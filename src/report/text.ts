/**
 * The text report: the story first, then the evidence, then the inputs; at most 80 columns; log text
 * sanitised so it cannot act on the terminal. Colour (only emphasis) when opts.color is true.
 */
import type { Burst, Finding, HostReport, InputReport, Report } from '../model/report.js';
import { renderChart } from './chart.js';
import { clip, fmtDuration, fmtInt, fmtStamp, fmtUptime, plural, wrap } from './format.js';
import { sanitizeText } from './sanitize.js';
import type { RenderOptions } from './types.js';

export const TEXT_WIDTH = 80;

const SGR = { red: '\u001b[31m', yellow: '\u001b[33m', cyan: '\u001b[36m', bold: '\u001b[1m', reset: '\u001b[0m' };

function paint(on: boolean | undefined, code: string, s: string): string {
  return on ? `${code}${s}${SGR.reset}` : s;
}

function heading(opts: RenderOptions, s: string): string {
  return paint(opts.color, SGR.bold, s);
}

function burstWhen(b: Burst): string {
  return b.start !== null ? fmtStamp(b.start) : `uptime ${fmtUptime(b.startUptime)}`;
}

function burstLength(b: Burst): string {
  if (b.start !== null && b.end !== null) return fmtDuration(Date.parse(b.end) - Date.parse(b.start));
  if (b.startUptime !== null && b.endUptime !== null) return fmtDuration((b.endUptime - b.startUptime) * 1000);
  return '?';
}

/** The story of one host in a few sentences (the correlation issue makes it richer). */
export function narrative(h: HostReport): string {
  const d = h.drops;
  const parts: string[] = [];
  if (d.logged === 0) {
    parts.push('No conntrack "table full" drops were logged in these inputs.');
  } else if (d.bursts.length === 0) {
    parts.push(`The kernel logged ${plural(d.logged, '"table full" drop')}, without time stamps, so bursts cannot be placed in time.`);
  } else {
    const first = d.bursts[0]!;
    const last = d.bursts[d.bursts.length - 1]!;
    const totalMs = d.bursts.reduce((n, b) => n + (b.start && b.end ? Date.parse(b.end) - Date.parse(b.start) : b.startUptime !== null && b.endUptime !== null ? (b.endUptime - b.startUptime) * 1000 : 0), 0);
    const when = first.start !== null
      ? `between ${fmtStamp(first.start)} and ${fmtStamp(last.end)} UTC`
      : `between ${fmtUptime(first.startUptime)} and ${fmtUptime(last.endUptime)} after boot (no wall-clock anchor)`;
    parts.push(`The conntrack table was full: the kernel logged ${plural(d.logged, 'drop')} in ${plural(d.bursts.length, 'burst')} ${when}, ${fmtDuration(totalMs)} in all.`);
    if (d.undated) parts.push(`${fmtInt(d.undated)} of them carry no time stamp.`);
  }
  if (d.suppressed > 0) {
    parts.push(`Rate limiting suppressed ${fmtInt(d.suppressed)} more messages, so the real number of drops is higher than logged.`);
  }
  const exp = h.eventCounts['expectation-full'] ?? 0;
  if (exp) parts.push(`The helper expectation table was full ${plural(exp, 'time')}.`);
  return parts.join(' ');
}

function renderBursts(h: HostReport, opts: RenderOptions, gapSeconds: number): string[] {
  const d = h.drops;
  if (!d.bursts.length) return [];
  const withMax = d.bursts.some((b) => b.atMax !== undefined && b.atMax !== null);
  const out = [heading(opts, `DROP BURSTS (gap ${gapSeconds}s, times UTC)`.padEnd(34)) + `logged  suppressed  peak/min${withMax ? '  at max' : ''}`];
  const shown = d.bursts.slice(0, 20);
  shown.forEach((b, i) => {
    const n = String(i + 1).padStart(3);
    const when = burstWhen(b).padEnd(16);
    const len = burstLength(b).padStart(7);
    const atMax = withMax ? `  ${(b.atMax === true ? 'yes' : b.atMax === false ? 'NO' : '?').padStart(6)}` : '';
    out.push(`${n} ${when}${len}  ${fmtInt(b.logged).padStart(8)}  ${fmtInt(b.suppressed).padStart(10)}  ${fmtInt(b.peakPerMinute).padStart(8)}${atMax}`);
  });
  if (d.bursts.length > shown.length) out.push(`  ... ${plural(d.bursts.length - shown.length, 'more burst')} (see --format json)`);
  return out;
}

/** Which source counted which drops, and how monotonic stamps were placed (one clock, each drop once). */
function renderSources(h: HostReport, opts: RenderOptions, short: (p: string) => string): string[] {
  const src = h.correlation.sources.filter((s) => s.dropLines > 0);
  if (src.length < 2 && !src.some((s) => s.clock === 'monotonic' || s.clock === 'monotonic-anchored')) return [];
  const out = [heading(opts, 'DROP SOURCES') + '  (each drop counted once)'];
  for (const s of src) {
    const what = s.clock === 'wall' ? 'wall clock' : s.clock === 'monotonic-anchored' ? 'uptime, anchored' : s.clock === 'monotonic' ? 'uptime only' : s.clock;
    out.push(clip(`  ${clip(sanitizeText(short(s.path)), 28).padEnd(28)} ${what.padEnd(17)}${fmtInt(s.dropLines).padStart(8)} lines${fmtInt(s.counted).padStart(8)} counted`, TEXT_WIDTH));
    if (s.note) out.push(...wrap(sanitizeText(s.note), TEXT_WIDTH, '      '));
  }
  out.push(...wrap(`clock: ${sanitizeText(h.correlation.clock.anchor)}${h.correlation.clock.bootTime ? `; boot ${fmtStamp(h.correlation.clock.bootTime)} UTC` : ''}`, TEXT_WIDTH, '  '));
  return out;
}

function renderPerMinute(h: HostReport, opts: RenderOptions): string[] {
  const pm = h.drops.perMinute;
  if (pm.length < 2) return [];
  // one value per minute from the first to the last, zeros between bursts
  const wall = pm[0]!.minute !== null;
  const keyOf = (p: (typeof pm)[number]): number => (wall ? Date.parse(p.minute!) / 60_000 : (p.minuteUptime ?? 0) / 60);
  const first = keyOf(pm[0]!);
  const last = keyOf(pm[pm.length - 1]!);
  const span = last - first + 1;
  if (span > 2_000_000) return [];
  const values = new Array<number>(span).fill(0);
  for (const p of pm) values[keyOf(p) - first] = p.logged;
  const lines = renderChart([values], { height: 6, width: 66, labelWidth: 6 });
  const label = wall ? `${fmtStamp(pm[0]!.minute)} .. ${fmtStamp(pm[pm.length - 1]!.minute)} UTC` : 'minutes since boot';
  return [heading(opts, 'DROPS LOGGED PER MINUTE') + `  ${label}`, ...lines];
}

function renderEvents(h: HostReport, opts: RenderOptions): string[] {
  const evs = h.events.filter((e) => e.type !== 'reboot');
  if (!evs.length) return [];
  // runs of the same message are one row: first time, last time, how many
  const rows: { first: (typeof evs)[number]; last: (typeof evs)[number]; n: number }[] = [];
  for (const e of evs) {
    const prev = rows[rows.length - 1];
    if (prev && prev.first.type === e.type && prev.first.text === e.text) {
      prev.last = e;
      prev.n++;
    } else rows.push({ first: e, last: e, n: 1 });
  }
  const when = (e: (typeof evs)[number]): string => (e.at !== null ? fmtStamp(e.at) : e.uptime !== null ? fmtUptime(e.uptime) : 'undated');
  const out = [heading(opts, 'OTHER KERNEL EVENTS') + '  (times UTC)'];
  for (const r of rows.slice(0, 12)) {
    const a = when(r.first);
    const b = when(r.last);
    const times = r.n > 1 ? `${a} .. ${b.slice(0, 7) === a.slice(0, 7) ? b.slice(7) : b} (${r.n}x)` : a;
    out.push(clip(`  ${times}  ${sanitizeText(r.first.text)}`, TEXT_WIDTH));
  }
  if (rows.length > 12) out.push(`  ... ${plural(rows.length - 12, 'more row')}`);
  const kept = evs.length;
  const total = Object.entries(h.eventCounts).filter(([t]) => t !== 'reboot').reduce((n, [, c]) => n + c, 0);
  if (total > kept) out.push(`  (${fmtInt(total)} events in all; the first ${EVENTS_PER_TYPE} of each kind are listed)`);
  return out;
}

const EVENTS_PER_TYPE = 20;

function severityLabel(f: Finding, opts: RenderOptions): string {
  const word = f.severity.padEnd(8);
  const color = f.severity === 'error' ? SGR.red : f.severity === 'warning' ? SGR.yellow : SGR.cyan;
  return paint(opts.color, color, word);
}

/** Evidence paths: the base name when it is unique among the inputs (80 columns are precious). */
export function pathShortener(inputs: readonly InputReport[]): (p: string) => string {
  const base = (p: string): string => p.slice(p.lastIndexOf('/', p.length - 2) + 1);
  const counts = new Map<string, number>();
  for (const i of inputs) counts.set(base(i.path), (counts.get(base(i.path)) ?? 0) + 1);
  return (p) => (counts.get(base(p)) === 1 ? base(p) : p);
}

export function renderFindings(findings: readonly Finding[], opts: RenderOptions, short: (p: string) => string = (p) => p): string[] {
  if (!findings.length) return [heading(opts, 'FINDINGS'), '  none'];
  const out = [heading(opts, 'FINDINGS')];
  for (const f of findings) {
    const head = `  ${severityLabel(f, opts)} ${f.id}`;
    out.push(head);
    out.push(...wrap(sanitizeText(f.message), TEXT_WIDTH, '           '));
    for (const e of f.evidence.slice(0, 3)) {
      const where = `${short(e.path)}${e.line !== null ? `:${e.line}` : ''}`;
      out.push(clip(`           ${sanitizeText(where)}  ${sanitizeText(e.text.trim().replace(/\s+/g, " "))}`, TEXT_WIDTH));
    }
  }
  return out;
}

function renderInputs(inputs: readonly InputReport[], opts: RenderOptions): string[] {
  const out = [heading(opts, 'INPUTS') + '  (lines: total / parsed / ignored / malformed)'];
  for (const i of inputs) {
    const name = clip(sanitizeText(i.path), TEXT_WIDTH - 2);
    if (i.status !== 'parsed') {
      out.push(`  ${name}`);
      out.push(...wrap(`${i.status}: ${sanitizeText(i.reason ?? '')}`, TEXT_WIDTH, '      '));
      continue;
    }
    out.push(`  ${name}`);
    const l = i.lines;
    const drops = i.dropLines ? `, ${plural(i.dropLines, 'drop line')}` : '';
    out.push(clip(`      ${i.kind ?? '?'} (${i.format ?? '?'})  ${fmtInt(l.total)} / ${fmtInt(l.parsed)} / ${fmtInt(l.ignored)} / ${fmtInt(l.malformed)}${drops}`, TEXT_WIDTH));
  }
  const bad = inputs.filter((i) => i.issues.length);
  if (bad.length) {
    out.push('', heading(opts, 'MALFORMED LINES') + '  (the first 20 of each input)');
    for (const i of bad) {
      for (const is of i.issues) out.push(clip(`  ${sanitizeText(i.path)}:${is.line}  ${is.code}  ${sanitizeText(is.text)}`, TEXT_WIDTH));
    }
  }
  return out;
}

/** Sections contributed per host by other input kinds (registered by report/text-sections.ts). */
export type HostSectionRenderer = (h: HostReport, opts: RenderOptions) => string[];

export function renderHostText(h: HostReport, report: Report, opts: RenderOptions, extra: readonly HostSectionRenderer[] = [], short: (p: string) => string = (p) => p): string[] {
  const gap = Number(report.run.options['burstGapSeconds'] ?? 60);
  const out: string[] = [];
  out.push(heading(opts, 'WHAT HAPPENED'));
  out.push(...wrap(sanitizeText(h.summary ?? narrative(h)), TEXT_WIDTH, '  '));
  for (const part of [renderBursts(h, opts, gap), renderSources(h, opts, short), renderPerMinute(h, opts), ...extra.map((r) => r(h, opts)), renderEvents(h, opts)]) {
    if (part.length) out.push('', ...part);
  }
  return out;
}

export function renderText(report: Report, opts: RenderOptions, extra: readonly HostSectionRenderer[] = []): string {
  const lines: string[] = [];
  const total = report.inputs.reduce((n, i) => n + i.lines.total, 0);
  const malformed = report.inputs.reduce((n, i) => n + i.lines.malformed, 0);
  const hostNames = report.hosts.map((h) => h.name ?? '(unnamed host)');
  const who = hostNames.length === 1 ? hostNames[0]! : `${hostNames.length} hosts`;
  lines.push(clip(`ctdoctor ${report.tool.version} -- ${sanitizeText(who)} -- ${plural(report.inputs.length, 'input')}, ${plural(total, 'line')} (${fmtInt(malformed)} malformed)`, TEXT_WIDTH));
  for (const a of report.run.assumptions) lines.push(...wrap(`assumed: ${sanitizeText(a)}`, TEXT_WIDTH - 2).map((l, i) => (i ? `  ${l}` : l)));
  if (report.fleet && report.fleet.length > 1) {
    lines.push('', heading(opts, 'FLEET') + '  (worst first)', `  ${'host'.padEnd(30)}${'drops'.padStart(10)}  ${'peak/max'.padStart(8)}  top finding`);
    for (const r of report.fleet) {
      const peak = r.peakShareOfMax === null ? '?' : `${Math.round(r.peakShareOfMax * 100)} %`;
      const top = r.topFinding ? `${r.topFinding.severity} ${r.topFinding.id}` : '-';
      lines.push(clip(`  ${clip(sanitizeText(r.host ?? '(unnamed)'), 30).padEnd(30)}${fmtInt(r.dropsLogged).padStart(10)}  ${peak.padStart(8)}  ${top}`, TEXT_WIDTH));
    }
  }
  for (const h of report.hosts) {
    lines.push('');
    if (report.hosts.length > 1) lines.push(heading(opts, `== HOST ${sanitizeText(h.name ?? '(unnamed)')} ==`), '');
    lines.push(...renderHostText(h, report, opts, extra, pathShortener(report.inputs)));
  }
  lines.push('', ...renderFindings(report.findings, opts, pathShortener(report.inputs)));
  lines.push('', ...renderInputs(report.inputs, opts));
  return lines.join('\n') + '\n';
}
