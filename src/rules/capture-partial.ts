/** Rule `capture-partial`: the table capture is filtered, so it is not the whole table. */
import { defineRule } from './define-rule.js';

export const capturePartial = defineRule({
  id: 'capture-partial',
  severity: 'info',
  requires: ['table'],
  messages: {
    partial: 'the table capture {{path}} is filtered ({{entries}} entries shown): shares of the whole table are not computed from it',
  },
  docs: {
    summary: 'The only table capture is filtered (conntrack -L with a filter option, | grep, a dying/unconfirmed list), so it does not show what fills the table.',
    threshold: 'the capture used for the table section was made by a filtering command line',
    remedy: 'Collect the whole table: conntrack -L -o extended > conntrack.txt 2>&1 (or cat /proc/net/nf_conntrack).',
  },
  check(ctx) {
    const t = ctx.host.table;
    if (!t || !t.partial) return undefined;
    return {
      messageId: 'partial',
      data: { path: t.path, entries: t.entries },
      evidence: ctx.evidence('table.partial'),
    };
  },
});
