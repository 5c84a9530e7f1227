/**
 * RECOMMENDATIONS: what to change, old → new, why (tied to the evidence), what it costs, and the file and
 * commands that make it stick. Sample:
 *
 *   nf_conntrack_max                65536 -> 131072
 *     the table was full at 65,536: real demand is unknown and larger; ...
 */
import type { Recommendations } from '../../model/report.js';
import { fmtInt, wrap } from '../format.js';
import { sanitizeText } from '../sanitize.js';

const SHORT = (k: string): string => k.replace(/^net\.netfilter\./, '');

export function renderRecommendationsText(r: Recommendations, opts: { width: number; emitHint?: boolean }): string[] {
  const out: string[] = ['RECOMMENDATIONS'];
  const row = (name: string, cur: number | null, rec: number, why: string, extra = ''): void => {
    const left = `  ${name.padEnd(34)}${(cur === null ? '?' : String(cur)).padStart(7)} -> ${String(rec).padEnd(7)}${extra}`;
    out.push(left.trimEnd());
    out.push(...wrap(sanitizeText(why), opts.width, '      '));
  };
  const m = r.nf_conntrack_max;
  row('nf_conntrack_max', m.current, m.recommended, m.reason);
  const b = r.nf_conntrack_buckets;
  row('nf_conntrack_buckets', b.current, b.recommended, b.reason);
  for (const [k, c] of Object.entries(r.timeouts)) {
    row(SHORT(k), c.current, c.recommended, c.reason, c.frees !== null ? `frees ~${fmtInt(c.frees)}` : '');
  }
  const mem = `${fmtInt(Math.round(r.memoryBytes / 1048576))} MiB`;
  out.push(...wrap(`memory at the new max: ${mem}${r.memoryShareOfRam !== null ? ` (${(r.memoryShareOfRam * 100).toFixed(1)} % of RAM)` : ''}${r.overBudget ? ' — above the memory budget: reduce demand first (timeouts, NOTRACK, limits)' : ''}`, opts.width, '  '));
  for (const n of r.notrack) {
    out.push(...wrap(`NOTRACK ${n.protocol}/${n.port} (${fmtInt(n.entries)} entries): ${n.caveats}`, opts.width, '  '));
    for (const rule of n.rules.slice(0, 2)) out.push(`    ${rule}`);
  }
  for (const l of r.rateLimits) {
    out.push(...wrap(`limit ${l.source} (${fmtInt(l.entries)} entries):`, opts.width, '  '));
    for (const rule of l.rules) out.push(...wrap(rule, opts.width, '    '));
  }
  if (r.synCookies) out.push('  enable SYN cookies: net.ipv4.tcp_syncookies = 1');
  if (r.kubeProxy) out.push(...wrap(sanitizeText(r.kubeProxy), opts.width, '  '));
  for (const a of r.assumptions) out.push(...wrap(`assumed: ${a}`, opts.width, '  '));
  out.push('', '  /etc/sysctl.d/90-conntrack.conf:');
  for (const l of r.sysctlFile.trimEnd().split('\n')) out.push(...shellLines(sanitizeText(l), opts.width));
  out.push('', '  make it stick and verify:');
  for (const l of r.persistence.trimEnd().split('\n')) out.push(...shellLines(sanitizeText(l), opts.width));
  if (opts.emitHint !== false) out.push('', '  write the file: ctdoctor analyze ... --emit-sysctl 90-conntrack.conf');
  return out;
}

/** A shell line in at most `width` columns: comments re-wrapped as comments, commands continued with " \\". */
function shellLines(line: string, width: number): string[] {
  if (line.startsWith('#')) return wrap(line.replace(/^#\s*/, ''), width - 2, '    # ');
  if (line.length + 4 <= width) return [`    ${line}`];
  const words = line.split(' ');
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && 4 + cur.length + 1 + w.length + 2 > width) {
      out.push(`${out.length ? '      ' : '    '}${cur} \\`);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  out.push(`${out.length ? '      ' : '    '}${cur}`);
  return out;
}
