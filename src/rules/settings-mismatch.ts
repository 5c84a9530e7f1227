import { defineRule, type FindingDraft } from './define-rule.js';

/** The inputs disagree about the limits: the boot line, the settings and the timeline's max column. */
export const settingsMismatch = defineRule({
  id: 'settings-mismatch',
  severity: 'info',
  requires: ['settings'],
  messages: { mismatch: 'the inputs disagree about the limits (boot line, settings, timeline max column): the max was changed since boot or the inputs come from different times; the report uses the current settings' },
  docs: {
    summary: 'nf_conntrack_max or the buckets differ between the kernel boot line, the settings input and the usage timeline\'s max column.',
    threshold: 'any difference',
    remedy: 'Check that the change was made to last (sysctl.d file, module option) and which value was in force during the incident.',
  },
  check(ctx): FindingDraft | undefined {
    const ev = ctx.evidence('correlation.settingsMismatch');
    return ev.length ? { messageId: 'mismatch', evidence: ev } : undefined;
  },
});
