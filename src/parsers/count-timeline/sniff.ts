/**
 * Sniffer for count timelines: confidence 0..1 that the first lines of an input are a usage series
 * or snapshot of the conntrack count. Samples it recognises:
 *
 *   2024-05-13 10:00:00 123456                              (usage loop; most lines must look like it)
 *   node_nf_conntrack_entries 474                           (Prometheus scrape)
 *   conntrack,host=web1 ip_conntrack_count=464i ...         (Telegraf)
 *   CONNTRACK OK: ...|count=151335;209715;235929;0;262144   (Nagios)
 *   {"status":"success","data":{"resultType":"matrix",...   (query_range JSON)
 *   timestamp,count,max / "Time","web1:9100"                (CSV header)
 *   net.netfilter.nf_conntrack_count = 263                  (repeated count snapshots, nothing else)
 */
import { CALENDAR_RE } from './stamp.js';
import { detectHeader } from './csv.js';

const STAMPED_RE = new RegExp(`${CALENDAR_RE.source}[\\s,;|]+(?:[A-Za-z_][\\w.-]*[:=])?\\d+(?:\\.\\d+)?(?:[\\s,;|/]+(?:[A-Za-z_][\\w.-]*[:=])?\\d+)?\\s*$`);
const EPOCH_LINE_RE = /^\d{9,19}(?:\.\d+)?[\s,;|]+\d+(?:\.\d+)?(?:[\s,;|]+\d+)?\s*$/;
const DATE1_LINE_RE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+(?:[A-Z]{2,5}\s+)?\d{4}[\s,;|]+\d+/;
const PROM_RE = /^(?:node_)?(?:nf_|ip_)?conntrack_(?:ip_conntrack_count|nf_conntrack_count|entries|count)(?:\{[^}]*\})?\s+[-+]?(?:\d[\d.]*(?:[eE][-+]?\d+)?|NaN|Inf)(?:\s+-?\d+)?\s*$/;
const TELEGRAF_RE = /^[^\s,]*conntrack[^\s,]*(?:,\S+)?\s+\S*conntrack_count=/;
/** Nagios perfdata after the `|`: label=value[uom];warn;... (the `;` keeps shell pipes like `| grep zone=1` out). */
const NAGIOS_RE = /\|\s*(?:'[^']*'|[^\s=|']+)=\d+(?:\.\d+)?[A-Za-z%]*;|SERVICEPERFDATA::/;
const SNAPSHOT_COUNT_RE = /^(?:net\.netfilter\.nf_conntrack_count|net\.ipv4\.netfilter\.ip_conntrack_count)\s*=\s*\d+$/;
const SYSCTL_ANY_RE = /^[a-z0-9_]+(?:\.[a-z0-9_]+)+\s*=\s*/;

function strip(line: string): string {
  return line.replace(/^[\s>]+/, '').trimEnd();
}

/** Confidence 0..1 that `head` (the first lines of an input) is a count timeline; `name` only breaks ties. */
export function sniffCountTimeline(head: readonly string[], name: string): number {
  const lines = head.map(strip).filter((l) => l !== '');
  if (lines.length === 0) return 0;
  const bonus = /usage|count|conntrack|timeline|metrics|grafana/i.test(name) ? 0.02 : 0;
  const first = lines[0]!;
  const joined = lines.join('\n');
  if (first.startsWith('{') && /"result(?:Type)?"/.test(joined) && /conntrack/.test(joined)) return 0.95 + bonus;
  if (lines.some((l) => PROM_RE.test(l))) return 0.9 + bonus;
  if (lines.some((l) => TELEGRAF_RE.test(l))) return 0.9 + bonus;
  if (lines.some((l) => NAGIOS_RE.test(l) && /conntrack/i.test(l) && !l.startsWith('#'))) return 0.8 + bonus;

  const data = lines.filter((l) => !l.startsWith('#'));
  for (const l of data.slice(0, 5)) {
    // a CSV header is names between delimiters; code (`f(a, b) {`, `x = y;`) is not one
    if (/[(){};=]/.test(l.replace(/"(?:[^"]|"")*"/g, ''))) continue;
    const h = detectHeader(l);
    if (h) {
      // a header naming a count column, or a Grafana export whose series are conntrack metrics
      if (h.count !== null || /conntrack/i.test(l)) return 0.85 + bonus;
      return 0.5 + bonus;
    }
  }
  if (data.length) {
    const stamped = data.filter((l) => STAMPED_RE.test(l) || EPOCH_LINE_RE.test(l) || DATE1_LINE_RE.test(l)).length;
    const share = stamped / data.length;
    if (stamped >= 2 && share >= 0.5) return Math.min(0.9, 0.5 + 0.4 * share) + bonus;
    if (stamped === 1 && data.length === 1) return 0.5 + bonus;
  }
  // count snapshots from sysctl (e.g. taken before/after): only when nothing but the count is set
  const counts = lines.filter((l) => SNAPSHOT_COUNT_RE.test(l)).length;
  const otherSettings = lines.filter((l) => SYSCTL_ANY_RE.test(l) && !SNAPSHOT_COUNT_RE.test(l)).length;
  if (counts >= 2 && otherSettings === 0) return 0.8 + bonus;
  if (counts >= 1) return 0.2 + bonus;
  return 0;
}
