/**
 * Cross-checks between inputs of one host (issue 4): each gives a correlation field and, when it fails,
 * evidence a rule turns into a finding.
 * - bursts against the timeline: was the count at max (≥ 98 %) during each burst (± one sample interval)?
 * - drops while the timeline shows room: try shifting the bursts in 15-minute steps (±14 h); when a shift
 *   puts every such burst at max, a time-zone/clock offset is likely (clockOffsetSeconds).
 * - logged + suppressed against the `drop` counter: a delta when two snapshots exist, else an upper bound
 *   since module load.
 */
import type { Burst, Drops, Evidence, TimelineSection } from '../../model/report.js';
import type { TimelineDigest } from '../timeline.js';
import type { CountersDigest } from '../counters.js';
import { deltaTotals, snapshotTotals } from '../counters.js';

export const AT_MAX_SHARE = 0.98;
const SHIFT_STEP_MS = 15 * 60_000;
const SHIFT_STEPS = 56; // ±14 h

interface Samples {
  readonly ts: Float64Array;
  readonly counts: Float64Array;
}

function mergedSamples(digests: readonly TimelineDigest[]): Samples {
  const pairs: [number, number][] = [];
  for (const d of digests) for (let i = 0; i < d.tsMs.length; i++) pairs.push([d.tsMs[i]!, d.counts[i]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  return { ts: Float64Array.from(pairs, (p) => p[0]), counts: Float64Array.from(pairs, (p) => p[1]) };
}

/** First index with ts >= t. */
function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** At max during [start, end] widened by one interval? null when no sample covers the window. */
function atMaxIn(s: Samples, start: number, end: number, intervalMs: number, max: number): boolean | null {
  const a = lowerBound(s.ts, start - intervalMs);
  const b = lowerBound(s.ts, end + intervalMs + 1);
  if (a >= b) return null;
  for (let i = a; i < b; i++) if (s.counts[i]! >= AT_MAX_SHARE * max) return true;
  return false;
}

export interface BurstCheck {
  readonly bursts: Burst[];
  readonly burstsAtMax: number | null;
  readonly burstsBelowMax: number | null;
  readonly clockOffsetSeconds: number | null;
  readonly evidence: Map<string, Evidence[]>;
}

export function checkBurstsAgainstTimeline(drops: Drops, timeline: TimelineSection | null, digests: readonly TimelineDigest[]): BurstCheck {
  const evidence = new Map<string, Evidence[]>();
  const max = timeline?.max ?? null;
  if (!timeline || max === null || !drops.bursts.length || !digests.some((d) => d.tsMs.length)) {
    return { bursts: [...drops.bursts], burstsAtMax: null, burstsBelowMax: null, clockOffsetSeconds: null, evidence };
  }
  const s = mergedSamples(digests);
  const intervalMs = (timeline.intervalSeconds ?? 60) * 1000;
  let at = 0;
  let below = 0;
  const belowBursts: Burst[] = [];
  const bursts = drops.bursts.map((b) => {
    if (b.start === null || b.end === null) return { ...b, atMax: null };
    const v = atMaxIn(s, Date.parse(b.start), Date.parse(b.end), intervalMs, max);
    if (v === true) at++;
    if (v === false) {
      below++;
      belowBursts.push(b);
    }
    return { ...b, atMax: v };
  });
  let offset: number | null = null;
  if (belowBursts.length) {
    evidence.set('correlation.belowMax', belowBursts.slice(0, 5).map((b) => ({ path: b.path, line: b.line, text: `burst at ${b.start} while the timeline shows room` })));
    // does a whole-quarter-hour shift put every dated burst at max?
    const dated = bursts.filter((b) => b.start !== null && b.end !== null);
    let best = 0;
    for (let k = 1; k <= SHIFT_STEPS && offset === null; k++) {
      for (const sign of [1, -1]) {
        const shift = sign * k * SHIFT_STEP_MS;
        const hits = dated.filter((b) => atMaxIn(s, Date.parse(b.start!) + shift, Date.parse(b.end!) + shift, intervalMs, max) === true).length;
        if (hits === dated.length && hits > best) {
          best = hits;
          offset = shift / 1000;
          break;
        }
      }
    }
  }
  return { bursts, burstsAtMax: at, burstsBelowMax: below, clockOffsetSeconds: offset, evidence };
}

export interface CounterCheck {
  readonly dropsCounter: number | null;
  readonly dropsCounterKind: 'delta' | 'since-module-load' | null;
  readonly dropsUnloggedEstimate: number | null;
}

/** The `drop` counter: a delta between the first and last snapshot when there are two or more. */
export function checkDropCounter(drops: Drops, digests: readonly CountersDigest[]): CounterCheck {
  const snaps = digests.flatMap((d) => d.snapshots);
  if (!snaps.length) return { dropsCounter: null, dropsCounterKind: null, dropsUnloggedEstimate: null };
  if (snaps.length >= 2) {
    const delta = deltaTotals(snaps[0]!, snaps[snaps.length - 1]!)['drop'];
    if (delta !== undefined) {
      return { dropsCounter: delta, dropsCounterKind: 'delta', dropsUnloggedEstimate: Math.max(0, delta - drops.logged - drops.suppressed) };
    }
  }
  const total = snapshotTotals(snaps[snaps.length - 1]!)['drop'];
  return { dropsCounter: total ?? null, dropsCounterKind: total === undefined ? null : 'since-module-load', dropsUnloggedEstimate: null };
}
