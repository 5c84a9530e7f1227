import { defineRule, type FindingDraft } from './define-rule.js';

/** The capture's entries and the nf_conntrack_count setting differ by more than 10 %. */
export const captureCountMismatch = defineRule({
  id: 'capture-count-mismatch',
  severity: 'info',
  requires: ['table', 'settings'],
  messages: { differ: 'the capture holds {{entries}} entries but nf_conntrack_count reads {{count}}: they were taken at different times, in different namespaces, or the capture is cut' },
  docs: {
    summary: 'The table capture and the count setting disagree, so shares from the capture describe another moment or namespace.',
    threshold: 'a difference above 10 % of the larger of the two',
    remedy: 'Take `conntrack -C` and `conntrack -L` together, in the namespace that drops.',
  },
  check(ctx): FindingDraft | undefined {
    const ev = ctx.evidence('correlation.captureCount');
    const count = ctx.host.settings['net.netfilter.nf_conntrack_count'];
    if (!ev.length || !ctx.host.table || count === undefined) return undefined;
    return { messageId: 'differ', data: { entries: ctx.host.table.entries, count }, evidence: ev };
  },
});
