/**
 * Shared by the timeline rules: the max a usage rule judges against, and how a share of it is printed.
 * No rule of its own.
 */
import type { TimelineSection } from '../model/report.js';
import type { RuleContext } from './define-rule.js';

/** The max in force for usage rules, and whether the section's durations were computed against it. */
export interface UsageMax {
  readonly max: number;
  /** False when --max overrides a different max than the one the section's aboveThreshold used. */
  readonly durationsValid: boolean;
}

/** The max to judge against (--max first, then the section's), or null when none is known. */
export function usageMax(ctx: RuleContext, t: TimelineSection): UsageMax | null {
  const max = ctx.maxOverride ?? t.max;
  if (max === null || !(max > 0)) return null;
  return { max, durationsValid: t.aboveThreshold !== null && max === t.max };
}

/**
 * A percentage floored to one decimal, as text: 89.99 % prints "89.9", so a printed "90.0" always
 * means the 90 % line was reached.
 */
export function percentText(count: number, max: number): string {
  return (Math.floor((count / max) * 1000) / 10).toFixed(1);
}

/** Where the peak was: its time (ISO, UTC) or "an undated sample". */
export function peakWhen(t: TimelineSection): string {
  return t.peak.at ?? 'an undated sample';
}

/** The host's timeline, the max to judge it by, and its peak's share of that max; null when either is missing. */
export function peakShare(ctx: RuleContext): { readonly t: TimelineSection; readonly um: UsageMax; readonly share: number } | null {
  const t = ctx.host.timeline;
  if (!t || t.samples === 0) return null;
  const um = usageMax(ctx, t);
  if (!um) return null;
  return { t, um, share: t.peak.count / um.max };
}
