/**
 * Small field readers shared by the count-timeline grammars: counts, metric and column names,
 * Prometheus labels, and host names from labels or series names. Pure helpers.
 *
 *   node_nf_conntrack_entries{instance="web1:9100",job="node"} 474
 *   node_nf_conntrack_entries_limit 131072
 */

/** A count or max value: a non-negative decimal (Prometheus may print 4.74e+02). */
const COUNT_RE = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A count/max cell or token as a number, or null when it is not a non-negative finite number. */
export function parseCount(text: string): number | null {
  if (!COUNT_RE.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Metric names holding the current number of entries (node_exporter, Telegraf's prometheus output, ...). */
export const COUNT_METRIC_RE = /(?:^|_)conntrack_(?:entries|count)$/i;
/** Metric names holding the max (node_nf_conntrack_entries_limit, conntrack_ip_conntrack_max, ...). */
export const LIMIT_METRIC_RE = /(?:^|_)conntrack_(?:entries_limit|max|limit)$/i;

/** Whether a metric or series name is about conntrack. */
export function isConntrackName(name: string): boolean {
  return COUNT_METRIC_RE.test(name) || LIMIT_METRIC_RE.test(name);
}

/** Labels that name a host, best first: node name beats a scrape address. */
const HOST_LABELS = ['nodename', 'hostname', 'host', 'node', 'instance'] as const;

const LABEL_RE = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

/** The host named by a Prometheus label set `{a="b",...}` (or its inside), or null when none names one. */
export function hostFromLabels(labels: string): string | null {
  // A Map, not an object: a label called __proto__ is just a name.
  const found = new Map<string, string>();
  for (const m of labels.matchAll(LABEL_RE)) {
    const v = m[2]!.replace(/\\(.)/g, '$1');
    if (v !== '' && !found.has(m[1]!)) found.set(m[1]!, v);
  }
  for (const l of HOST_LABELS) {
    const v = found.get(l);
    if (v !== undefined) return stripPort(v);
  }
  return null;
}

/**
 * A host from a Prometheus instance ("web1:9100", "192.0.2.7:9100", "[2001:db8::7]:9100"): the
 * scrape port is dropped so the name matches what other inputs of the host call it.
 */
export function stripPort(instance: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (v6) return v6[1]!;
  const m = /^([^:]+):\d+$/.exec(instance);
  return m ? m[1]! : instance;
}

/**
 * The host a Grafana series name stands for: a host label when it has labels, null for a bare metric
 * name (one series, no host), else the legend text itself (port dropped).
 */
export function hostFromSeriesName(name: string): string | null {
  const brace = name.indexOf('{');
  if (brace >= 0) return hostFromLabels(name.slice(brace));
  const t = name.trim();
  if (t === '' || isConntrackName(t) || /^(?:value|count|entries|max|limit)$/i.test(t)) return null;
  return stripPort(t);
}

/** Whether a series/column name is the max rather than the count ("..._limit", "max", "web1 max"). */
export function isLimitSeriesName(name: string): boolean {
  const brace = name.indexOf('{');
  const metric = (brace >= 0 ? name.slice(0, brace) : name).trim();
  if (LIMIT_METRIC_RE.test(metric)) return true;
  if (COUNT_METRIC_RE.test(metric)) return false;
  return /(?:^|[^a-z])(?:limit|max)(?:$|[^a-z])/i.test(metric);
}
