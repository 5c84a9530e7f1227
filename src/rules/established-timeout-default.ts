/** Rule `established-timeout-default`: the 5-day ESTABLISHED timeout keeps idle entries for days. */
import { defineRule } from './define-rule.js';
import { mergeEvidence } from '../analysis/table.js';

/** The kernel default ESTABLISHED timeout (5 days). */
export const ESTABLISHED_DEFAULT_TIMEOUT = 432000;
const SETTING = 'net.netfilter.nf_conntrack_tcp_timeout_established';

export const establishedTimeoutDefault = defineRule({
  id: 'established-timeout-default',
  severity: 'info',
  requires: ['table'],
  messages: {
    idleSettings: '{{idle}} of {{entries}} ESTABLISHED entries have been idle for more than a day (timeout {{timeout}}s, the 5-day default, from settings)',
    idleInferred: '{{idle}} of {{entries}} ESTABLISHED entries have been idle for more than a day (an entry with more than a day left shows the 5-day default timeout is in force)',
  },
  docs: {
    summary: 'With the 5-day default ESTABLISHED timeout, connections that went silent without a FIN or RST stay in the table for days.',
    threshold: 'ESTABLISHED entries idle > 1 day exist (idle = timeout - remaining) and the timeout in force is 432000 s: from settings, or, without settings, proven by an ESTABLISHED entry with more than 86400 s left',
    remedy: 'Lower net.netfilter.nf_conntrack_tcp_timeout_established to 86400 (kube-proxy\'s value), or 21600 when most ESTABLISHED entries are idle for hours.',
  },
  check(ctx) {
    const t = ctx.host.table;
    const est = t?.timeouts['ESTABLISHED'];
    if (!t || !est || est.idleOverDay === 0) return undefined;
    const settings = ctx.host.settings;
    const hasSetting = Object.prototype.hasOwnProperty.call(settings, SETTING);
    if (hasSetting && settings[SETTING] !== ESTABLISHED_DEFAULT_TIMEOUT) return undefined;
    const dayLeft = ctx.evidence('table.established.dayLeft');
    if (!hasSetting && dayLeft.length === 0) return undefined;
    return {
      messageId: hasSetting ? 'idleSettings' : 'idleInferred',
      data: { idle: est.idleOverDay, entries: est.entries, timeout: ESTABLISHED_DEFAULT_TIMEOUT },
      evidence: mergeEvidence(ctx.evidence('table.state.ESTABLISHED'), dayLeft),
    };
  },
});
