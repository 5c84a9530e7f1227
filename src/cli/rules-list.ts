/** `ctdoctor rules`: every rule with its id, default severity, threshold and remedy. */
import type { Rule } from '../rules/define-rule.js';

export function renderRulesList(rules: readonly Rule[]): string {
  const out: string[] = [];
  for (const r of rules) {
    out.push(`${r.id}  (${r.severity}; needs ${r.requires.join(' + ') || 'nothing'})`);
    out.push(`  what:      ${r.docs.summary}`);
    out.push(`  threshold: ${r.docs.threshold}`);
    out.push(`  remedy:    ${r.docs.remedy}`);
    out.push('');
  }
  return out.join('\n');
}
