/** Rule `time-wait-dominant`: TIME_WAIT entries fill at least half of the table. */
import { defineRule } from './define-rule.js';
import { formatSharePercent as formatShare, mergeEvidence, timeoutInForce } from '../analysis/table.js';

/** TIME_WAIT share of entries at or above which the rule fires. */
export const TIME_WAIT_DOMINANT_SHARE = 0.5;

export const timeWaitDominant = defineRule({
  id: 'time-wait-dominant',
  severity: 'warning',
  requires: ['table'],
  messages: {
    dominant: '{{percent}} % of {{entries}} entries are TIME_WAIT (timeout {{timeout}}s)',
  },
  docs: {
    summary: 'Closed TCP connections waiting out TIME_WAIT hold at least half of the conntrack table.',
    threshold: 'TIME_WAIT entries >= 50 % of the entries of a complete capture (never on a filtered capture)',
    remedy: 'Shorten net.netfilter.nf_conntrack_tcp_timeout_time_wait (120 -> 30 or 60), reuse connections (keep-alive, pooling) and check for clients that open a connection per request.',
  },
  check(ctx) {
    const t = ctx.host.table;
    if (!t || t.partial || t.entries === 0) return undefined;
    const n = t.byState['TIME_WAIT'] ?? 0;
    if (n / t.entries < TIME_WAIT_DOMINANT_SHARE) return undefined;
    return {
      messageId: 'dominant',
      data: { percent: formatShare(n / t.entries), entries: t.entries, count: n, timeout: timeoutInForce('TIME_WAIT', ctx.host.settings) ?? 120 },
      evidence: mergeEvidence(ctx.evidence('table.state.TIME_WAIT'), ctx.evidence('table.capture')),
    };
  },
});
