/**
 * timeline-gaps: the usage timeline has holes (the sampling loop died, the host was down, the export
 * skipped): durations measured from it are lower bounds. Information, not an error (FORMATS.md section 2).
 */
import { formatDuration } from '../util/time.js';
import { defineRule } from './define-rule.js';

export const timelineGaps = defineRule({
  id: 'timeline-gaps',
  severity: 'info',
  requires: ['timeline'],
  messages: {
    gaps: 'the usage timeline has {{gaps}} gap(s) longer than twice its {{interval}} interval; the longest is {{longest}} from {{start}} to {{end}}',
  },
  docs: {
    summary: 'Samples are missing from the usage timeline, so time spent near max may be undercounted.',
    threshold: 'Any interval between consecutive samples longer than 2 × the median interval (info).',
    remedy: 'Keep the sampling loop running (a systemd timer or node_exporter) and check what happened to the host during the gaps.',
  },
  check(ctx) {
    const t = ctx.host.timeline;
    if (!t || t.gaps.length === 0 || t.intervalSeconds === null) return undefined;
    let longest = t.gaps[0]!;
    for (const g of t.gaps) if (g.seconds > longest.seconds) longest = g;
    return {
      messageId: 'gaps',
      data: { gaps: t.gaps.length, interval: formatDuration(t.intervalSeconds * 1000), longest: formatDuration(longest.seconds * 1000), start: longest.start, end: longest.end },
      evidence: ctx.evidence('timeline.gaps'),
    };
  },
});
