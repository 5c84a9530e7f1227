/** Rule `unreplied-dominant`: entries that never saw a reply fill at least half of the table. */
import { defineRule } from './define-rule.js';
import { formatSharePercent as formatShare, mergeEvidence } from '../analysis/table.js';

/** UNREPLIED share of entries at or above which the rule fires. */
export const UNREPLIED_DOMINANT_SHARE = 0.5;

export const unrepliedDominant = defineRule({
  id: 'unreplied-dominant',
  severity: 'warning',
  requires: ['table'],
  messages: {
    dominant: '{{percent}} % of {{entries}} entries are UNREPLIED (no reply seen)',
  },
  docs: {
    summary: 'Half or more of the table is flows that never got an answer: scans, SYN or UDP floods, or peers that are unreachable.',
    threshold: 'UNREPLIED entries >= 50 % of the entries of a complete capture (never on a filtered capture)',
    remedy: 'Find the sources in the top lists; rate-limit or drop them before conntrack (raw table), enable SYN cookies, and consider NOTRACK for stateless high-volume traffic. These entries can be early-dropped, so they hurt less than ASSURED ones.',
  },
  check(ctx) {
    const t = ctx.host.table;
    if (!t || t.partial || t.entries === 0) return undefined;
    const n = t.flags.unreplied;
    if (n / t.entries < UNREPLIED_DOMINANT_SHARE) return undefined;
    return {
      messageId: 'dominant',
      data: { percent: formatShare(n / t.entries), entries: t.entries, count: n },
      evidence: mergeEvidence(ctx.evidence('table.flag.UNREPLIED'), ctx.evidence('table.capture')),
    };
  },
});
