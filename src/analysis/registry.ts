/**
 * Which accumulator folds which record kind. Records go to the accumulator of their own kind, whatever
 * the input's kind (a `conntrack -C` in a counters paste yields a count sample for the timeline).
 */
import type { AnyRecord } from '../model/records.js';
import type { ParseContext } from '../parsers/line-parser.js';
import type { Accumulator, Digest } from './accumulator.js';
import type { KernelDigest } from './kernel.js';
import { createKernelAccumulator } from './kernel.js';
import { createCountersAccumulator, type CountersDigest } from './counters.js';
import { createSettingsAccumulator, type SettingsDigest } from './settings.js';
import { createTimelineAccumulator, type TimelineDigest } from './timeline.js';
import { createTableAccumulator, type TableDigest } from './table.js';

/** Digests of one input, by facet. */
export interface DigestBag {
  kernel: KernelDigest[];
  counters: CountersDigest[];
  settings: SettingsDigest[];
  timeline: TimelineDigest[];
  table: TableDigest[];
}

export function emptyBag(): DigestBag {
  return { kernel: [], counters: [], settings: [], timeline: [], table: [] };
}

/** Every digest in a bag, for host bookkeeping. */
export function allDigests(bag: DigestBag): readonly Digest[] {
  return [...bag.kernel, ...bag.counters, ...bag.settings, ...bag.timeline, ...bag.table];
}

type Facet = keyof DigestBag;

const FACET_OF: Readonly<Record<AnyRecord['kind'], Facet | null>> = {
  'kernel-event': 'kernel',
  'count-sample': 'timeline',
  'conntrack-entry': 'table',
  'conntrack-run': 'table',
  'conntrack-trailer': 'table',
  'capture-partial': 'table',
  'cpu-stats': 'counters',
  'sysctl-setting': 'settings',
  'host-fact': 'settings',
};

const FACTORIES: { readonly [F in Facet]: (ctx: ParseContext) => Accumulator<DigestBag[F][number]> } = {
  kernel: createKernelAccumulator,
  counters: createCountersAccumulator,
  settings: createSettingsAccumulator,
  timeline: createTimelineAccumulator,
  table: (ctx) => createTableAccumulator(ctx),
};

/** Routes records of one input to lazily created accumulators; `finish` gives the input's digests. */
export class RecordRouter {
  private readonly accs = new Map<Facet, Accumulator<Digest>>();
  private readonly ctx: ParseContext;
  private readonly window: { readonly sinceMs: number; readonly untilMs: number } | null;
  /** Records left out by the time window. */
  outOfWindow = 0;
  constructor(ctx: ParseContext, window: { readonly sinceMs?: number; readonly untilMs?: number } = {}) {
    this.ctx = ctx;
    this.window = window.sinceMs !== undefined || window.untilMs !== undefined
      ? { sinceMs: window.sinceMs ?? -Infinity, untilMs: window.untilMs ?? Infinity }
      : null;
  }

  add = (r: AnyRecord): void => {
    const facet = FACET_OF[r.kind];
    if (facet === null) return;
    if (this.window && (r.kind === 'kernel-event' || r.kind === 'count-sample') && r.tsMs !== null
      && (r.tsMs < this.window.sinceMs || r.tsMs >= this.window.untilMs) && !(r.kind === 'kernel-event' && r.type !== 'drop' && r.type !== 'suppressed')) {
      this.outOfWindow++;
      return;
    }
    let acc = this.accs.get(facet);
    if (!acc) {
      acc = FACTORIES[facet](this.ctx);
      this.accs.set(facet, acc);
    }
    acc.add(r);
  };

  finish(): DigestBag {
    const bag = emptyBag();
    for (const [facet, acc] of this.accs) {
      (bag[facet] as Digest[]).push(...acc.finish());
    }
    return bag;
  }
}
