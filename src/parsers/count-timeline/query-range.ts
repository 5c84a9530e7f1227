/**
 * The JSON of a Prometheus range (or instant) query, as saved by a postmortem:
 * `curl 'http://prom:9090/api/v1/query_range?query=node_nf_conntrack_entries&start=...&end=...&step=60'`
 *
 *   {"status":"success","data":{"resultType":"matrix","result":[
 *     {"metric":{"__name__":"node_nf_conntrack_entries","instance":"web1:9100","job":"node"},
 *      "values":[[1715594400,"1200"],[1715594460,"1250"]]}]}}
 *
 * One series per instance → one host each; `..._limit` series give the max of the same host (at the same
 * instant, else the latest one before it, else its first one). A series without `__name__` (an
 * aggregation) is read as counts. Values that are not numbers ("NaN") are skipped and counted.
 */
import { InputError, SkipInput } from '../../model/errors.js';
import type { CountSample } from '../../model/records.js';
import { hostFromLabels, isConntrackName, LIMIT_METRIC_RE, parseCount } from './fields.js';

interface SeriesPoints {
  readonly host: string | null;
  readonly name: string;
  readonly labels: string;
  readonly lineNo: number;
  readonly points: readonly (readonly [number, number])[];
}

/** The samples of a query document, and how many values were not numbers (NaN, +Inf) and were skipped. */
export interface QueryRangeResult {
  readonly samples: CountSample[];
  readonly skippedValues: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Samples from a parsed query document. `metricLines` are the line numbers where each series' "metric"
 * key was seen (so evidence points near the series in a pretty-printed file); `firstLine` is the fallback.
 * Throws SkipInput for an error response or an empty result, InputError for another JSON shape.
 */
export function samplesFromQueryDoc(
  doc: unknown, ctx: { readonly sourceId: string; readonly path: string }, firstLine: number, metricLines: readonly number[],
): QueryRangeResult {
  if (!isRecord(doc)) throw new InputError('CTD_INPUT_UNRECOGNIZED', `${ctx.path}: JSON is not a Prometheus query response, got ${Array.isArray(doc) ? 'an array' : typeof doc}`, { path: ctx.path, kind: 'count-timeline' });
  if (doc['status'] === 'error') {
    throw new SkipInput('CTD_INPUT_NOT_APPLICABLE', `${ctx.path}: the Prometheus query failed: ${String(doc['error'] ?? doc['errorType'] ?? 'error')}`, { path: ctx.path, kind: 'count-timeline' });
  }
  const data = doc['data'];
  const result = isRecord(data) ? data['result'] : undefined;
  if (!Array.isArray(result)) throw new InputError('CTD_INPUT_UNRECOGNIZED', `${ctx.path}: JSON has no data.result array (not a Prometheus query response)`, { path: ctx.path, kind: 'count-timeline' });
  if (result.length === 0) throw new SkipInput('CTD_INPUT_EMPTY', `${ctx.path}: the Prometheus query returned no series`, { path: ctx.path, kind: 'count-timeline' });

  let skippedValues = 0;
  const counts: SeriesPoints[] = [];
  // limits by host key; a Map so any host string is just a key
  const limits = new Map<string, [number, number][]>();
  result.forEach((series: unknown, i: number) => {
    if (!isRecord(series)) return;
    const metric = isRecord(series['metric']) ? series['metric'] : {};
    const name = typeof metric['__name__'] === 'string' ? metric['__name__'] : '';
    // other metrics in the same response are not ours
    if (name !== '' && !isConntrackName(name)) return;
    const labelText = Object.entries(metric)
      .filter(([k, v]) => k !== '__name__' && typeof v === 'string')
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',');
    const host = hostFromLabels(labelText);
    const raw: unknown[] = Array.isArray(series['values']) ? series['values'] : Array.isArray(series['value']) ? [series['value']] : [];
    const points: [number, number][] = [];
    for (const p of raw) {
      if (!Array.isArray(p) || p.length < 2) { skippedValues++; continue; }
      const t = Number(p[0]);
      const v = typeof p[1] === 'string' ? parseCount(p[1]) : typeof p[1] === 'number' && p[1] >= 0 ? p[1] : null;
      if (!Number.isFinite(t) || v === null) { skippedValues++; continue; }
      points.push([Math.round(t * 1000), v]);
    }
    if (name !== '' && LIMIT_METRIC_RE.test(name)) {
      const key = host ?? '';
      const list = limits.get(key) ?? [];
      list.push(...points);
      limits.set(key, list);
    } else {
      counts.push({ host, name: name || 'value', labels: labelText, lineNo: metricLines[i] ?? firstLine, points });
    }
  });
  if (counts.length === 0) {
    throw new InputError('CTD_INPUT_UNRECOGNIZED', `${ctx.path}: the query response has no node_nf_conntrack_entries series`, { path: ctx.path, kind: 'count-timeline' });
  }
  for (const l of limits.values()) l.sort((a, b) => a[0] - b[0]);

  const samples: CountSample[] = [];
  for (const s of counts) {
    const lim = limits.get(s.host ?? '') ?? [];
    let j = 0;
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    for (const [t, v] of pts) {
      // the latest limit at or before this instant (limits rarely change)
      while (j + 1 < lim.length && lim[j + 1]![0] <= t) j++;
      const max = lim.length && lim[j]![0] <= t ? lim[j]![1] : lim.length ? lim[0]![1] : null;
      samples.push({
        kind: 'count-sample',
        tsMs: t,
        count: v,
        max,
        host: s.host,
        // exposition-format text: what the value would look like in a scrape, for evidence
        text: `${s.name}{${s.labels}} ${v} @${t / 1000}`,
        src: { sourceId: ctx.sourceId, lineNo: s.lineNo },
      });
    }
  }
  return { samples, skippedValues };
}
