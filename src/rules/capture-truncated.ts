/** Rule `capture-truncated`: the trailer declares another number of entries than were read. */
import { defineRule } from './define-rule.js';

export const captureTruncated = defineRule({
  id: 'capture-truncated',
  severity: 'warning',
  requires: ['table'],
  messages: {
    mismatch: 'conntrack declared {{declared}} flow entries but {{entries}} were read: the capture is incomplete',
  },
  docs: {
    summary: 'The capture does not hold what conntrack printed (cut by a size limit, a tail, or a paste), so its counts and shares may be skewed.',
    threshold: 'the trailer count ("N flow entries have been shown") differs from the entries read, in a capture that is not filtered (a filter such as | grep explains a difference)',
    remedy: 'Collect the full table again (conntrack -L -o extended > file 2>&1), or read the numbers as those of a sample.',
  },
  check(ctx) {
    const t = ctx.host.table;
    if (!t || t.partial || t.declaredEntries === null || t.declaredEntries === t.entries) return undefined;
    return {
      messageId: 'mismatch',
      data: { declared: t.declaredEntries, entries: t.entries },
      evidence: ctx.evidence('table.truncated'),
    };
  },
});
