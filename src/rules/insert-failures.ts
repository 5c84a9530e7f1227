/**
 * insert-failures: the `insert_failed` counter is above zero: a new entry lost a race with an identical
 * one and clash resolution failed (common with UDP/DNS on Kubernetes). Such packets are also in `drop`.
 */
import { defineRule } from './define-rule.js';

export const insertFailures = defineRule({
  id: 'insert-failures',
  severity: 'info',
  requires: ['counters'],
  messages: {
    clashes: 'insert_failed counter is {{insertFailed}} in {{path}}: clash resolution failures (common with UDP/DNS on Kubernetes), also counted in drop',
  },
  docs: {
    summary: 'Conntrack inserts failed because two packets of one new flow raced (clash resolution failed); these drops are not caused by a full table.',
    threshold: 'insert_failed > 0, summed over all CPUs of the last counters snapshot (info).',
    remedy: 'For DNS on Kubernetes: NodeLocal DNSCache, single-request-reopen / use-vc in resolv.conf, or a kernel with the clash-resolution fixes (5.0+ for UDP).',
  },
  check(ctx) {
    const c = ctx.host.counters;
    const insertFailed = c?.totals['insert_failed'] ?? 0;
    if (!c || insertFailed <= 0) return undefined;
    return { messageId: 'clashes', data: { insertFailed, path: c.path }, evidence: ctx.evidence('counters.insert_failed') };
  },
});
