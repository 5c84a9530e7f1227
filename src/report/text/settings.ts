/**
 * Text section for settings and host facts (hosts[].settings, hosts[].facts). Example (width 80):
 *
 *   SETTINGS
 *     nf_conntrack_max                          262144
 *     nf_conntrack_count                           182
 *     nf_conntrack_buckets                       65536
 *     nf_conntrack_tcp_timeout_established      432000
 *     ... 21 more in --format json
 *   HOST  node-07  kernel 5.15.0-91-generic  8 CPUs  15.6 GiB RAM
 *         entry 320 B
 *
 * Names drop the `net.netfilter.` prefix. The settings that size the table and the common timeouts are
 * listed (in KEY_ORDER); the rest are counted. Facts are wrapped to the width. Nothing at all → [].
 */
import type { HostFacts } from '../../model/report.js';
import { sanitizeText } from '../sanitize.js';

const PREFIX = 'net.netfilter.';

/** Settings listed in the text, in this order; the others are only counted. */
export const KEY_ORDER: readonly string[] = [
  'nf_conntrack_max', 'nf_conntrack_count', 'nf_conntrack_buckets',
  'nf_conntrack_tcp_timeout_established', 'nf_conntrack_tcp_timeout_time_wait', 'nf_conntrack_tcp_timeout_close_wait',
  'nf_conntrack_tcp_timeout_fin_wait', 'nf_conntrack_tcp_timeout_syn_sent', 'nf_conntrack_tcp_timeout_syn_recv',
  'nf_conntrack_udp_timeout', 'nf_conntrack_udp_timeout_stream', 'nf_conntrack_icmp_timeout',
  'nf_conntrack_generic_timeout', 'nf_conntrack_acct', 'nf_conntrack_timestamp',
].map((n) => PREFIX + n);

function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

function short(name: string): string {
  return name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name;
}

/** 16709853184 → "15.6 GiB"; below 1 GiB in MiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} B`;
}

/** Render settings and host facts as text lines, each at most opts.width columns. */
export function renderSettingsText(settings: Readonly<Record<string, number>>, facts: HostFacts | null, opts: { width: number }): string[] {
  const width = Math.max(40, opts.width);
  const out: string[] = [];
  const names = Object.keys(settings);
  if (names.length > 0) {
    const shown = KEY_ORDER.filter((n) => Object.prototype.hasOwnProperty.call(settings, n));
    const list = shown.length > 0 ? shown : names.slice().sort();
    const nameW = Math.max(...list.map((n) => sanitizeText(short(n)).length));
    const valueW = Math.max(...list.map((n) => String(settings[n]).length));
    out.push('SETTINGS');
    for (const n of list) out.push(fit(`  ${sanitizeText(short(n)).padEnd(nameW)}  ${String(settings[n]).padStart(valueW)}`, width));
    const more = names.length - list.length;
    if (more > 0) out.push(`  ... ${more} more in --format json`);
  }
  if (facts) {
    const parts: string[] = [];
    if (facts.hostname) parts.push(sanitizeText(facts.hostname));
    if (facts.kernel) parts.push(`kernel ${sanitizeText(facts.kernel)}`);
    if (facts.cpus !== null) parts.push(`${facts.cpus} CPU${facts.cpus === 1 ? '' : 's'}`);
    if (facts.memTotalBytes !== null) parts.push(`${formatBytes(facts.memTotalBytes)} RAM`);
    if (facts.entryBytes !== null) parts.push(`entry ${facts.entryBytes} B`);
    let line = 'HOST';
    for (const p of parts) {
      if (line.length + 2 + p.length > width && line.trim() !== 'HOST' && line.trim() !== '') {
        out.push(line);
        line = '     ';
      }
      line += `${line.trim() === '' ? ' ' : '  '}${p}`;
    }
    if (parts.length > 0) out.push(fit(line, width));
  }
  return out;
}
