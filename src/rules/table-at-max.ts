/**
 * table-at-max: the count timeline shows the table full (count at nf_conntrack_max), or within 2 % of it,
 * which a sampling loop reads as full (the count stays just under max while the kernel drops).
 */
import { formatDuration } from '../util/time.js';
import { defineRule } from './define-rule.js';
import { peakShare, peakWhen, percentText } from './timeline-max.js';

/** Share of max from which the table counts as full for this rule. */
export const AT_MAX_RULE_SHARE = 0.98;

export const tableAtMax = defineRule({
  id: 'table-at-max',
  severity: 'error',
  requires: ['timeline'],
  messages: {
    atMax: 'the conntrack table was full: {{peak}} entries of max {{max}} ({{when}}); {{duration}} at max',
    atMaxUndated: 'the conntrack table was full: {{peak}} entries of max {{max}} ({{when}})',
    nearMax: 'the conntrack table came within 2 % of max: {{peak}} entries of {{max}} ({{percent}} %, {{when}}); a sampled count just under max usually means the table was full between samples',
  },
  docs: {
    summary: 'The table reached nf_conntrack_max: from then on every new connection was dropped (or an unassured entry evicted). The observed peak is censored at max, so real demand was higher.',
    threshold: 'Any sample ≥ 100 % of max → error with the time at max (each sample standing for the interval to the next, capped at twice the median interval); a peak ≥ 98 % of max → error (near max). Without a max the rule says nothing.',
    remedy: 'Raise nf_conntrack_max well above the censored peak (the demand is unknown and larger) and find what fills the table (conntrack -L capture).',
  },
  check(ctx) {
    const p = peakShare(ctx);
    if (!p) return undefined;
    const { t, um, share } = p;
    if (share < AT_MAX_RULE_SHARE) return undefined;
    const evidence = [...ctx.evidence('timeline.atMax'), ...ctx.evidence('timeline.max')];
    if (evidence.length === 0) evidence.push(...ctx.evidence('timeline.peak'));
    const data = { peak: t.peak.count, max: um.max, when: peakWhen(t), percent: percentText(t.peak.count, um.max) };
    if (share < 1) return { messageId: 'nearMax', data, evidence };
    const seconds = um.durationsValid ? t.aboveThreshold?.['100'] ?? 0 : 0;
    if (t.start === null || seconds <= 0) return { messageId: 'atMaxUndated', data, evidence };
    return { messageId: 'atMax', data: { ...data, duration: formatDuration(seconds * 1000) }, evidence };
  },
});
