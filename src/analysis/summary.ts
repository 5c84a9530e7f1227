/**
 * The narrative at the top of a host's report: what happened, when, how bad, what filled the table,
 * what to change. Every number in it is a field of the host's report, so a reader can check it.
 */
import type { HostReport } from '../model/report.js';
import { groupDigits } from '../util/format.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const n = (x: number): string => groupDigits(Math.round(x));
const pct = (x: number): string => `${x >= 0.1 ? Math.round(x * 100) : (x * 100).toFixed(1)} %`;

function when(iso: string): string {
  const d = new Date(iso);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

function dur(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.round(ms / 1000)} s`;
  if (m < 120) return `${m} minutes`;
  return `${(m / 60).toFixed(1)} hours`;
}

export function summarize(h: Omit<HostReport, 'summary'>): string {
  const d = h.drops;
  const t = h.timeline ?? null;
  const parts: string[] = [];
  const max = t?.max ?? h.settings['net.netfilter.nf_conntrack_max'] ?? null;
  const limit = max !== null ? ` (${n(max)})` : '';

  if (d.bursts.length) {
    const first = d.bursts[0]!;
    const last = d.bursts[d.bursts.length - 1]!;
    const total = d.bursts.reduce((a, b) => a + (b.start && b.end ? Date.parse(b.end) - Date.parse(b.start) : b.startUptime !== null && b.endUptime !== null ? (b.endUptime - b.startUptime) * 1000 : 0), 0);
    const times = d.bursts.length === 1 ? 'once' : `${d.bursts.length} times`;
    const span = first.start && last.end
      ? d.bursts.length === 1 ? `at ${when(first.start)} UTC` : `between ${when(first.start)} and ${when(last.end)} UTC`
      : `${(first.startUptime ?? 0).toFixed(0)} to ${(last.endUptime ?? 0).toFixed(0)} s after boot (no wall-clock anchor)`;
    parts.push(`The conntrack table hit its limit${limit} ${times} ${span}, ${dur(total)} of drops in all.`);
  } else if (d.logged) {
    parts.push(`The kernel logged ${n(d.logged)} "table full" drops without time stamps, so they cannot be placed in time.`);
  } else if (t && t.max !== null && t.peak.count >= 0.98 * t.max) {
    parts.push(`The usage timeline reached the limit${limit} at ${t.peak.at ? `${when(t.peak.at)} UTC` : 'an undated sample'}, though no drop was logged in these inputs.`);
  } else {
    parts.push('No conntrack "table full" drops were logged in these inputs.');
  }

  if (d.logged) {
    let s = `The kernel logged ${n(d.logged)} drops`;
    if (d.suppressed) s += ` and suppressed ${n(d.suppressed)} more messages`;
    const c = h.correlation;
    if (c.dropsCounter !== null) {
      s += c.dropsCounterKind === 'delta'
        ? `; the drop counter rose by ${n(c.dropsCounter)} between its snapshots`
        : `; the drop counter reads ${n(c.dropsCounter)} since the module loaded (an upper bound)`;
    }
    parts.push(`${s}.`);
  }
  if (t && t.samples > 1 && t.max !== null) {
    const above = t.aboveThreshold;
    const atMax = above ? above['100'] * 1000 : 0;
    parts.push(`Usage peaked at ${n(t.peak.count)} (${pct(t.peak.count / t.max)} of max)${atMax > 0 ? ` and stayed at max for ${dur(atMax)}` : ''}; it averaged ${n(t.mean)}.`);
  }
  if (h.correlation.clockOffsetSeconds !== null) {
    parts.push(`The drop bursts line up with the usage peaks only when shifted by ${h.correlation.clockOffsetSeconds / 3600} h: a time-zone offset between the inputs is likely.`);
  } else if (h.correlation.burstsBelowMax) {
    parts.push(`${n(h.correlation.burstsBelowMax)} burst(s) happened while the timeline shows room: another namespace, another host, or a clock offset.`);
  }

  const tb = h.table ?? null;
  if (tb && !tb.partial && tb.entries >= 100) {
    const states = Object.entries(tb.byState).sort((a, b) => b[1] - a[1]);
    const fill: string[] = [];
    const top = states[0];
    if (top && top[1] / tb.entries >= 0.25) fill.push(`${top[0]} entries (${pct(top[1] / tb.entries)})`);
    const src = tb.topSources[0];
    if (src && src.share >= 0.05) fill.push(`one client, ${src.ip} (${pct(src.share)})`);
    const port = tb.topDestinationPorts[0];
    if (!fill.length && port) fill.push(`traffic to ${port.protocol}/${port.port} (${pct(port.share)})`);
    if (fill.length) {
      const f = `${fill.join(' and ')} filled the table.`;
      parts.push(f[0]!.toUpperCase() + f.slice(1));
    }
  }

  const r = h.recommendations ?? null;
  if (!r && d.logged) {
    parts.push('The max in force and the demand are unknown: add `sysctl -a` (or nf_conntrack_max), `conntrack -S`, a usage timeline or a `conntrack -L` capture to size the fix.');
  }
  if (r && (r.nf_conntrack_max.current === null || r.nf_conntrack_max.recommended > r.nf_conntrack_max.current || Object.keys(r.timeouts).length)) {
    const todo: string[] = [];
    if (r.nf_conntrack_max.current === null || r.nf_conntrack_max.recommended > r.nf_conntrack_max.current) {
      const mem = `${Math.round(r.memoryBytes / 1048576)} MiB${r.memoryShareOfRam !== null ? ` = ${(r.memoryShareOfRam * 100).toFixed(1)} % of RAM` : ''}`;
      todo.push(`raise nf_conntrack_max to ${n(r.nf_conntrack_max.recommended)} (${mem})`);
    }
    const tw = r.timeouts['net.netfilter.nf_conntrack_tcp_timeout_time_wait'];
    if (tw) todo.push(`shorten TIME_WAIT to ${tw.recommended} s`);
    const est = r.timeouts['net.netfilter.nf_conntrack_tcp_timeout_established'];
    if (est) todo.push(`shorten ESTABLISHED to ${est.recommended / 3600} h`);
    if (todo.length) {
      const first = todo.length > 1 ? `${todo.slice(0, -1).join(', ')} and ${todo[todo.length - 1]!}` : todo[0]!;
      parts.push(`${r.overBudget ? 'Reduce demand first (the bigger table costs more than the memory budget), then ' : ''}${r.overBudget ? first : first[0]!.toUpperCase() + first.slice(1)}: see RECOMMENDATIONS.`);
    }
  }
  return parts.join(' ');
}
