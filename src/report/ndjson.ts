/**
 * NDJSON: one JSON object per line in ripgrep's envelope `{"type": …, "data": …}`, for log pipelines and
 * `jq`. Order: every `input`, then per host its `summary`, its `burst`s and its `recommendation`, then every
 * `finding`. Host-level data carries `host` (the host name, or null) so lines from several hosts stay
 * apart: `jq 'select(.type=="burst" and .data.host=="web-07")'`. It is always present, one or many hosts,
 * so one jq filter works on every report.
 *
 * Why not the `ndjson` package: it is a stream API (through2) that ends lines with os.EOL ("\r\n" on
 * Windows), while a renderer is a pure function returning a string with "\n" line ends on every OS. So
 * each line is JSON.stringify of one object plus "\n". U+2028/U+2029 are escaped too: JSON allows them
 * raw, but tools that split on Unicode line breaks would cut a line there.
 */
import type { HostReport, Report } from '../model/report.js';
import { narrative } from './text.js';
import type { RenderOptions } from './types.js';

/** The envelope types this renderer emits. */
export type NdjsonType = 'input' | 'summary' | 'burst' | 'recommendation' | 'finding';

/** One NDJSON line (with its "\n"). */
export function ndjsonLine(type: NdjsonType, data: unknown): string {
  return JSON.stringify({ type, data }).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + '\n';
}

/** The per-host summary record: the story and the headline numbers, copied from the Report as they are. */
function summaryData(h: HostReport): Record<string, unknown> {
  const t = h.timeline ?? null;
  return {
    host: h.name,
    summary: h.summary && h.summary.trim() ? h.summary : narrative(h),
    drops: { logged: h.drops.logged, suppressed: h.drops.suppressed, undated: h.drops.undated, first: h.drops.first, last: h.drops.last, bursts: h.drops.bursts.length },
    peak: t ? { count: t.peak.count, at: t.peak.at, max: t.max } : null,
    secondsAtMax: t?.aboveThreshold ? t.aboveThreshold['100'] : null,
    entries: h.table ? h.table.entries : null,
  };
}

/** Render the Report as NDJSON. */
export function renderNdjson(report: Report, _opts: RenderOptions = {}): string {
  let out = '';
  for (const i of report.inputs) out += ndjsonLine('input', i);
  for (const h of report.hosts) {
    out += ndjsonLine('summary', summaryData(h));
    h.drops.bursts.forEach((b, index) => { out += ndjsonLine('burst', { host: h.name, index: index + 1, ...b }); });
    if (h.recommendations) out += ndjsonLine('recommendation', { host: h.name, ...h.recommendations });
  }
  for (const f of report.findings) out += ndjsonLine('finding', f);
  return out;
}
