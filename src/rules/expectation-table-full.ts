import { defineRule, type FindingDraft } from './define-rule.js';

/** Helper expectations (FTP, SIP, PPTP ...) could not be created: not the main table, its own limit. */
export const expectationTableFull = defineRule({
  id: 'expectation-table-full',
  severity: 'warning',
  requires: ['kernel-log'],
  messages: { full: '"expectation table full" logged {{count}} times: connection-tracking helpers could not track related connections' },
  docs: {
    summary: 'The conntrack expectation table (used by helpers such as FTP, SIP, PPTP) was full; related connections fail.',
    threshold: 'any "nf_conntrack: expectation table full" line',
    remedy: 'Raise net.netfilter.nf_conntrack_expect_max, or stop assigning helpers to traffic that does not need them (CT target with an explicit helper only where needed).',
  },
  check(ctx): FindingDraft | undefined {
    const n = ctx.host.eventCounts['expectation-full'] ?? 0;
    if (!n) return undefined;
    return { messageId: 'full', data: { count: n }, evidence: ctx.evidence('events.expectation-full') };
  },
});
