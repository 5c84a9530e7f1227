import { defineRule, type FindingDraft } from './define-rule.js';

/** The bursts line up with the timeline's peaks only after a whole-quarter-hour shift: a zone offset. */
export const clockOffsetLikely = defineRule({
  id: 'clock-offset-likely',
  severity: 'warning',
  requires: ['kernel-log', 'timeline'],
  messages: {
    offset: 'the drop bursts match the usage peaks only when shifted by {{hours}} h: the logs and the timeline were likely stamped in different time zones (try --tz)',
  },
  docs: {
    summary: 'Drop bursts fall where the timeline shows room, but shifting them by a multiple of 15 minutes puts every burst at max.',
    threshold: 'a shift of k × 15 minutes (|k| ≤ 56, i.e. up to ±14 h) under which every dated burst has a timeline sample at or above 98 % of max',
    remedy: 'Pass --tz with the zone of the year-less/zone-less stamps (syslog, conntrack-usage.log) and re-run.',
  },
  check(ctx): FindingDraft | undefined {
    const off = ctx.host.correlation.clockOffsetSeconds;
    if (off === null) return undefined;
    const hours = off / 3600;
    return { messageId: 'offset', data: { hours: `${hours > 0 ? '+' : ''}${hours}` }, evidence: ctx.evidence('correlation.belowMax') };
  },
});
