/**
 * usage-high: the conntrack count came close to nf_conntrack_max (count timeline).
 * Thresholds: peak ≥ 80 % of max → warning (the guides' and most runbooks' alert line), peak ≥ 90 % →
 * error (netdata's warning, node-problem-detector). FORMATS.md section 6 lists the alert lines.
 */
import { formatDuration } from '../util/time.js';
import { defineRule } from './define-rule.js';
import { peakShare, peakWhen, percentText } from './timeline-max.js';

/** Share of max at which usage-high warns. */
export const USAGE_WARN_SHARE = 0.8;
/** Share of max at which usage-high is an error. */
export const USAGE_ERROR_SHARE = 0.9;

export const usageHigh = defineRule({
  id: 'usage-high',
  severity: 'warning',
  requires: ['timeline'],
  messages: {
    high: 'conntrack usage peaked at {{peak}} entries, {{percent}} % of max {{max}} ({{when}}); {{duration}} at or above {{threshold}} %',
    highNoDuration: 'conntrack usage peaked at {{peak}} entries, {{percent}} % of max {{max}} ({{when}})',
  },
  docs: {
    summary: 'The count timeline came close to nf_conntrack_max: new connections are dropped once it is reached, and counting loops miss short peaks.',
    threshold: 'Peak count ≥ 80 % of max → warning; ≥ 90 % → error. Max comes from --max, else the settings input, else the max column of the samples; without a max the rule says nothing.',
    remedy: 'Raise nf_conntrack_max (with buckets) ahead of demand, at least 150 % of the highest observed count, or shorten the timeouts of the states that fill the table.',
  },
  check(ctx) {
    const p = peakShare(ctx);
    if (!p) return undefined;
    const { t, um, share } = p;
    if (share < USAGE_WARN_SHARE) return undefined;
    const isError = share >= USAGE_ERROR_SHARE;
    const threshold = isError ? '90' : '80';
    const data = { peak: t.peak.count, percent: percentText(t.peak.count, um.max), max: um.max, when: peakWhen(t), threshold };
    const evidence = [...ctx.evidence('timeline.peak'), ...ctx.evidence('timeline.max')];
    const seconds = um.durationsValid ? t.aboveThreshold?.[threshold] ?? 0 : 0;
    // an undated snapshot has no duration to report
    if (!um.durationsValid || t.start === null || seconds <= 0) {
      return { messageId: 'highNoDuration', data, evidence, severity: isError ? 'error' : 'warning' };
    }
    return { messageId: 'high', data: { ...data, duration: formatDuration(seconds * 1000) }, evidence, severity: isError ? 'error' : 'warning' };
  },
});
