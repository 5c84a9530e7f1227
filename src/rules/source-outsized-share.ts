/** Rule `source-outsized-share`: one source address holds an outsized share of the table. */
import { defineRule } from './define-rule.js';
import { formatSharePercent as formatShare, mergeEvidence } from '../analysis/table.js';

/** Share of entries one source must hold for the rule to fire. */
export const SOURCE_OUTSIZED_SHARE = 0.25;
/** ...and at least this many entries (a tiny capture proves nothing). */
export const SOURCE_OUTSIZED_MIN_ENTRIES = 100;

export const sourceOutsizedShare = defineRule({
  id: 'source-outsized-share',
  severity: 'warning',
  requires: ['table'],
  messages: {
    outsized: 'one source, {{ip}}, holds {{percent}} % of the table ({{count}} of {{entries}} entries)',
    outsizedApprox: 'one source, {{ip}}, holds about {{percent}} % of the table (at most {{count}} of {{entries}} entries; counts are approximate)',
  },
  docs: {
    summary: 'A single source address owns a large part of the conntrack table: a noisy client, a scan or a flood, or a proxy in front of everything.',
    threshold: 'the top source holds >= 25 % of the entries and >= 100 entries, in a complete capture (never on a filtered capture)',
    remedy: 'Identify the host; limit it (per-source connection limits, hashlimit), fix its connection reuse, or exempt its stateless traffic from tracking (NOTRACK).',
  },
  check(ctx) {
    const t = ctx.host.table;
    if (!t || t.partial || t.entries === 0) return undefined;
    const s = t.topSources[0];
    if (!s || s.count < SOURCE_OUTSIZED_MIN_ENTRIES || s.count / t.entries < SOURCE_OUTSIZED_SHARE) return undefined;
    return {
      messageId: t.approximate ? 'outsizedApprox' : 'outsized',
      data: { ip: s.ip, percent: formatShare(s.count / t.entries), count: s.count, entries: t.entries },
      evidence: mergeEvidence(ctx.evidence('table.topSource'), ctx.evidence('table.capture')),
    };
  },
});
