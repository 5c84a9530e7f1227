/**
 * Rule definitions. defineRule is an identity function for type inference; the registry is the plain
 * array in rules/index.ts. Rules never print, read files or format for one renderer: they look at one
 * host's analysis and return drafts; the engine fills {{placeholders}}, stamps id/severity/host and sorts.
 */
import type { Evidence, HostReport, Severity } from '../model/report.js';

/** What a rule can need. A missing facet skips the rule for that host (a RuleSkip). */
export type Facet = 'kernel-log' | 'timeline' | 'table' | 'counters' | 'settings' | 'facts';

export interface RuleContext {
  readonly host: HostReport;
  /** Evidence gathered by analysis under a key (e.g. "timeline.peak", "drops.first"); [] when none. */
  evidence(key: string): readonly Evidence[];
  /** --max when given: overrides the max for usage rules. */
  readonly maxOverride: number | null;
  /** --memory-budget as a share of RAM (0..1). */
  readonly memoryBudget: number;
}

export interface FindingDraft {
  readonly messageId: string;
  readonly data?: Readonly<Record<string, string | number>>;
  readonly evidence?: readonly Evidence[];
  /** Severity for this draft when it differs from the rule's (e.g. 90 % → error, 80 % → warning). */
  readonly severity?: Severity;
}

export interface RuleDocs {
  /** One sentence: what the finding means. */
  readonly summary: string;
  /** The threshold(s) the rule applies, in words. */
  readonly threshold: string;
  /** What to do about it. */
  readonly remedy: string;
}

export interface Rule {
  readonly id: string;
  readonly severity: Severity;
  readonly requires: readonly Facet[];
  readonly messages: Readonly<Record<string, string>>;
  readonly docs: RuleDocs;
  check(ctx: RuleContext): FindingDraft | readonly FindingDraft[] | undefined;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
