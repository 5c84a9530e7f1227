/**
 * drop-counter: the kernel's `drop` counter (conntrack -S, /proc/net/stat/nf_conntrack) is above zero.
 * Worded with its caveat: it counts since the module loaded, per network namespace, and includes failed
 * inserts, so it is an upper bound on table-full drops over the whole uptime, not this incident's count.
 */
import { defineRule } from './define-rule.js';

export const dropCounter = defineRule({
  id: 'drop-counter',
  severity: 'warning',
  requires: ['counters'],
  messages: {
    dropped: 'drop counter is {{drop}} in {{path}}: packets dropped since the module loaded (this namespace, failed inserts included), an upper bound for table-full drops, not this incident\'s count',
  },
  docs: {
    summary: 'The conntrack drop counter is above zero: the kernel refused to track new connections at some point since nf_conntrack loaded.',
    threshold: 'drop > 0, summed over all CPUs of the last counters snapshot (warning).',
    remedy: 'Compare two snapshots that bracket the incident to get its drop count; check insert_failed (clash failures are counted in drop too) and the table usage against nf_conntrack_max.',
  },
  check(ctx) {
    const c = ctx.host.counters;
    const drop = c?.totals['drop'] ?? 0;
    if (!c || drop <= 0) return undefined;
    return { messageId: 'dropped', data: { drop, path: c.path }, evidence: ctx.evidence('counters.drop') };
  },
});
