/**
 * early-drops: the `early_drop` counter is above zero: the table was full and the kernel evicted
 * non-assured entries to make room for new ones.
 */
import { defineRule } from './define-rule.js';

export const earlyDrops = defineRule({
  id: 'early-drops',
  severity: 'warning',
  requires: ['counters'],
  messages: {
    evicted: 'early_drop counter is {{earlyDrop}} in {{path}}: the table was full and the kernel evicted non-assured entries to admit new ones',
  },
  docs: {
    summary: 'The conntrack table reached nf_conntrack_max and the kernel had to evict entries that were not yet ASSURED (since the module loaded).',
    threshold: 'early_drop > 0, summed over all CPUs of the last counters snapshot (warning).',
    remedy: 'Raise nf_conntrack_max (and buckets) or shorten the timeouts of the states that fill the table; see the table capture and recommendations.',
  },
  check(ctx) {
    const c = ctx.host.counters;
    const earlyDrop = c?.totals['early_drop'] ?? 0;
    if (!c || earlyDrop <= 0) return undefined;
    return { messageId: 'evicted', data: { earlyDrop, path: c.path }, evidence: ctx.evidence('counters.early_drop') };
  },
});
