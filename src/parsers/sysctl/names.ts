/**
 * Canonical conntrack setting names. Every spelling an input uses maps to one `net.netfilter.nf_conntrack_*`
 * name:
 *
 *   net.netfilter.nf_conntrack_max                      (sysctl -a)
 *   net.nf_conntrack_max                                (the duplicate top-level alias)
 *   net.ipv4.netfilter.ip_conntrack_max                 (legacy ip_conntrack, kernels before 2.6.20)
 *   net.ipv4.ip_conntrack_max                           (very old /proc/sys/net/ipv4/ip_conntrack_max)
 *   /proc/sys/net/netfilter/nf_conntrack_max            (cat / grep . paths)
 *   net/netfilter/nf_conntrack_max                      (kube-proxy "Set sysctl '...'")
 *   nf_conntrack_max                                    (kube-proxy "Setting nf_conntrack_max to N")
 *   /sys/module/nf_conntrack/parameters/hashsize        → net.netfilter.nf_conntrack_buckets
 *
 * The module parameter `hashsize` and the sysctl `nf_conntrack_buckets` read the same kernel variable
 * (nf_conntrack_htable_size), so hashsize is stored as nf_conntrack_buckets; the record's rawName keeps
 * the spelling used. IPv6 defragmentation knobs (`nf_conntrack_frag6_*`) share the prefix but do not size
 * the table: they are not relevant and are skipped.
 */

/** The canonical prefix. */
export const CANONICAL_PREFIX = 'net.netfilter.';

/** Canonical name of the table's bucket count (also what `hashsize` means). */
export const BUCKETS = 'net.netfilter.nf_conntrack_buckets';

const HASHSIZE_RE = /(?:^|\/)sys\/module\/(?:nf|ip)_conntrack\/parameters\/hashsize$/;

/**
 * The canonical name for a setting spelled `raw` (dotted, slashed or a /proc/sys path), or null when it
 * is not a conntrack table setting.
 */
export function canonicalName(raw: string): string | null {
  let s = raw.trim();
  if (HASHSIZE_RE.test(s)) return BUCKETS;
  if (s === 'hashsize' || s === 'conntrack hashsize') return BUCKETS;
  // /proc/sys/net/netfilter/x, proc/sys/net/netfilter/x (bundle-relative), net/netfilter/x
  s = s.replace(/^.*?(?:^|\/)proc\/sys\//, '');
  if (s.includes('/')) s = s.replace(/\//g, '.');
  // Last dotted component carries the setting; the path before it must be one the kernel uses.
  const m = /^(?:(net\.netfilter|net|net\.ipv4\.netfilter|net\.ipv4)\.)?(nf|ip)_conntrack_([a-z0-9_]+)$/.exec(s);
  if (!m) return null;
  const suffix = m[3]!;
  if (suffix.startsWith('frag6_')) return null;
  return `${CANONICAL_PREFIX}nf_conntrack_${suffix}`;
}

/** `net.netfilter.nf_conntrack_max` → `nf_conntrack_max` (for text output). */
export function shortName(canonical: string): string {
  return canonical.startsWith(CANONICAL_PREFIX) ? canonical.slice(CANONICAL_PREFIX.length) : canonical;
}
