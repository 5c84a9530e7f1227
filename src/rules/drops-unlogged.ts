import { defineRule, type FindingDraft } from './define-rule.js';

/** The drop counter says more than the log: drops the log never showed. */
export const dropsUnlogged = defineRule({
  id: 'drops-unlogged',
  severity: 'info',
  requires: ['kernel-log', 'counters'],
  messages: {
    delta: 'the drop counter rose by {{counter}} between its snapshots, {{unlogged}} more than the log shows (logged + suppressed = {{seen}}); the rest went unlogged or were failed inserts',
    below: 'the drop counter ({{counter}} since the module loaded) is below the drops in the log ({{seen}}): the counter is from another namespace, was reset (module reload, reboot) or wrapped',
  },
  docs: {
    summary: 'The conntrack -S drop counter and the logged (+ suppressed) drops disagree.',
    threshold: 'with two counter snapshots: delta above logged + suppressed by more than 10 %; with one: the since-load counter below logged + suppressed',
    remedy: 'Take conntrack -S before and after an incident (a delta is the incident count); read the counter in the namespace that drops.',
  },
  check(ctx): FindingDraft | undefined {
    const c = ctx.host.correlation;
    if (c.dropsCounter === null) return undefined;
    const seen = c.dropsLogged + c.dropsSuppressed;
    const ev = ctx.evidence('counters.drop');
    if (c.dropsCounterKind === 'delta' && c.dropsUnloggedEstimate !== null && c.dropsCounter > 1.1 * seen && c.dropsUnloggedEstimate > 0) {
      return { messageId: 'delta', data: { counter: c.dropsCounter, unlogged: c.dropsUnloggedEstimate, seen }, evidence: ev };
    }
    if (c.dropsCounterKind === 'since-module-load' && c.dropsCounter < seen) {
      return { messageId: 'below', data: { counter: c.dropsCounter, seen }, evidence: ev };
    }
    return undefined;
  },
});
