/**
 * The rules engine: runs every rule for every host, turns missing facets into skips, fills
 * {{placeholders}} (eslint's interpolate), caps evidence at 5, applies --rule overrides, sorts.
 */
import type { Evidence, Finding, HostReport, RuleSkip, Severity } from '../model/report.js';
import type { Facet, FindingDraft, Rule, RuleContext } from './define-rule.js';
import { compareText, groupDigits } from '../util/format.js';

export const MAX_EVIDENCE = 5;

export type RuleOverride = Severity | 'off';

export interface HostRuleInput {
  readonly host: HostReport;
  /** Which facets fed this host (a kernel-log input may have no drops; it still ran). */
  readonly facets: ReadonlySet<Facet>;
  readonly evidence: ReadonlyMap<string, readonly Evidence[]>;
}

export function interpolate(template: string, data: Readonly<Record<string, string | number>> | undefined): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, key: string) => {
    if (data && Object.prototype.hasOwnProperty.call(data, key)) {
      const v = data[key];
      return typeof v === 'number' ? groupDigits(v) : String(v);
    }
    return whole;
  });
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function runRules(
  rules: readonly Rule[], hosts: readonly HostRuleInput[], opts: { overrides?: ReadonlyMap<string, RuleOverride>; maxOverride?: number | null; memoryBudget?: number } = {},
): { findings: Finding[]; skips: RuleSkip[] } {
  const findings: Finding[] = [];
  const skips: RuleSkip[] = [];
  for (const h of hosts) {
    const ctx: RuleContext = {
      host: h.host,
      evidence: (key) => h.evidence.get(key) ?? [],
      maxOverride: opts.maxOverride ?? null,
      memoryBudget: opts.memoryBudget ?? 0.05,
    };
    for (const rule of rules) {
      const override = opts.overrides?.get(rule.id);
      if (override === 'off') continue;
      const missing = rule.requires.filter((f) => !h.facets.has(f));
      if (missing.length) {
        skips.push({ id: rule.id, host: h.host.name, reason: `no ${missing.join(', ')} input` });
        continue;
      }
      const out = rule.check(ctx);
      if (!out) continue;
      const drafts: readonly FindingDraft[] = Array.isArray(out) ? out : [out as FindingDraft];
      for (const d of drafts) {
        const template = rule.messages[d.messageId];
        if (template === undefined) throw new Error(`rule ${rule.id}: unknown messageId ${d.messageId}`);
        findings.push({
          id: rule.id,
          severity: override ?? d.severity ?? rule.severity,
          message: interpolate(template, d.data),
          host: h.host.name,
          evidence: (d.evidence ?? []).slice(0, MAX_EVIDENCE),
        });
      }
    }
  }
  findings.sort((a, b) =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
    || compareText(a.host ?? '', b.host ?? '')
    || compareText(a.id, b.id)
    || compareText(a.message, b.message));
  skips.sort((a, b) => compareText(a.host ?? '', b.host ?? '') || compareText(a.id, b.id));
  return { findings, skips };
}
