import { defineRule, type FindingDraft } from './define-rule.js';

/** Drops while the usage timeline shows room: the evidence does not fit one table. */
export const dropsBelowMax = defineRule({
  id: 'drops-below-max',
  severity: 'warning',
  requires: ['kernel-log', 'timeline'],
  messages: {
    room: '{{below}} of {{bursts}} drop bursts happened while the usage timeline shows room below max: the drops may come from another network namespace or another host, or the clocks of the inputs differ',
  },
  docs: {
    summary: 'A drop burst happened while the usage timeline (same host) was below 98 % of max.',
    threshold: 'any burst with no timeline sample at or above 98 % of max within the burst (± one sample interval), and no 15-minute clock shift that explains it',
    remedy: 'Check which namespace logged the drops (netns in the message on 6.18+, container hosts), that the timeline is from the same host, and the time zones of the inputs (--tz).',
  },
  check(ctx): FindingDraft | undefined {
    const c = ctx.host.correlation;
    if (!c.burstsBelowMax || c.clockOffsetSeconds !== null) return undefined;
    return { messageId: 'room', data: { below: c.burstsBelowMax, bursts: ctx.host.drops.bursts.length }, evidence: ctx.evidence('correlation.belowMax') };
  },
});
