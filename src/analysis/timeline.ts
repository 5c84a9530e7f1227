/**
 * Count timelines → the `timeline` section of a host (issue 3, "Count timelines").
 *
 * `createTimelineAccumulator` folds CountSample records as they stream, one digest per host: dated
 * samples in growable typed arrays (8 + 8 + 4 bytes a sample), undated ones apart, and the text of the few
 * lines evidence may need (peak, max column, highest counts, largest time jumps, sharp falls), never the
 * text of every line. `buildTimelineSection` merges the digests of one host (several files, several
 * exports) in time order and computes the statistics: the same numbers as simple-statistics on a sorted
 * copy, computed without per-sample objects (round 6 of issue 7: quantiles by quickselect, the regression
 * and the deviation in loops over the typed arrays, no merge when one input is already in time order).
 */
import { mean, medianSorted, quantileSorted } from 'simple-statistics';
import type { Accumulator, Built, Digest } from './accumulator.js';
import type { ParseContext } from '../parsers/line-parser.js';
import type { AnyRecord, CountSample } from '../model/records.js';
import type { Evidence, TimelineSection } from '../model/report.js';
import { isoUtc } from '../util/time.js';

/** Thresholds (percent of max) of `aboveThreshold`. */
export const THRESHOLDS = ['75', '80', '90', '100'] as const;
/** A sample at or above this share of max counts as "at max" for evidence (counting loops miss short peaks). */
export const AT_MAX_SHARE = 0.98;
/** A fall to under this share of the previous sample and of the peak is a reset (reboot, `conntrack -F`). */
export const RESET_SHARE = 0.1;
/** An interval longer than this many median intervals is a gap (and a sample stands for at most this long). */
export const GAP_FACTOR = 2;
/** Points in `series` (each bucket keeps its maximum). */
export const SERIES_POINTS = 500;
/** Most gaps and resets listed in the section (the longest gaps; the first resets). */
export const MAX_LISTED = 100;
/** Candidate lines kept per kind of evidence (highest counts, largest jumps, sharp falls). */
const KEEP = 64;
/** Evidence text is cut to this many characters. */
const TEXT_CHARS = 500;
/** No trend under this span (ms). */
const MIN_TREND_SPAN_MS = 3_600_000;
/** fullAt further than this after the last sample is null (not a forecast anyone can use). */
const MAX_FORECAST_MS = 10 * 365 * 86_400_000;

/** One remembered sample, for evidence. */
export interface SampleRef {
  readonly count: number;
  readonly tsMs: number | null;
  readonly line: number;
  readonly text: string;
}

/**
 * What one input tells about one host's usage. Arrays are in arrival order and trimmed to length.
 * `texts` maps line numbers to evidence text for the few lines kept (bounded, see KEEP).
 */
export interface TimelineDigest extends Digest {
  readonly host: string | null;
  readonly path: string;
  readonly sourceId: string;
  readonly tsMs: Float64Array;
  readonly counts: Float64Array;
  readonly lines: Uint32Array;
  readonly undatedCounts: Float64Array;
  readonly undatedLines: Uint32Array;
  /** Highest count (first one on ties), with its line. */
  readonly peak: SampleRef;
  /** The max column of the latest sample that carried one, or null. */
  readonly maxColumn: (SampleRef & { readonly max: number }) | null;
  readonly texts: ReadonlyMap<number, string>;
}

class Growable {
  f: Float64Array;
  n = 0;
  constructor() { this.f = new Float64Array(1024); }
  push(v: number): void {
    if (this.n === this.f.length) { const g = new Float64Array(this.f.length * 2); g.set(this.f); this.f = g; }
    this.f[this.n++] = v;
  }
  done(): Float64Array { return this.f.slice(0, this.n); }
}

class GrowableU32 {
  f: Uint32Array;
  n = 0;
  constructor() { this.f = new Uint32Array(1024); }
  push(v: number): void {
    if (this.n === this.f.length) { const g = new Uint32Array(this.f.length * 2); g.set(this.f); this.f = g; }
    this.f[this.n++] = v;
  }
  done(): Uint32Array { return this.f.slice(0, this.n); }
}

/**
 * A bounded set of the `k` candidates with the largest score (first ones win ties). The weakest member is
 * cached, so the common case (a score that does not qualify) costs one comparison and no allocation.
 */
class TopK<T> {
  private readonly items: { score: number; seq: number; value: T }[] = [];
  private seq = 0;
  /** Index of the weakest item (smallest score, latest on ties) once the set is full; -1 before. */
  private low = -1;
  constructor(private readonly k: number) {}
  /** Would `offer(score, ...)` keep it? Lets callers skip building a value that would be dropped. */
  accepts(score: number): boolean {
    return this.items.length < this.k || score > this.items[this.low]!.score;
  }
  offer(score: number, value: T): void {
    if (this.items.length < this.k) {
      this.items.push({ score, seq: this.seq++, value });
      if (this.items.length === this.k) this.findLow();
      return;
    }
    // strictly larger only: the earliest of equal counts stay
    if (score > this.items[this.low]!.score) {
      this.items[this.low] = { score, seq: this.seq++, value };
      this.findLow();
    }
  }
  private findLow(): void {
    let low = 0;
    for (let i = 1; i < this.items.length; i++) {
      const a = this.items[i]!;
      const b = this.items[low]!;
      if (a.score < b.score || (a.score === b.score && a.seq > b.seq)) low = i;
    }
    this.low = low;
  }
  values(): T[] { return this.items.map((x) => x.value); }
}

function cut(text: string): string {
  return text.length > TEXT_CHARS ? text.slice(0, TEXT_CHARS) : text;
}

function refOf(r: CountSample): SampleRef {
  return { count: r.count, tsMs: r.tsMs, line: r.src.lineNo, text: cut(r.text) };
}

class HostTimeline {
  readonly ts = new Growable();
  readonly counts = new Growable();
  readonly lines = new GrowableU32();
  readonly undated = new Growable();
  readonly undatedLines = new GrowableU32();
  peak: SampleRef | null = null;
  maxColumn: (SampleRef & { max: number }) | null = null;
  readonly top = new TopK<SampleRef>(KEEP);
  readonly jumps = new TopK<[SampleRef, SampleRef]>(KEEP);
  readonly falls: SampleRef[] = [];
  // The previous dated sample as plain fields, not a SampleRef: most samples are never evidence, so their
  // ref (and cut text) is only built when something keeps it. `prevRef` is that ref once built.
  private hasPrev = false;
  private prevCount = 0;
  private prevTs = 0;
  private prevLine = 0;
  private prevText = '';
  private prevRef: SampleRef | null = null;
  private prevUndated: SampleRef | null = null;

  add(r: CountSample): void {
    const count = r.count;
    const tsMs = r.tsMs;
    // built at most once, and only when a sample is kept (peak, max column, top counts, jumps, falls)
    let ref: SampleRef | null = null;
    if (!this.peak || count > this.peak.count) this.peak = ref = refOf(r);
    if (r.max !== null && (!this.maxColumn || tsMs === null || this.maxColumn.tsMs === null || tsMs >= this.maxColumn.tsMs)) {
      this.maxColumn = { ...(ref ??= refOf(r)), max: r.max };
    }
    if (this.top.accepts(count)) this.top.offer(count, ref ??= refOf(r));
    if (tsMs === null) {
      this.undated.push(count);
      this.undatedLines.push(r.src.lineNo);
      ref ??= refOf(r);
      if (this.prevUndated && count < RESET_SHARE * this.prevUndated.count && this.falls.length < KEEP) this.falls.push(ref);
      this.prevUndated = ref;
      return;
    }
    this.ts.push(tsMs);
    this.counts.push(count);
    this.lines.push(r.src.lineNo);
    if (this.hasPrev) {
      const jump = Math.abs(tsMs - this.prevTs);
      if (this.jumps.accepts(jump)) {
        const p = this.prevRef ??= { count: this.prevCount, tsMs: this.prevTs, line: this.prevLine, text: cut(this.prevText) };
        this.jumps.offer(jump, [p, ref ??= refOf(r)]);
      }
      if (count < RESET_SHARE * this.prevCount && this.falls.length < KEEP) this.falls.push(ref ??= refOf(r));
    }
    this.hasPrev = true;
    this.prevCount = count;
    this.prevTs = tsMs;
    this.prevLine = r.src.lineNo;
    this.prevText = r.text;
    this.prevRef = ref;
  }

  digest(host: string | null, ctx: ParseContext): TimelineDigest {
    const texts = new Map<number, string>();
    const keep = (x: SampleRef | null): void => { if (x) texts.set(x.line, x.text); };
    keep(this.peak);
    keep(this.maxColumn);
    for (const x of this.top.values()) keep(x);
    for (const [a, b] of this.jumps.values()) { keep(a); keep(b); }
    for (const x of this.falls) keep(x);
    return {
      host, path: ctx.path, sourceId: ctx.sourceId,
      tsMs: this.ts.done(), counts: this.counts.done(), lines: this.lines.done(),
      undatedCounts: this.undated.done(), undatedLines: this.undatedLines.done(),
      peak: this.peak!, maxColumn: this.maxColumn, texts,
    };
  }
}

/**
 * Fold CountSample records (others are ignored) into one TimelineDigest per host named by the records
 * (host null when they name none). Memory: ~20 bytes a sample plus a bounded set of evidence lines.
 */
export function createTimelineAccumulator(ctx: ParseContext): Accumulator<TimelineDigest> {
  // a Map: a host called __proto__ is just a key
  const hosts = new Map<string | null, HostTimeline>();
  // the host of the last record and its timeline: inputs rarely switch hosts from one sample to the next
  let lastHost: string | null = null;
  let last: HostTimeline | null = null;
  return {
    add(r: AnyRecord): void {
      if (r.kind !== 'count-sample') return;
      if (last === null || r.host !== lastHost) {
        let h = hosts.get(r.host);
        if (!h) { h = new HostTimeline(); hosts.set(r.host, h); }
        last = h;
        lastHost = r.host;
      }
      last.add(r);
    },
    finish(): readonly TimelineDigest[] {
      return [...hosts].map(([host, h]) => h.digest(host, ctx));
    },
  };
}

// ------------------------------------------------------------------------------------ build

/** Where max comes from when it is not in the samples (settings input or --max; the caller decides). */
export interface TimelineBuildOptions {
  readonly max: number | null;
  readonly maxSource: string | null;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface Merged {
  readonly ts: Float64Array;
  readonly counts: Float64Array;
  /** Digest index and line of each merged sample (for evidence). */
  readonly digest: Uint32Array;
  readonly line: Uint32Array;
}

/** Dated samples of all digests in time order; at one instant only the largest count is kept. */
function mergeDated(digests: readonly TimelineDigest[]): Merged {
  let n = 0;
  for (const d of digests) n += d.tsMs.length;
  if (digests.length === 1 && strictlyRising(digests[0]!.tsMs)) {
    // the usual case (one file written in time order): already merged, nothing to copy or sort
    const d = digests[0]!;
    return { ts: d.tsMs, counts: d.counts, digest: new Uint32Array(n), line: d.lines };
  }
  const ts = new Float64Array(n);
  const counts = new Float64Array(n);
  const dig = new Uint32Array(n);
  const line = new Uint32Array(n);
  let k = 0;
  digests.forEach((d, di) => {
    ts.set(d.tsMs, k); counts.set(d.counts, k); line.set(d.lines, k); dig.fill(di, k, k + d.tsMs.length);
    k += d.tsMs.length;
  });
  if (strictlyRising(ts)) return { ts, counts, digest: dig, line };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // stable: time, then larger count first, then input order
  order.sort((a, b) => ts[a]! - ts[b]! || counts[b]! - counts[a]! || a - b);
  const o = { ts: new Float64Array(n), counts: new Float64Array(n), digest: new Uint32Array(n), line: new Uint32Array(n) };
  let m = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    if (m > 0 && o.ts[m - 1] === ts[i]) continue; // duplicate instant: the larger count came first
    o.ts[m] = ts[i]!; o.counts[m] = counts[i]!; o.digest[m] = dig[i]!; o.line[m] = line[i]!;
    m++;
  }
  return { ts: o.ts.subarray(0, m), counts: o.counts.subarray(0, m), digest: o.digest.subarray(0, m), line: o.line.subarray(0, m) };
}

/** Whether every time is larger than the one before (then the sort above is the identity and drops nothing). */
function strictlyRising(ts: Float64Array): boolean {
  for (let i = 1; i < ts.length; i++) if (!(ts[i]! > ts[i - 1]!)) return false;
  return true;
}

/**
 * Order statistics of `x` as quantileSorted(sorted x, p) gives them (R type 7), without sorting:
 * quickselect on `work` (a scratch copy of x, reordered in place), one call per p in increasing order.
 * Only for values without NaN and without -0 (the callers check), where "the k-th smallest" is one number
 * whichever equal values land where.
 */
class Quantiles {
  /** Elements before `lo` are all <= those from `lo` on (set by the previous selection). */
  private lo = 0;
  constructor(private readonly work: Float64Array) {}
  /** quantileSorted(sorted, p) for 0 < p < 1, asked in increasing p. */
  at(p: number): number {
    const x = this.work;
    const idx = (x.length - 1) * p;
    if (idx % 1 !== 0) {
      const lower = Math.floor(idx);
      const upper = Math.ceil(idx);
      const fraction = idx - lower;
      const a = this.kth(lower);
      const b = this.kth(upper);
      return a + fraction * (b - a);
    }
    return this.kth(idx);
  }
  /** The k-th smallest (0-based), k not below the last one asked. */
  private kth(k: number): number {
    const x = this.work;
    let lo = this.lo;
    let hi = x.length - 1;
    for (let rounds = 0; hi > lo; rounds++) {
      if (rounds === 64) {
        // an input that defeats the median of three: sort what is left (in place, same answer)
        x.subarray(lo, hi + 1).sort();
        break;
      }
      // median of three as pivot, then Hoare partition
      const mid = (lo + hi) >>> 1;
      let a = x[lo]!, b = x[mid]!, c = x[hi]!;
      if (a > b) { const t = a; a = b; b = t; }
      if (b > c) { b = c; if (a > b) b = a; }
      const pivot = b;
      let i = lo, j = hi;
      while (i <= j) {
        while (x[i]! < pivot) i++;
        while (x[j]! > pivot) j--;
        if (i <= j) { const t = x[i]!; x[i] = x[j]!; x[j] = t; i++; j--; }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else break; // j < k < i: x[k] equals the pivot
    }
    // everything before k is <= x[k] now, so later (larger) k search from here
    this.lo = k;
    return x[k]!;
  }
}

/**
 * Least squares of count over days since `t0`: simple-statistics' linearRegression on the points
 * [(ts - t0) / 1 day, count], with the same sums in the same order (so the same bits), without building
 * an array per point (a year of minutes made 525,600 of them). test/analysis/timeline.test.ts checks it
 * against the library.
 */
export function regression(ts: Float64Array, counts: Float64Array, t0: number): { m: number; b: number } {
  const n = ts.length;
  if (n === 1) return { m: 0, b: counts[0]! };
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumX += (ts[i]! - t0) / 86_400_000;
    sumY += counts[i]!;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sumXY = 0;
  let sumXX = 0;
  for (let i = 0; i < n; i++) {
    const dx = (ts[i]! - t0) / 86_400_000 - meanX;
    sumXY += dx * (counts[i]! - meanY);
    sumXX += dx * dx;
  }
  const m = sumXY / sumXX;
  return { m, b: meanY - m * meanX };
}

/** Whether quickselect may stand in for a sort of `x` (no NaN, no -0: a sort orders those specially). */
function selectable(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== v || (v === 0 && 1 / v < 0)) return false;
  }
  return true;
}

function evidenceAt(digests: readonly TimelineDigest[], di: number, line: number): Evidence | null {
  const d = digests[di]!;
  const text = d.texts.get(line);
  return text === undefined ? null : { path: d.path, line, text };
}

/** The section for an empty host (no samples): all zero, no times. */
function emptySection(opts: TimelineBuildOptions): Built<TimelineSection> {
  return {
    section: {
      samples: 0, undatedSamples: 0, start: null, end: null, intervalSeconds: null,
      peak: { count: 0, at: null, path: '', line: 0 }, min: 0, mean: 0, median: 0, p95: 0, p99: 0, stddev: 0,
      max: opts.max, maxSource: opts.max !== null ? opts.maxSource : null, aboveThreshold: null,
      gaps: [], resets: [], trendPerDay: null, fullAt: null, series: [],
    },
    evidence: new Map(),
  };
}

// Hot loops of the build, each in a small function over local typed arrays: in one big function run
// once, V8 kept them in slow tiers (~90 ms of the build for a year of minutes).

/**
 * simple-statistics' standardDeviation(x) given mean(x): the same sum of squared deviations in the same
 * order, so the same bits, without computing the mean a second time.
 */
function stddevAround(x: Float64Array, meanValue: number): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - meanValue;
    sum += d * d;
  }
  return Math.sqrt(sum / x.length);
}

/** The smallest value of `x` (non-empty, no NaN). */
function minOf(x: Float64Array): number {
  let min = x[0]!;
  for (let i = 1; i < x.length; i++) if (x[i]! < min) min = x[i]!;
  return min;
}

/** ts[i + 1] - ts[i] for every i. */
function intervalsOf(ts: Float64Array): Float64Array {
  const dts = new Float64Array(ts.length - 1);
  for (let i = 1; i < ts.length; i++) dts[i - 1] = ts[i]! - ts[i - 1]!;
  return dts;
}

/**
 * ms at or above each threshold: each sample stands for the interval to the next one capped at `cap`
 * (the last one for `medianMs`), summed in time order as a per-sample loop over THRESHOLDS sums them.
 */
function secondsAbove(ts: Float64Array, counts: Float64Array, t75: number, t80: number, t90: number, t100: number, medianMs: number | null, cap: number): number[] {
  const n = ts.length;
  let s75 = 0, s80 = 0, s90 = 0, s100 = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c < t75 && c < t80 && c < t90 && c < t100) continue; // adds nothing (w is never NaN: times are finite)
    const w = medianMs === null ? 0 : i + 1 < n ? Math.min(ts[i + 1]! - ts[i]!, cap) : medianMs;
    if (c >= t75) s75 += w;
    if (c >= t80) s80 += w;
    if (c >= t90) s90 += w;
    if (c >= t100) s100 += w;
  }
  return [s75, s80, s90, s100];
}

/** The first i >= from with counts[i] >= thr (not below it), or -1. */
function nextAtLeast(counts: Float64Array, thr: number, from: number): number {
  for (let i = from; i < counts.length; i++) if (!(counts[i]! < thr)) return i;
  return -1;
}

/** Indices i whose interval from i - 1 is longer than `cap`. */
function gapsOver(ts: Float64Array, cap: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > cap) out.push(i);
  return out;
}

/** The first i >= from whose count fell under RESET_SHARE of the previous one and of `peak`, or -1. */
function nextFall(counts: Float64Array, peak: number, from: number): number {
  // the bound from the peak first: it is the same for every sample and rules out nearly all of them
  const low = RESET_SHARE * peak;
  for (let i = from; i < counts.length; i++) {
    const to = counts[i]!;
    if (to < low && to < RESET_SHARE * counts[i - 1]!) return i;
  }
  return -1;
}

/** Index of the largest of x[a, z) (the first on ties). */
function argMax(x: Float64Array, a: number, z: number): number {
  let best = a;
  for (let j = a + 1; j < z; j++) if (x[j]! > x[best]!) best = j;
  return best;
}

/**
 * The timeline section of one host from the digests of its inputs.
 *
 * - `samples` counts dated samples after merging (duplicates at one instant: the larger count is kept)
 *   plus undated ones; `undatedSamples` the undated ones. min/mean/median/p95/p99/stddev cover both
 *   (quantiles: linear interpolation, R type 7; stddev: population); means are rounded to 2 decimals.
 * - `max`: `opts.max` when given (maxSource = opts.maxSource), else the max column of the latest sample
 *   carrying one (maxSource "column"), else null.
 * - `intervalSeconds`: median interval between dated samples. `aboveThreshold`: seconds at or above
 *   75/80/90/100 % of max, each dated sample standing for the interval to the next one capped at
 *   GAP_FACTOR × median (the last one for one median interval); null when max is unknown.
 * - `gaps`: intervals longer than GAP_FACTOR × median (the MAX_LISTED longest, in time order).
 * - `resets`: a count under RESET_SHARE of the previous sample and of the peak (dated samples in time
 *   order, then undated ones in input order with `at` null; the first MAX_LISTED).
 * - `trendPerDay`: slope of the least-squares line of count over time (entries/day); null under 2 dated
 *   samples or 1 hour of span. `fullAt`: where that line reaches max, when rising and max known, and not
 *   before the first sample nor more than 10 years after the last; else null.
 * - `series`: dated samples (undated ones when there are none) in at most SERIES_POINTS buckets, each
 *   keeping its largest count and that sample's time.
 *
 * Evidence keys: "timeline.peak" (the peak line), "timeline.max" (the max column line, when max came from
 * the samples), "timeline.atMax" (up to 5 samples at or above AT_MAX_SHARE of max, first of each run
 * first), "timeline.gaps" (the sample before each of the first 5 gaps), "timeline.resets" (the sample
 * after each of the first 5 falls).
 */
export function buildTimelineSection(digests: readonly TimelineDigest[], opts: TimelineBuildOptions): Built<TimelineSection> {
  const used = digests.filter((d) => d.tsMs.length + d.undatedCounts.length > 0);
  if (used.length === 0) return emptySection(opts);
  const dated = mergeDated(used);
  const n = dated.ts.length;
  const undatedN = used.reduce((a, d) => a + d.undatedCounts.length, 0);
  const evidence = new Map<string, Evidence[]>();

  // --- peak: the largest digest peak; ties go to the earliest time (undated last), then input order
  let peakDi = 0;
  used.forEach((d, i) => {
    const p = used[peakDi]!.peak;
    const q = d.peak;
    if (q.count > p.count || (q.count === p.count && q.tsMs !== null && (p.tsMs === null || q.tsMs < p.tsMs))) peakDi = i;
  });
  const peakRef = used[peakDi]!.peak;
  evidence.set('timeline.peak', [{ path: used[peakDi]!.path, line: peakRef.line, text: peakRef.text }]);

  // --- max
  let max = opts.max;
  let maxSource = opts.max !== null ? opts.maxSource : null;
  if (max === null) {
    let best: { d: TimelineDigest; m: SampleRef & { max: number } } | null = null;
    for (const d of used) {
      const m = d.maxColumn;
      if (!m) continue;
      if (!best || (m.tsMs !== null && (best.m.tsMs === null || m.tsMs >= best.m.tsMs))) best = { d, m };
    }
    if (best) {
      max = best.m.max;
      maxSource = 'column';
      evidence.set('timeline.max', [{ path: best.d.path, line: best.m.line, text: best.m.text }]);
    }
  }

  // --- distribution over all samples (dated in time order, then undated in input order)
  let all: Float64Array = dated.counts;
  if (undatedN > 0) {
    all = new Float64Array(n + undatedN);
    all.set(dated.counts);
    let k = n;
    for (const d of used) { all.set(d.undatedCounts, k); k += d.undatedCounts.length; }
  }
  // min, median, p95 and p99 by quickselect on a scratch copy (a full sort of a year of minutes took
  // ~75 ms); a sort where values it orders specially (NaN, -0) could make the two differ
  const work = all.slice();
  let min: number;
  let median: number;
  let p95: number;
  let p99: number;
  if (selectable(work)) {
    const q = new Quantiles(work);
    median = q.at(0.5);
    p95 = q.at(0.95);
    p99 = q.at(0.99);
    min = minOf(work);
  } else {
    work.sort();
    min = work[0]!;
    median = medianSorted(work as unknown as number[]);
    p95 = quantileSorted(work as unknown as number[], 0.95);
    p99 = quantileSorted(work as unknown as number[], 0.99);
  }

  // --- intervals
  let medianMs: number | null = null;
  if (n >= 2) {
    const dts = intervalsOf(dated.ts);
    medianMs = selectable(dts) ? new Quantiles(dts).at(0.5) : medianSorted(dts.sort() as unknown as number[]);
  }
  const cap = medianMs !== null ? GAP_FACTOR * medianMs : 0;
  const meanAll = mean(all as unknown as number[]);

  let aboveThreshold: Record<(typeof THRESHOLDS)[number], number> | null = null;
  if (max !== null) {
    // the same products and the same sums in the same order as a loop over THRESHOLDS per sample
    const mx = max;
    const [t75, t80, t90, t100] = THRESHOLDS.map((t) => (Number(t) / 100) * mx) as [number, number, number, number];
    const secs = secondsAbove(dated.ts, dated.counts, t75, t80, t90, t100, medianMs, cap);
    aboveThreshold = { '75': secs[0]! / 1000, '80': secs[1]! / 1000, '90': secs[2]! / 1000, '100': secs[3]! / 1000 };

    // samples at max: the first of each run first, then the rest, in time order
    const atMax: Evidence[] = [];
    const later: Evidence[] = [];
    const thr = AT_MAX_SHARE * max;
    for (let i = nextAtLeast(dated.counts, thr, 0); i >= 0 && atMax.length < 5; i = nextAtLeast(dated.counts, thr, i + 1)) {
      const e = evidenceAt(used, dated.digest[i]!, dated.line[i]!);
      if (!e) continue;
      if (i === 0 || dated.counts[i - 1]! < thr) atMax.push(e); else if (later.length < 5) later.push(e);
    }
    if (n === 0 && peakRef.count >= thr) atMax.push({ path: used[peakDi]!.path, line: peakRef.line, text: peakRef.text });
    const ev = [...atMax, ...later].slice(0, 5);
    if (ev.length) evidence.set('timeline.atMax', ev);
  }

  // --- gaps
  const gapIdx: number[] = medianMs !== null && medianMs > 0 ? gapsOver(dated.ts, cap) : [];
  const listedGaps = gapIdx.length > MAX_LISTED
    ? [...gapIdx].sort((a, b) => (dated.ts[b]! - dated.ts[b - 1]!) - (dated.ts[a]! - dated.ts[a - 1]!)).slice(0, MAX_LISTED).sort((a, b) => a - b)
    : gapIdx;
  const gaps = listedGaps.map((i) => ({ start: isoUtc(dated.ts[i - 1]!), end: isoUtc(dated.ts[i]!), seconds: (dated.ts[i]! - dated.ts[i - 1]!) / 1000 }));
  const gapEv = listedGaps.slice(0, 5).map((i) => evidenceAt(used, dated.digest[i - 1]!, dated.line[i - 1]!)).filter((e): e is Evidence => e !== null);
  if (gapEv.length) evidence.set('timeline.gaps', gapEv);

  // --- resets
  const peak = peakRef.count;
  const resets: { at: string | null; from: number; to: number }[] = [];
  const resetEv: Evidence[] = [];
  for (let i = nextFall(dated.counts, peak, 1); i >= 0 && resets.length < MAX_LISTED; i = nextFall(dated.counts, peak, i + 1)) {
    resets.push({ at: isoUtc(dated.ts[i]!), from: dated.counts[i - 1]!, to: dated.counts[i]! });
    const e = evidenceAt(used, dated.digest[i]!, dated.line[i]!);
    if (e && resetEv.length < 5) resetEv.push(e);
  }
  for (const d of used) {
    for (let i = 1; i < d.undatedCounts.length && resets.length < MAX_LISTED; i++) {
      const from = d.undatedCounts[i - 1]!;
      const to = d.undatedCounts[i]!;
      if (to < RESET_SHARE * from && to < RESET_SHARE * peak) {
        resets.push({ at: null, from, to });
        const text = d.texts.get(d.undatedLines[i]!);
        if (text !== undefined && resetEv.length < 5) resetEv.push({ path: d.path, line: d.undatedLines[i]!, text });
      }
    }
  }
  if (resetEv.length) evidence.set('timeline.resets', resetEv);

  // --- trend
  let trendPerDay: number | null = null;
  let fullAt: string | null = null;
  if (n >= 2 && dated.ts[n - 1]! - dated.ts[0]! >= MIN_TREND_SPAN_MS) {
    const t0 = dated.ts[0]!;
    const { m, b } = regression(dated.ts, dated.counts, t0);
    trendPerDay = round2(m);
    if (m > 0 && max !== null) {
      const at = t0 + ((max - b) / m) * 86_400_000;
      if (Number.isFinite(at) && at >= t0 && at <= dated.ts[n - 1]! + MAX_FORECAST_MS) fullAt = isoUtc(Math.round(at / 1000) * 1000);
    }
  }

  // --- series
  const series: { at: string | null; count: number }[] = [];
  if (n > 0) {
    const buckets = Math.min(n, SERIES_POINTS);
    for (let bI = 0; bI < buckets; bI++) {
      const a = Math.floor((bI * n) / buckets);
      const z = Math.max(a + 1, Math.floor(((bI + 1) * n) / buckets));
      const best = argMax(dated.counts, a, z);
      series.push({ at: isoUtc(dated.ts[best]!), count: dated.counts[best]! });
    }
  } else {
    const und = all;
    const buckets = Math.min(und.length, SERIES_POINTS);
    for (let bI = 0; bI < buckets; bI++) {
      const a = Math.floor((bI * und.length) / buckets);
      const z = Math.max(a + 1, Math.floor(((bI + 1) * und.length) / buckets));
      let m = und[a]!;
      for (let j = a + 1; j < z; j++) m = Math.max(m, und[j]!);
      series.push({ at: null, count: m });
    }
  }

  const section: TimelineSection = {
    samples: n + undatedN,
    undatedSamples: undatedN,
    start: n ? isoUtc(dated.ts[0]!) : null,
    end: n ? isoUtc(dated.ts[n - 1]!) : null,
    intervalSeconds: medianMs === null ? null : medianMs / 1000,
    peak: { count: peak, at: peakRef.tsMs === null ? null : isoUtc(peakRef.tsMs), path: used[peakDi]!.path, line: peakRef.line },
    min,
    mean: round2(meanAll),
    median: round2(median),
    p95: round2(p95),
    p99: round2(p99),
    stddev: round2(all.length > 1 ? stddevAround(all, meanAll) : 0),
    max,
    maxSource,
    aboveThreshold,
    gaps,
    resets,
    trendPerDay,
    fullAt,
    series,
  };
  return { section, evidence };
}
