import { defineRule, type FindingDraft } from './define-rule.js';
import { formatDuration } from '../util/time.js';
import { groupDigits } from '../util/format.js';

/** The kernel logged "table full, dropping packet": new connections were refused. */
export const tableFullDrops = defineRule({
  id: 'table-full-drops',
  severity: 'error',
  requires: ['kernel-log'],
  messages: {
    bursts: '{{logged}} "table full" drops logged in {{bursts}} {{burstWord}} ({{first}} to {{last}}){{suppressedNote}}',
    undated: '{{logged}} "table full" drops logged (no time stamps){{suppressedNote}}',
  },
  docs: {
    summary: 'The conntrack table was full and the kernel dropped packets of new connections.',
    threshold: 'any logged "table full, dropping packet" line (every variant: netns, ip_conntrack, OpenVZ VPS)',
    remedy: 'Raise net.netfilter.nf_conntrack_max (and the buckets with it), shorten the timeouts that hold most entries, or stop tracking high-volume stateless traffic (NOTRACK); see the recommendations.',
  },
  check(ctx): FindingDraft | undefined {
    const d = ctx.host.drops;
    if (d.logged === 0) return undefined;
    const evidence = [...ctx.evidence('drops.bursts'), ...ctx.evidence('drops.first')];
    const seen = new Set<string>();
    const unique = evidence.filter((e) => {
      const k = `${e.path}:${e.line}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const suppressedNote = d.suppressed ? `, ${groupDigits(d.suppressed)} more suppressed by rate limiting` : '';
    if (d.bursts.length === 0) {
      return { messageId: 'undated', data: { logged: d.logged, suppressedNote }, evidence: unique };
    }
    const first = d.bursts[0]!;
    const last = d.bursts[d.bursts.length - 1]!;
    const span = (iso: string | null, up: number | null): string => iso ?? (up !== null ? `uptime ${formatDuration(up * 1000)}` : '?');
    return {
      messageId: 'bursts',
      data: {
        logged: d.logged, bursts: d.bursts.length, burstWord: d.bursts.length === 1 ? 'burst' : 'bursts',
        first: span(first.start, first.startUptime), last: span(last.end, last.endUptime), suppressedNote,
      },
      evidence: unique,
    };
  },
});
