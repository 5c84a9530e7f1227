import { defineRule, type FindingDraft } from './define-rule.js';

/** The table the demand needs costs more kernel memory than the budget allows. */
export const memoryOverBudget = defineRule({
  id: 'memory-over-budget',
  severity: 'warning',
  requires: [],
  messages: { over: 'a table of {{max}} entries needs {{mib}} MiB of unswappable kernel memory, {{share}} of RAM (budget {{budget}}): reduce demand first (timeouts, NOTRACK, per-source limits)' },
  docs: {
    summary: 'The recommended nf_conntrack_max costs more than --memory-budget of RAM (entries × entry size + buckets × 8 bytes).',
    threshold: '--memory-budget, default 5 % of RAM',
    remedy: 'Shorten the timeouts that hold most entries, NOTRACK stateless traffic, limit heavy sources; then size the table.',
  },
  check(ctx): FindingDraft | undefined {
    const r = ctx.host.recommendations;
    if (!r || !r.overBudget || r.memoryShareOfRam === null) return undefined;
    return {
      messageId: 'over',
      data: { max: r.nf_conntrack_max.recommended, mib: Math.round(r.memoryBytes / 1048576), share: `${(r.memoryShareOfRam * 100).toFixed(1)} %`, budget: `${(ctx.memoryBudget * 100).toFixed(1)} %` },
      evidence: ctx.evidence('recommendations.max'),
    };
  },
});
