/**
 * usage-reset: the conntrack count fell to near zero between two samples (a reboot, a module reload or
 * `conntrack -F`). Information: it explains a sudden end of an incident and splits the timeline.
 */
import { defineRule } from './define-rule.js';

export const usageReset = defineRule({
  id: 'usage-reset',
  severity: 'info',
  requires: ['timeline'],
  messages: {
    reset: 'the conntrack count fell from {{from}} to {{to}} ({{when}}): a reboot, module reload or table flush{{more}}',
  },
  docs: {
    summary: 'The count dropped to near zero from one sample to the next: the table was emptied (reboot, nf_conntrack reload, conntrack -F).',
    threshold: 'A sample under 10 % of the previous one and under 10 % of the peak (info, one finding per timeline).',
    remedy: 'Check the kernel log and uptime around that time; a flush ends drops only until the table fills again.',
  },
  check(ctx) {
    const t = ctx.host.timeline;
    if (!t || t.resets.length === 0) return undefined;
    const r = t.resets[0]!;
    const more = t.resets.length > 1 ? `; ${t.resets.length - 1} more fall(s) to near zero` : '';
    return { messageId: 'reset', data: { from: r.from, to: r.to, when: r.at ?? 'undated samples', more }, evidence: ctx.evidence('timeline.resets') };
  },
});
