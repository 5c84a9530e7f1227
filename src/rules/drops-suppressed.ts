import { defineRule, type FindingDraft } from './define-rule.js';

/** The printk rate limiter hid most drop messages: the log understates the drops. */
export const dropsSuppressed = defineRule({
  id: 'drops-suppressed',
  severity: 'info',
  requires: ['kernel-log'],
  messages: { understated: 'rate limiting hid {{suppressed}} messages: the log shows {{share}} of the drops it reports ({{logged}} logged)' },
  docs: {
    summary: 'net_ratelimit/__ratelimit/printk suppressed messages: each is, in practice, a drop that was not logged, so the log understates the drops.',
    threshold: 'any suppressed count on a host that logged drops',
    remedy: 'Read the drop counter (conntrack -S) for the real number; do not size the table from the logged count.',
  },
  check(ctx): FindingDraft | undefined {
    const d = ctx.host.drops;
    if (d.suppressed === 0 || d.logged === 0) return undefined;
    const share = d.logged / (d.logged + d.suppressed);
    const pct = share < 0.001 ? '<0.1 %' : `${(share * 100).toFixed(1)} %`;
    return { messageId: 'understated', data: { suppressed: d.suppressed, logged: d.logged, share: pct }, evidence: ctx.evidence('drops.suppressed') };
  },
});
