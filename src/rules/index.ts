/** The rule registry: a plain array (ATTW's checks). Order here is the order `ctdoctor rules` lists. */
import type { Rule } from './define-rule.js';
import { tableFullDrops } from './table-full-drops.js';
import { expectationTableFull } from './expectation-table-full.js';
import { dropsSuppressed } from './drops-suppressed.js';
import { dropCounter } from './drop-counter.js';
import { earlyDrops } from './early-drops.js';
import { insertFailures } from './insert-failures.js';
import { usageHigh } from './usage-high.js';
import { tableAtMax } from './table-at-max.js';
import { timelineGaps } from './timeline-gaps.js';
import { usageReset } from './usage-reset.js';
import { timeWaitDominant } from './time-wait-dominant.js';
import { unrepliedDominant } from './unreplied-dominant.js';
import { sourceOutsizedShare } from './source-outsized-share.js';
import { establishedTimeoutDefault } from './established-timeout-default.js';
import { captureTruncated } from './capture-truncated.js';
import { capturePartial } from './capture-partial.js';
import { dropsBelowMax } from './drops-below-max.js';
import { clockOffsetLikely } from './clock-offset-likely.js';
import { dropsUnlogged } from './drops-unlogged.js';
import { settingsMismatch } from './settings-mismatch.js';
import { captureCountMismatch } from './capture-count-mismatch.js';
import { memoryOverBudget } from './memory-over-budget.js';

export const rules: readonly Rule[] = [
  tableFullDrops,
  expectationTableFull,
  dropsSuppressed,
  tableAtMax,
  usageHigh,
  usageReset,
  timelineGaps,
  timeWaitDominant,
  unrepliedDominant,
  sourceOutsizedShare,
  establishedTimeoutDefault,
  captureTruncated,
  capturePartial,
  dropCounter,
  earlyDrops,
  insertFailures,
  dropsBelowMax,
  clockOffsetLikely,
  dropsUnlogged,
  settingsMismatch,
  captureCountMismatch,
  memoryOverBudget,
];
