/**
 * The HTML report: one self-contained, printable page (inline CSS and SVG, no script, no network; a
 * Content-Security-Policy meta tag forbids scripts and remote loads even if an escape were missed).
 * Per host: the story, the usage timeline with the max line and drop bursts shaded, drops per minute,
 * bursts, what fills the table (state/protocol bars, top talkers), settings and counters, kernel events,
 * recommendations with the sysctl file in a copyable <pre>; then findings with evidence, skipped rules and
 * the input accounting. Pure and deterministic; every piece of report text goes through escapeHtml.
 */
import type { Burst, Change, Finding, HostReport, InputReport, Recommendations, Report, TableSection, TimelineSection } from '../model/report.js';
import { fmtDuration, fmtInt, fmtStamp, fmtUptime, plural } from './format.js';
import { CSS } from './html/css.js';
import { perMinuteSvg, shareBarsSvg, sharePct, timeDomain, timelineSvg } from './html/svg.js';
import { escapeHtml as esc } from './sanitize.js';
import { narrative } from './text.js';
import { formatBytes, KEY_ORDER } from './text/settings.js';
import type { RenderOptions } from './types.js';

/** A table from pre-escaped cells; `num` columns are right-aligned. */
function table(head: readonly (string | { readonly label: string; readonly num: true })[], rows: readonly (readonly string[])[], cls = ''): string {
  const isNum = head.map((h) => typeof h !== 'string');
  const th = head.map((h) => (typeof h === 'string' ? `<th>${esc(h)}</th>` : `<th class="num">${esc(h.label)}</th>`)).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${isNum[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Multi-line text for a <pre>: each line escaped (escapeHtml alone would make the newlines visible as \x0A). */
function escLines(s: string): string {
  return s.replace(/\r?\n$/, '').split(/\r?\n/).map(esc).join('\n');
}

const num = (label: string): { label: string; num: true } => ({ label, num: true });

function where(path: string, line: number | null): string {
  return `<span class="mono">${esc(path)}${line !== null ? `:${line}` : ''}</span>`;
}

function when(iso: string | null, uptime: number | null): string {
  return iso !== null ? fmtStamp(iso) : uptime !== null ? fmtUptime(uptime) : 'undated';
}

function burstSeconds(b: Burst): number | null {
  if (b.start !== null && b.end !== null) return (Date.parse(b.end) - Date.parse(b.start)) / 1000;
  if (b.startUptime !== null && b.endUptime !== null) return b.endUptime - b.startUptime;
  return null;
}

/** Paragraphs of the host's story: the report's summary when present, else the drops story. */
function story(h: HostReport): string {
  const text = h.summary && h.summary.trim() ? h.summary : narrative(h);
  return text.split(/\n\s*\n/).map((p) => `<p>${esc(p.replace(/\s*\n\s*/g, ' ').trim())}</p>`).join('\n');
}

function tiles(h: HostReport): string {
  const items: [string, string][] = [];
  items.push(['drops logged', fmtInt(h.drops.logged)]);
  if (h.drops.suppressed) items.push(['more suppressed', fmtInt(h.drops.suppressed)]);
  if (h.drops.bursts.length) items.push(['bursts', fmtInt(h.drops.bursts.length)]);
  const t = h.timeline;
  if (t) {
    items.push(['peak entries', t.max !== null && t.max > 0 ? `${fmtInt(t.peak.count)} (${sharePct(t.peak.count / t.max)} of max)` : fmtInt(t.peak.count)]);
    if (t.aboveThreshold) items.push(['time at max', fmtDuration(t.aboveThreshold['100'] * 1000)]);
  }
  if (h.table) items.push(['entries in capture', fmtInt(h.table.entries)]);
  return `<ul class="tiles">${items.map(([k, v]) => `<li><b>${esc(v)}</b>${esc(k)}</li>`).join('')}</ul>`;
}

function timelineCaption(t: TimelineSection): string {
  const parts = [`${plural(t.samples, 'sample')} from ${esc(t.peak.path)}`];
  if (t.intervalSeconds !== null) parts.push(`every ${fmtDuration(t.intervalSeconds * 1000)}`);
  parts.push(`peak ${fmtInt(t.peak.count)}${t.peak.at ? ` at ${fmtStamp(t.peak.at)} UTC` : ''}`);
  parts.push(`mean ${fmtInt(t.mean)}`, `p95 ${fmtInt(t.p95)}`);
  if (t.max !== null) parts.push(`max ${fmtInt(t.max)}${t.maxSource ? ` (from ${esc(t.maxSource)})` : ''}`);
  if (t.aboveThreshold) {
    const a = t.aboveThreshold;
    parts.push(`time at or above 80 %: ${fmtDuration(a['80'] * 1000)}, 90 %: ${fmtDuration(a['90'] * 1000)}, at max: ${fmtDuration(a['100'] * 1000)}`);
  }
  if (t.trendPerDay !== null) parts.push(`trend ${t.trendPerDay >= 0 ? '+' : '-'}${fmtInt(Math.abs(t.trendPerDay))}/day`);
  if (t.gaps.length) parts.push(`${plural(t.gaps.length, 'gap')} in the samples`);
  if (t.resets.length) parts.push(`${plural(t.resets.length, 'reset')}`);
  if (t.undatedSamples) parts.push(`${fmtInt(t.undatedSamples)} undated samples not drawn`);
  return parts.join(' · ');
}

const LEGEND = '<span class="legend count"></span>entries<span class="legend max"></span>max<span class="legend burst"></span>drop burst';

function chartsSection(h: HostReport): string {
  const d = timeDomain(h.timeline, h.drops.bursts, h.drops.perMinute);
  const name = h.name ?? '';
  const out: string[] = [];
  const t = h.timeline;
  if (t && d && d.kind === 'wall' && t.series.some((p) => p.at !== null)) {
    out.push('<h3>Table usage</h3>');
    out.push(`<figure>${timelineSvg(t, h.drops.bursts, d, name)}<figcaption>${LEGEND} · ${timelineCaption(t)}</figcaption></figure>`);
  } else if (t) {
    out.push('<h3>Table usage</h3>', `<p class="note">${timelineCaption(t)} (no dated samples to draw)</p>`);
  }
  if (d && h.drops.perMinute.length) {
    out.push('<h3>Drops logged per minute</h3>');
    out.push(`<figure>${perMinuteSvg(h.drops.perMinute, h.drops.bursts, d, name)}<figcaption>the kernel logs at most about 120 drop lines a minute (net_ratelimit); the rest are counted as suppressed${d.kind === 'uptime' ? ' · times are seconds since boot (no wall-clock anchor)' : ''}</figcaption></figure>`);
  }
  return out.join('\n');
}

function burstsSection(h: HostReport, gap: number): string {
  const bursts = h.drops.bursts;
  if (!bursts.length) return '';
  const rows = bursts.map((b, i) => {
    const s = burstSeconds(b);
    return [
      String(i + 1),
      esc(when(b.start, b.startUptime)),
      esc(when(b.end, b.endUptime)),
      s === null ? '?' : fmtDuration(s * 1000),
      fmtInt(b.logged),
      fmtInt(b.suppressed),
      fmtInt(b.peakPerMinute),
      b.atMax === true ? 'yes' : b.atMax === false ? 'no' : '',
      where(b.path, b.line),
    ];
  });
  return `<h3>Drop bursts <span class="muted">(gap ${gap}s, times UTC)</span></h3>\n${table(['#', 'start', 'end', num('length'), num('logged'), num('suppressed'), num('peak/min'), 'at max', 'first line'], rows)}`;
}

/** Up to `n` largest rows of a count map (by count, then name), for the bars. */
function topRows(m: Readonly<Record<string, number>>, n: number): { label: string; count: number }[] {
  return Object.keys(m).map((k) => ({ label: k, count: m[k]! })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1)).slice(0, n);
}

function tableSection(t: TableSection): string {
  const out = [`<h3>What fills the table <span class="muted">(${esc(t.path)}: ${plural(t.entries, 'entry', 'entries')}${t.approximate ? ', approximate' : ''}${t.partial ? ', partial capture' : ''})</span></h3>`];
  const notes: string[] = [];
  if (t.entries > 0) {
    notes.push(`NAT ${sharePct(t.nat / t.entries)}`, `early-droppable ${sharePct(t.earlyDroppable / t.entries)}`, `assured ${sharePct(t.flags.assured / t.entries)}`, `unreplied ${sharePct(t.flags.unreplied / t.entries)}`);
    const v6 = t.byFamily['ipv6'];
    if (v6) notes.push(`IPv6 ${sharePct(v6 / t.entries)}`);
  }
  if (notes.length) out.push(`<p>${notes.map(esc).join(' · ')}</p>`);
  const bars: string[] = [];
  const states = topRows(t.byState, 10);
  if (states.length) bars.push(`<figure>${shareBarsSvg('entries by state', states, t.entries)}<figcaption>by state${Object.keys(t.byState).length > states.length ? ` (top ${states.length})` : ''}</figcaption></figure>`);
  const protos = topRows(t.byProtocol, 8);
  if (protos.length) bars.push(`<figure>${shareBarsSvg('entries by protocol', protos, t.entries)}<figcaption>by protocol</figcaption></figure>`);
  if (bars.length) out.push(`<div class="grid2">${bars.join('')}</div>`);
  const lists: string[] = [];
  const row = (label: string, c: { count: number; share: number }): string[] => [label, fmtInt(c.count), sharePct(c.share)];
  if (t.topSources.length) lists.push(`<div><h4>Top sources</h4>${table(['source', num('entries'), num('share')], t.topSources.map((s) => row(`<span class="mono">${esc(s.ip)}</span>`, s)))}</div>`);
  if (t.topDestinations.length) lists.push(`<div><h4>Top destinations</h4>${table(['destination', num('entries'), num('share')], t.topDestinations.map((s) => row(`<span class="mono">${esc(s.ip)}</span>`, s)))}</div>`);
  if (t.topDestinationPorts.length) lists.push(`<div><h4>Top destination ports</h4>${table(['port', num('entries'), num('share')], t.topDestinationPorts.map((s) => row(esc(`${s.protocol}/${s.port}`), s)))}</div>`);
  if (lists.length) out.push(`<div class="grid2">${lists.join('')}</div>`);
  if (t.topPairs.length) {
    out.push(`<h4>Top pairs</h4>${table(['source', 'destination', 'protocol/port', num('entries'), num('share')], t.topPairs.map((p) => [`<span class="mono">${esc(p.src)}</span>`, `<span class="mono">${esc(p.dst)}</span>`, esc(p.port === null ? p.protocol : `${p.protocol}/${p.port}`), fmtInt(p.count), sharePct(p.share)]))}`);
  }
  return out.join('\n');
}

const PREFIX = 'net.netfilter.';

function settingsSection(h: HostReport): string {
  const out: string[] = [];
  const s = h.settings;
  const shown = KEY_ORDER.filter((k) => Object.prototype.hasOwnProperty.call(s, k));
  const list = shown.length ? shown : Object.keys(s).sort();
  const parts: string[] = [];
  if (list.length) {
    parts.push(`<div><h4>Settings</h4>${table(['sysctl', num('value')], list.map((k) => [`<span class="mono">${esc(k.startsWith(PREFIX) ? k.slice(PREFIX.length) : k)}</span>`, fmtInt(s[k]!)]))}${Object.keys(s).length > list.length ? `<p class="note">${fmtInt(Object.keys(s).length - list.length)} more in --format json</p>` : ''}</div>`);
  }
  const f = h.facts;
  if (f) {
    const rows: string[][] = [];
    if (f.hostname !== null) rows.push(['host name', esc(f.hostname)]);
    if (f.kernel !== null) rows.push(['kernel', esc(f.kernel)]);
    if (f.memTotalBytes !== null) rows.push(['memory', esc(formatBytes(f.memTotalBytes))]);
    if (f.cpus !== null) rows.push(['CPUs', fmtInt(f.cpus)]);
    if (f.entryBytes !== null) rows.push(['bytes per entry', fmtInt(f.entryBytes)]);
    if (rows.length) parts.push(`<div><h4>Host</h4>${table(['fact', 'value'], rows)}</div>`);
  }
  const c = h.counters;
  if (c) {
    const keys = Object.keys(c.totals).filter((k) => k !== 'cpu');
    parts.push(`<div><h4>conntrack -S totals <span class="muted">(${plural(c.cpus, 'CPU')})</span></h4>${table(['counter', num('total')], keys.map((k) => [esc(k), fmtInt(c.totals[k]!)]))}<p class="note">${esc(c.path)}; drop counts since module load (this netns), failed inserts included</p></div>`);
  }
  if (!parts.length) return '';
  out.push('<h3>Settings and counters</h3>', `<div class="grid2">${parts.join('')}</div>`);
  return out.join('\n');
}

function eventsSection(h: HostReport): string {
  const evs = h.events.filter((e) => e.type !== 'reboot');
  if (!evs.length) return '';
  const shown = evs.slice(0, 20);
  const rows = shown.map((e) => [esc(when(e.at, e.uptime)), esc(e.type), `<span class="mono">${esc(e.text)}</span>`, where(e.path, e.line)]);
  const total = Object.keys(h.eventCounts).filter((k) => k !== 'reboot').reduce((s, k) => s + (h.eventCounts[k] ?? 0), 0);
  const note = total > shown.length ? `<p class="note">${fmtInt(shown.length)} of ${fmtInt(total)} events shown</p>` : '';
  return `<h3>Other kernel events <span class="muted">(times UTC)</span></h3>\n${table(['when', 'type', 'message', 'line'], rows, 'events')}${note}`;
}

function changeRow(name: string, c: Change, frees?: number | null): string[] {
  return [
    `<span class="mono">${esc(name)}</span>`,
    c.current === null ? '?' : fmtInt(c.current),
    fmtInt(c.recommended),
    esc(c.reason) + (frees ? esc(` (frees ~${fmtInt(frees)} entries)`) : ''),
  ];
}

function recommendationsSection(r: Recommendations): string {
  const out = ['<h3>Recommendations</h3>'];
  const rows = [changeRow('nf_conntrack_max', r.nf_conntrack_max), changeRow('nf_conntrack_buckets', r.nf_conntrack_buckets)];
  for (const k of Object.keys(r.timeouts)) rows.push(changeRow(k, r.timeouts[k]!, r.timeouts[k]!.frees));
  out.push(table(['setting', num('current'), num('recommended'), 'why'], rows));
  const mem = `kernel memory at the recommended max: ${formatBytes(r.memoryBytes)}${r.memoryShareOfRam !== null ? ` (${sharePct(r.memoryShareOfRam)} of RAM)` : ''}`;
  out.push(`<p>${esc(mem)}</p>`);
  if (r.overBudget) out.push('<p><b>Over the memory budget:</b> reduce demand (timeouts, NOTRACK, limits) before growing the table.</p>');
  if (r.kubeProxy) out.push(`<p><b>kube-proxy:</b> ${esc(r.kubeProxy)}</p>`);
  if (r.synCookies) out.push('<p>SYN flooding was seen: keep <span class="mono">net.ipv4.tcp_syncookies=1</span>.</p>');
  if (r.notrack.length) {
    out.push(`<h4>NOTRACK candidates</h4>${table(['protocol/port', num('entries'), 'rules', 'caveats'], r.notrack.map((x) => [esc(`${x.protocol}/${x.port}`), fmtInt(x.entries), `<pre>${escLines(x.rules.join('\n'))}</pre>`, esc(x.caveats)]))}`);
  }
  if (r.rateLimits.length) {
    out.push(`<h4>Per-source limits</h4>${table(['source', num('entries'), 'rules'], r.rateLimits.map((x) => [`<span class="mono">${esc(x.source)}</span>`, fmtInt(x.entries), `<pre>${escLines(x.rules.join('\n'))}</pre>`]))}`);
  }
  if (r.sysctlFile) out.push('<h4>The sysctl file <span class="muted">(/etc/sysctl.d/, select to copy)</span></h4>', `<pre class="sysctl">${escLines(r.sysctlFile)}</pre>`);
  if (r.persistence) out.push('<h4>Make it stick, apply and verify</h4>', `<pre class="persistence">${escLines(r.persistence)}</pre>`);
  if (r.assumptions.length) out.push(`<ul class="note">${r.assumptions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>`);
  return out.join('\n');
}

function hostSection(h: HostReport, report: Report, index: number): string {
  const gap = Number(report.run.options['burstGapSeconds'] ?? 60);
  const several = report.hosts.length > 1;
  const out = [`<section class="host" id="host-${index + 1}">`];
  if (several) out.push(`<h2>Host ${esc(h.name ?? '(unnamed)')}</h2>`);
  out.push(`<h${several ? 3 : 2}>What happened</h${several ? 3 : 2}>`, `<div class="story">${story(h)}</div>`, tiles(h));
  for (const part of [chartsSection(h), burstsSection(h, gap), h.table ? tableSection(h.table) : '', h.recommendations ? recommendationsSection(h.recommendations) : '', settingsSection(h), eventsSection(h)]) {
    if (part) out.push(part);
  }
  out.push('</section>');
  return out.join('\n');
}

function findingHtml(f: Finding, showHost: boolean): string {
  const ev = f.evidence.map((e) => `<li><span class="where">${where(e.path, e.line)}</span><span class="mono">${esc(e.text)}</span></li>`).join('');
  return `<div class="finding sev-border-${f.severity}"><span class="sev sev-${f.severity}">${f.severity}</span> <b class="mono">${esc(f.id)}</b>${showHost && f.host !== null ? ` <span class="muted">on ${esc(f.host)}</span>` : ''}<p>${esc(f.message)}</p>${ev ? `<ul class="ev">${ev}</ul>` : ''}</div>`;
}

function inputsSection(inputs: readonly InputReport[]): string {
  const rows = inputs.map((i) => [
    `<span class="mono">${esc(i.path)}</span>${i.sha256 ? `<br><span class="note mono">sha256 ${esc(i.sha256)}</span>` : ''}`,
    esc(i.host ?? ''),
    esc(i.kind ?? '?'),
    esc(i.format ?? '?'),
    esc(i.status) + (i.reason ? `: ${esc(i.reason)}` : ''),
    fmtInt(i.lines.total), fmtInt(i.lines.parsed), fmtInt(i.lines.ignored), fmtInt(i.lines.malformed), fmtInt(i.dropLines),
  ]);
  const out = ['<h2>Inputs</h2>', table(['path', 'host', 'kind', 'format', 'status', num('lines'), num('parsed'), num('ignored'), num('malformed'), num('drop lines')], rows)];
  const bad = inputs.filter((i) => i.issues.length);
  if (bad.length) {
    out.push('<h3>Malformed lines <span class="muted">(the first 20 of each input)</span></h3>');
    out.push(table(['line', 'code', 'text'], bad.flatMap((i) => i.issues.map((x) => [where(i.path, x.line), esc(x.code), `<span class="mono">${esc(x.text)}</span>`])), 'issues'));
  }
  return out.join('\n');
}

/** Render the Report as one self-contained HTML page. */
export function renderHtml(report: Report, _opts: RenderOptions = {}): string {
  const names = report.hosts.map((h) => h.name ?? '(unnamed host)');
  const who = names.length === 1 ? names[0]! : names.length === 0 ? 'no host' : `${names.length} hosts`;
  const lines = report.inputs.reduce((s, i) => s + i.lines.total, 0);
  const malformed = report.inputs.reduce((s, i) => s + i.lines.malformed, 0);
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>ctdoctor report: ${esc(who)}</title>`, `<style>${CSS}</style>`, '</head>', '<body>');
  out.push('<header>', `<h1>ctdoctor report: ${esc(who)}</h1>`);
  out.push(`<p class="meta">ctdoctor ${esc(report.tool.version)} · ${plural(report.inputs.length, 'input')} · ${plural(lines, 'line')} (${fmtInt(malformed)} malformed)${report.run.complete ? '' : ' · <b>incomplete run</b>'}</p>`);
  if (report.run.assumptions.length) out.push(`<ul class="note assumptions">${report.run.assumptions.map((a) => `<li>assumed: ${esc(a)}</li>`).join('')}</ul>`);
  out.push('</header>');
  if (report.fleet && report.fleet.length > 1) {
    out.push('<section class="fleet">', '<h2>Fleet <span class="sub">(worst first)</span></h2>', table(['host', 'drops logged', 'peak % of max', 'top finding'], report.fleet.map((r) => [
      esc(r.host ?? '(unnamed)'), fmtInt(r.dropsLogged), r.peakShareOfMax === null ? '?' : `${Math.round(r.peakShareOfMax * 100)} %`,
      r.topFinding ? `${esc(r.topFinding.severity)} <span class="mono">${esc(r.topFinding.id)}</span>` : '-',
    ])), '</section>');
  }
  report.hosts.forEach((h, i) => out.push(hostSection(h, report, i)));
  out.push('<section class="findings">', '<h2>Findings</h2>');
  if (!report.findings.length) out.push('<p>none</p>');
  for (const f of report.findings) out.push(findingHtml(f, report.hosts.length > 1));
  if (report.skips.length) {
    out.push('<h3>Rules skipped</h3>', table(['rule', 'host', 'reason'], report.skips.map((s) => [`<span class="mono">${esc(s.id)}</span>`, esc(s.host ?? ''), esc(s.reason)])));
  }
  out.push('</section>', '<section class="inputs">', inputsSection(report.inputs), '</section>');
  out.push(`<footer>ctdoctor ${esc(report.tool.version)}, schema ${report.schemaVersion}: a self-contained report (no scripts, no network); times are UTC.</footer>`);
  out.push('</body>', '</html>');
  return out.join('\n') + '\n';
}
