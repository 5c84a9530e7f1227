/**
 * The Markdown report, postmortem-ready (GitHub-flavoured Markdown): the story, the timeline of events
 * (drop bursts), table usage with a Mermaid `xychart-beta` chart, what fills the table, recommendations
 * with the sysctl file in an ```ini block, findings, skipped rules and the inputs.
 * Report text is escaped with escapeMarkdown (inline and table cells) or markdownFence (code blocks: the
 * fence is longer than any backtick run in the text). Pure and deterministic.
 */
import type { Burst, Change, Finding, HostReport, InputReport, Recommendations, Report, TableSection, TimelineSection } from '../model/report.js';
import { fmtDuration, fmtInt, fmtStamp, fmtUptime, plural } from './format.js';
import { escapeMarkdown as md, markdownFence } from './sanitize.js';
import { narrative } from './text.js';
import { formatBytes } from './text/settings.js';
import type { RenderOptions } from './types.js';

/** Mermaid refuses large diagrams: the count timeline is cut into about this many time buckets. */
export const MERMAID_POINTS = 200;

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** A GFM table; `right` marks right-aligned (numeric) columns. Cells are already escaped. */
function table(head: readonly string[], right: readonly boolean[], rows: readonly (readonly string[])[]): string[] {
  return [row(head), row(head.map((_, i) => (right[i] ? '---:' : '---'))), ...rows.map(row)];
}

function pct(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return '<0.1 %';
  return p < 10 ? `${(Math.round(p * 10) / 10).toString()} %` : `${Math.round(p).toString()} %`;
}

function when(iso: string | null, uptime: number | null): string {
  return iso !== null ? fmtStamp(iso) : uptime !== null ? `${fmtUptime(uptime)} after boot` : 'undated';
}

function where(path: string, line: number | null): string {
  return md(`${path}${line !== null ? `:${line}` : ''}`);
}

function burstLength(b: Burst): string {
  if (b.start !== null && b.end !== null) return fmtDuration(Date.parse(b.end) - Date.parse(b.start));
  if (b.startUptime !== null && b.endUptime !== null) return fmtDuration((b.endUptime - b.startUptime) * 1000);
  return '?';
}

/** Text for a Mermaid double-quoted string: no quotes, no controls, nothing Mermaid could read as markup. */
function mermaidText(s: string): string {
  return s.replace(/[^A-Za-z0-9 .,:;_/()+%-]/g, '?');
}

/**
 * Bucket the dated samples into about `points` equal time slices, keeping each slice's maximum (a peak
 * at the max must survive). A slice without samples repeats the previous value (Mermaid needs a number
 * for every point); the gaps are listed in the text.
 */
export function mermaidSeries(series: TimelineSection['series'], points = MERMAID_POINTS): { from: number; to: number; values: number[] } | null {
  const pts = series.filter((p) => p.at !== null).map((p) => ({ t: Date.parse(p.at!), c: p.count })).filter((p) => Number.isFinite(p.t));
  if (pts.length < 2) return null;
  const from = Math.min(...pts.map((p) => p.t));
  const to = Math.max(...pts.map((p) => p.t));
  if (to <= from) return null;
  const n = Math.min(points, pts.length);
  const slots = new Array<number>(n).fill(-1);
  for (const p of pts) {
    const i = Math.min(n - 1, Math.floor(((p.t - from) / (to - from)) * n));
    slots[i] = Math.max(slots[i]!, p.c);
  }
  let prev = slots.find((v) => v >= 0) ?? 0;
  const values = slots.map((v) => (v >= 0 ? (prev = v) : prev));
  return { from, to, values };
}

function mermaidChart(t: TimelineSection, host: string | null): string[] {
  const s = mermaidSeries(t.series);
  if (!s) return [];
  const spanH = (s.to - s.from) / 3600e3;
  const [unit, div] = spanH > 72 ? ['days', 24] : spanH > 3 ? ['hours', 1] : ['minutes', 1 / 60];
  const span = Math.round((spanH / div) * 10) / 10;
  const drawMax = t.max !== null && t.max <= 4 * Math.max(1, t.peak.count);
  const top = Math.max(...s.values, drawMax && t.max !== null ? t.max : 0);
  const yTop = Math.ceil((top * 1.05) / 1000) * 1000 || 1;
  const out = [
    '```mermaid',
    'xychart-beta',
    `  title "conntrack entries${host ? ` on ${mermaidText(host)}` : ''}${drawMax ? ` (flat line: max ${t.max})` : ''}"`,
    `  x-axis "${unit} since ${mermaidText(fmtStamp(new Date(s.from).toISOString()))} UTC" 0 --> ${span}`,
    `  y-axis "entries" 0 --> ${yTop}`,
    `  line [${s.values.join(', ')}]`,
  ];
  if (drawMax) out.push(`  line [${s.values.map(() => t.max).join(', ')}]`);
  out.push('```');
  return out;
}

function timelineSection(t: TimelineSection, host: string | null, h3: string): string[] {
  const out = [`${h3} Table usage`, ''];
  const facts: string[] = [`${plural(t.samples, 'sample')} from ${md(t.peak.path)}${t.intervalSeconds !== null ? `, every ${fmtDuration(t.intervalSeconds * 1000)}` : ''}${t.start && t.end ? `, ${fmtStamp(t.start)} to ${fmtStamp(t.end)} UTC` : ''}`];
  facts.push(`peak ${fmtInt(t.peak.count)}${t.max !== null && t.max > 0 ? ` (${pct(t.peak.count / t.max)} of max ${fmtInt(t.max)})` : ''}${t.peak.at ? ` at ${fmtStamp(t.peak.at)} UTC` : ''}; mean ${fmtInt(t.mean)}, p95 ${fmtInt(t.p95)}`);
  if (t.aboveThreshold) {
    const a = t.aboveThreshold;
    facts.push(`time at or above 80 %: ${fmtDuration(a['80'] * 1000)}, 90 %: ${fmtDuration(a['90'] * 1000)}, at max: ${fmtDuration(a['100'] * 1000)}`);
  }
  if (t.trendPerDay !== null) facts.push(`trend ${t.trendPerDay >= 0 ? '+' : '-'}${fmtInt(Math.abs(t.trendPerDay))} entries/day`);
  for (const g of t.gaps.slice(0, 5)) facts.push(`gap in the samples: ${fmtStamp(g.start)} to ${fmtStamp(g.end)} UTC (${fmtDuration(g.seconds * 1000)})`);
  if (t.gaps.length > 5) facts.push(`${plural(t.gaps.length - 5, 'more gap')}`);
  for (const r of t.resets.slice(0, 5)) facts.push(`reset ${fmtInt(r.from)} -> ${fmtInt(r.to)}${r.at ? ` at ${fmtStamp(r.at)} UTC` : ''}`);
  out.push(...facts.map((f) => `- ${f}`));
  const chart = mermaidChart(t, host);
  if (chart.length) out.push('', ...chart);
  return out;
}

function topRows(m: Readonly<Record<string, number>>): { k: string; n: number }[] {
  return Object.keys(m).map((k) => ({ k, n: m[k]! })).sort((a, b) => b.n - a.n || (a.k < b.k ? -1 : 1));
}

function tableSection(t: TableSection, h3: string): string[] {
  const out = [`${h3} What fills the table`, ''];
  out.push(`${md(t.path)}: ${plural(t.entries, 'entry', 'entries')}${t.approximate ? ' (approximate)' : ''}${t.partial ? ' (partial capture)' : ''}`, '');
  if (t.entries > 0) {
    const chips = (m: Readonly<Record<string, number>>): string => topRows(m).slice(0, 8).map((r) => `${md(r.k)} ${pct(r.n / t.entries)}`).join(', ');
    out.push(`- by state: ${chips(t.byState)}`);
    out.push(`- by protocol: ${chips(t.byProtocol)}`);
    out.push(`- NAT ${pct(t.nat / t.entries)}, early-droppable ${pct(t.earlyDroppable / t.entries)}, unreplied ${pct(t.flags.unreplied / t.entries)}`);
  }
  const R = [false, true, true];
  if (t.topSources.length) out.push('', ...table(['top source', 'entries', 'share'], R, t.topSources.map((s) => [md(s.ip), fmtInt(s.count), pct(s.share)])));
  if (t.topDestinations.length) out.push('', ...table(['top destination', 'entries', 'share'], R, t.topDestinations.map((s) => [md(s.ip), fmtInt(s.count), pct(s.share)])));
  if (t.topDestinationPorts.length) out.push('', ...table(['top destination port', 'entries', 'share'], R, t.topDestinationPorts.map((s) => [md(`${s.protocol}/${s.port}`), fmtInt(s.count), pct(s.share)])));
  if (t.topPairs.length) out.push('', ...table(['source', 'destination', 'protocol/port', 'entries', 'share'], [false, false, false, true, true], t.topPairs.map((p) => [md(p.src), md(p.dst), md(p.port === null ? p.protocol : `${p.protocol}/${p.port}`), fmtInt(p.count), pct(p.share)])));
  return out;
}

function changeRow(name: string, c: Change, frees?: number | null): string[] {
  return [md(name), c.current === null ? '?' : fmtInt(c.current), fmtInt(c.recommended), md(c.reason) + (frees ? ` (frees about ${fmtInt(frees)} entries)` : '')];
}

function recommendationsSection(r: Recommendations, h3: string): string[] {
  const out = [`${h3} Recommendations`, ''];
  const rows = [changeRow('nf_conntrack_max', r.nf_conntrack_max), changeRow('nf_conntrack_buckets', r.nf_conntrack_buckets)];
  for (const k of Object.keys(r.timeouts)) rows.push(changeRow(k, r.timeouts[k]!, r.timeouts[k]!.frees));
  out.push(...table(['setting', 'current', 'recommended', 'why'], [false, true, true, false], rows), '');
  out.push(`Kernel memory at the recommended max: ${formatBytes(r.memoryBytes)}${r.memoryShareOfRam !== null ? ` (${pct(r.memoryShareOfRam)} of RAM)` : ''}.`);
  if (r.overBudget) out.push('', '**Over the memory budget:** reduce demand (timeouts, NOTRACK, limits) before growing the table.');
  if (r.kubeProxy) out.push('', `**kube-proxy:** ${md(r.kubeProxy)}`);
  if (r.synCookies) out.push('', 'SYN flooding was seen: keep net.ipv4.tcp\\_syncookies=1.');
  for (const n of r.notrack) out.push('', `NOTRACK candidate ${md(`${n.protocol}/${n.port}`)} (${fmtInt(n.entries)} entries): ${md(n.caveats)}`, '', markdownFence(n.rules.join('\n'), 'sh'));
  for (const l of r.rateLimits) out.push('', `Limit source ${md(l.source)} (${fmtInt(l.entries)} entries):`, '', markdownFence(l.rules.join('\n'), 'sh'));
  if (r.sysctlFile) out.push('', 'The sysctl file (/etc/sysctl.d/):', '', markdownFence(r.sysctlFile, 'ini'));
  if (r.persistence) out.push('', 'Make it stick, apply and verify:', '', markdownFence(r.persistence, 'sh'));
  if (r.assumptions.length) out.push('', ...r.assumptions.map((a) => `- assumed: ${md(a)}`));
  return out;
}

function burstsSection(h: HostReport, gap: number, h3: string): string[] {
  const b = h.drops.bursts;
  if (!b.length) return [];
  return [
    `${h3} Timeline of events (drop bursts, gap ${gap}s, times UTC)`, '',
    ...table(['#', 'start', 'end', 'length', 'logged', 'suppressed', 'peak/min', 'at max', 'first line'], [true, false, false, true, true, true, true, false, false],
      b.map((x, i) => [String(i + 1), md(when(x.start, x.startUptime)), md(when(x.end, x.endUptime)), burstLength(x), fmtInt(x.logged), fmtInt(x.suppressed), fmtInt(x.peakPerMinute), x.atMax === true ? 'yes' : x.atMax === false ? 'no' : '', where(x.path, x.line)])),
  ];
}

function hostSection(h: HostReport, report: Report): string[] {
  const several = report.hosts.length > 1;
  const h2 = several ? '###' : '##';
  const h3 = several ? '####' : '###';
  const gap = Number(report.run.options['burstGapSeconds'] ?? 60);
  const out: string[] = [];
  if (several) out.push(`## Host ${md(h.name ?? '(unnamed)')}`, '');
  out.push(`${h2} What happened`, '');
  const story = h.summary && h.summary.trim() ? h.summary : narrative(h);
  out.push(...story.split(/\n\s*\n/).flatMap((p, i) => [...(i ? [''] : []), md(p.replace(/\s*\n\s*/g, ' ').trim())]));
  const facts = [`drops logged: ${fmtInt(h.drops.logged)}`, `suppressed by rate limiting: ${fmtInt(h.drops.suppressed)}`];
  if (h.drops.first || h.drops.firstUptime !== null) facts.push(`first drop: ${md(when(h.drops.first, h.drops.firstUptime))}, last: ${md(when(h.drops.last, h.drops.lastUptime))}`);
  if (h.timeline?.aboveThreshold) facts.push(`time at max: ${fmtDuration(h.timeline.aboveThreshold['100'] * 1000)}`);
  out.push('', ...facts.map((f) => `- ${f}`));
  for (const part of [
    burstsSection(h, gap, h3),
    h.timeline ? timelineSection(h.timeline, h.name, h3) : [],
    h.table ? tableSection(h.table, h3) : [],
    h.recommendations ? recommendationsSection(h.recommendations, h3) : [],
  ]) if (part.length) out.push('', ...part);
  return out;
}

function findingsSection(findings: readonly Finding[], showHost: boolean): string[] {
  const out = ['## Findings', ''];
  if (!findings.length) return [...out, 'None.'];
  const head = ['severity', 'rule', ...(showHost ? ['host'] : []), 'message', 'evidence'];
  const rows = findings.map((f) => [
    `**${f.severity}**`, md(f.id), ...(showHost ? [md(f.host ?? '')] : []), md(f.message),
    f.evidence.map((e) => `${where(e.path, e.line)} ${md(e.text.trim())}`).join('<br>'),
  ]);
  return [...out, ...table(head, head.map(() => false), rows)];
}

function inputsSection(inputs: readonly InputReport[]): string[] {
  const out = ['## Inputs', ''];
  out.push(...table(['path', 'kind', 'format', 'status', 'lines', 'parsed', 'ignored', 'malformed', 'drop lines'], [false, false, false, false, true, true, true, true, true],
    inputs.map((i) => [md(i.path), md(i.kind ?? '?'), md(i.format ?? '?'), md(i.status + (i.reason ? `: ${i.reason}` : '')), fmtInt(i.lines.total), fmtInt(i.lines.parsed), fmtInt(i.lines.ignored), fmtInt(i.lines.malformed), fmtInt(i.dropLines)])));
  const bad = inputs.filter((i) => i.issues.length);
  if (bad.length) {
    out.push('', '### Malformed lines (the first 20 of each input)', '');
    out.push(...table(['line', 'code', 'text'], [false, false, false], bad.flatMap((i) => i.issues.map((x) => [where(i.path, x.line), md(x.code), md(x.text)]))));
  }
  return out;
}

/** Render the Report as a Markdown postmortem. */
export function renderMarkdown(report: Report, _opts: RenderOptions = {}): string {
  const names = report.hosts.map((h) => h.name ?? '(unnamed host)');
  const who = names.length === 1 ? names[0]! : names.length === 0 ? 'no host' : `${names.length} hosts`;
  const lines = report.inputs.reduce((s, i) => s + i.lines.total, 0);
  const malformed = report.inputs.reduce((s, i) => s + i.lines.malformed, 0);
  const out = [`# ctdoctor report: ${md(who)}`, ''];
  out.push(`ctdoctor ${md(report.tool.version)}, ${plural(report.inputs.length, 'input')}, ${plural(lines, 'line')} (${fmtInt(malformed)} malformed)${report.run.complete ? '' : ', **incomplete run**'}. Times are UTC.`);
  if (report.run.assumptions.length) out.push('', ...report.run.assumptions.map((a) => `- assumed: ${md(a)}`));
  if (report.fleet && report.fleet.length > 1) {
    out.push('', '## Fleet (worst first)', '', ...table(['host', 'drops logged', 'peak % of max', 'top finding'], [false, true, true, false], report.fleet.map((r) => [
      md(r.host ?? '(unnamed)'), fmtInt(r.dropsLogged), r.peakShareOfMax === null ? '?' : `${Math.round(r.peakShareOfMax * 100)} %`,
      r.topFinding ? `${r.topFinding.severity} ${md(r.topFinding.id)}` : '-',
    ])));
  }
  for (const h of report.hosts) out.push('', ...hostSection(h, report));
  out.push('', ...findingsSection(report.findings, report.hosts.length > 1));
  if (report.skips.length) out.push('', '## Rules skipped', '', ...table(['rule', 'host', 'reason'], [false, false, false], report.skips.map((s) => [md(s.id), md(s.host ?? ''), md(s.reason)])));
  out.push('', ...inputsSection(report.inputs));
  return out.join('\n') + '\n';
}
