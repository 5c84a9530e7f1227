/**
 * Sniffer for the `sysctl` kind: settings dumps and host-fact outputs. Sample it scores high:
 *
 *   net.netfilter.nf_conntrack_max = 262144
 *
 * Scores: a conntrack sysctl line or /proc/sys path value 0.9; a kube-proxy line that sets a conntrack
 * value 0.85; legacy `ip_conntrack_max` / `net.nf_conntrack_max` 0.85; `cat /proc/sys/...nf_conntrack_*`
 * command 0.7; host facts alone (MemTotal, lscpu, cpuinfo, slabinfo) 0.6; `uname -a` / `Linux version`
 * `uname -a` alone 0.6; `Linux version` alone 0.3 (kernel logs carry it too). Nothing but two or more `nf_conntrack_count` readings is a
 * usage timeline made of snapshots (count-timeline's job): 0.5. The file name only adds 0.05.
 */
import { unquote } from './shell.js';

const COUNT_RE = /(?:^|\/)(?:net\.netfilter\.|proc\/sys\/net\/netfilter\/)nf_conntrack_count\s*[=:]/;

const RULES: readonly (readonly [RegExp, number])[] = [
  [/^net\.netfilter\.nf_conntrack_\w+\s*=\s*\d+/, 0.9],
  [/(?:^|\/)proc\/sys\/net\/(?:netfilter\/nf|ipv4\/netfilter\/ip|ipv4\/ip|nf)_conntrack_\w+:\s*\d+$/, 0.9],
  [/^net\.(?:ipv4\.(?:netfilter\.)?ip|nf)_conntrack_\w+\s*=\s*\d+/, 0.85],
  [/(?:Setting nf_conntrack_\w+ to \d+|Setting conntrack hashsize to \d+|Set sysctl '?"?\s*(?:entry=")?net\/netfilter\/nf_conntrack_\w+)/, 0.85],
  [/^(?:\S*[#$]\s*)?(?:sudo\s+)?(?:cat|sysctl -n)\s+\S*(?:nf|ip)_conntrack_(?:max|buckets|count)\b/, 0.7],
  [/^(?:\S*[#$]\s*)?(?:sudo\s+)?cat\s+\S*sys\/module\/nf_conntrack\/parameters\/hashsize/, 0.7],
  [/^(?:MemTotal:\s+\d+\s*kB|CPU\(s\):\s+\d+|processor\s*:\s*\d+|slabinfo - version:|(?:nf|ip)_conntrack\s+\d+\s+\d+\s+\d+)/, 0.6],
  // `uname -a` output is a host fact only a sysctl-kind input carries; `Linux version` also opens kernel logs
  [/^Linux \S+ \d+\.\d+\S* #\d+\S*( \S+)* GNU\/Linux$/, 0.6],
  [/^(?:Linux \S+ \d+\.\d+\S* #|Linux version \d)/, 0.3],
];

/** Confidence 0..1 that these first lines are sysctl settings or host facts. */
export function sniffSysctl(head: readonly string[], name: string): number {
  let best = 0;
  let hits = 0;
  let countOnly = 0;
  for (const raw of head) {
    const line = unquote(raw);
    if (!line) continue;
    for (const [re, score] of RULES) {
      if (re.test(line)) {
        hits++;
        if (COUNT_RE.test(line)) countOnly++;
        if (score > best) best = score;
        break;
      }
    }
  }
  if (best === 0) return 0;
  // nothing but repeated nf_conntrack_count readings: a usage timeline of snapshots, not settings
  if (countOnly >= 2 && countOnly === hits) return 0.5;
  // several matching lines make a dump more certain than one stray line
  let score = Math.min(0.95, best + (hits >= 3 ? 0.05 : 0));
  if (/sysctl|meminfo|slabinfo|cpuinfo|nf_conntrack_|hashsize|kube-proxy|uname|hostname|nproc|lscpu/i.test(name)) score = Math.min(1, score + 0.05);
  return score;
}
