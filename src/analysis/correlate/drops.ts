/**
 * Drops and bursts for one host: put every kernel-log input on one clock where an anchor exists,
 * count each drop once (per one-second bucket, the largest count among the sources that cover it),
 * cut bursts at gaps longer than --burst-gap and at reboots, and attribute suppressed counts.
 */
import type { Burst, Correlation, CorrelationSource, Drops, Evidence, HostEvent, PerMinute } from '../../model/report.js';
import { isoUtc } from '../../util/time.js';
import type { BootSegment, DropRows, KernelDigest, NumberList } from '../kernel.js';
import { compactRows, R_COUNT, R_FIRST, R_LAST, R_LINE, ROW, S_COUNT, S_LINE, S_MS, secondOf, SUPP } from '../kernel.js';
import { compareText } from '../../util/format.js';

export interface DropsOptions {
  readonly burstGapMs: number;
  /** --boot-time: places monotonic stamps on the wall clock (applies to the last boot of each input). */
  readonly bootTimeMs: number | null;
  readonly bootTimeLabel?: string;
  /** The uptime when a fallback boot time was taken: a segment with later stamps is from another boot. */
  readonly bootUptimeSec?: number | null;
}

/** How monotonic stamps were placed ("none needed", "--boot-time", "kern.log (...)"), and the boot time. */
export type ClockInfo = Correlation['clock'];

/** Which source counted which drops: the public CorrelationSource, with the clock as a closed set here. */
export type SourceCoverage = CorrelationSource & { readonly clock: 'wall' | 'monotonic-anchored' | 'monotonic' | 'none' };

export interface DropsResult {
  readonly drops: Drops;
  readonly events: HostEvent[];
  readonly eventCounts: Record<string, number>;
  readonly clock: ClockInfo;
  readonly sources: SourceCoverage[];
  readonly evidence: Map<string, Evidence[]>;
}

/**
 * Drop rows (kernel.ts {@link ROW} layout, one a second, ascending) and the digest each row came from (its
 * path and texts). Wall ms (epoch) for the wall domain; uptime ms for the monotonic one. Nothing here makes
 * an object per second: a week of drops is ~600,000 rows.
 */
interface Rows {
  buf: Float64Array;
  n: number;
  /** The digest of each row (an index into the digests), or one digest for all rows. */
  src: Uint32Array | number;
}

function srcOf(r: Rows, i: number): number {
  return typeof r.src === 'number' ? r.src : r.src[i]!;
}

function newRows(capacity: number): Rows & { src: Uint32Array } {
  return { buf: new Float64Array(Math.max(1, capacity) * ROW), n: 0, src: new Uint32Array(Math.max(1, capacity)) };
}

/** Append row `i` of `from` (its fields and digest) to `to`, which has room. */
function copyRow(to: Rows & { src: Uint32Array }, from: Rows, i: number): void {
  const t = to.n * ROW;
  const f = i * ROW;
  for (let k = 0; k < ROW; k++) to.buf[t + k] = from.buf[f + k]!;
  to.src[to.n] = srcOf(from, i);
  to.n++;
}

/** Add row `i` of `from` into the last row of `to` (same second): counts add, the stamps widen. */
function addInto(to: Rows, from: Rows, i: number): void {
  const at = (to.n - 1) * ROW;
  const f = i * ROW;
  to.buf[at + R_COUNT]! += from.buf[f + R_COUNT]!;
  if (from.buf[f + R_FIRST]! < to.buf[at + R_FIRST]!) to.buf[at + R_FIRST] = from.buf[f + R_FIRST]!;
  if (from.buf[f + R_LAST]! > to.buf[at + R_LAST]!) to.buf[at + R_LAST] = from.buf[f + R_LAST]!;
}

function keyAt(r: Rows, i: number): number {
  return secondOf(r.buf[i * ROW + R_FIRST]!);
}

/** A digest's rows as they are (sorted by kernel.ts at the end of the input). */
function digestRows(l: DropRows, src: number): Rows {
  compactRows(l);
  return { buf: l.buf, n: l.n, src };
}

/** Rows of a boot segment moved onto the wall clock: seconds re-cut at the boot time, neighbours that land in one second added. */
function shiftRows(l: DropRows, bootMs: number, src: number): Rows {
  compactRows(l);
  const out = newRows(l.n);
  for (let i = 0; i < l.n; i++) {
    const f = i * ROW;
    const first = bootMs + l.buf[f + R_FIRST]!;
    const last = bootMs + l.buf[f + R_LAST]!;
    if (out.n > 0 && keyAt(out, out.n - 1) === secondOf(first)) {
      const at = (out.n - 1) * ROW;
      out.buf[at + R_COUNT]! += l.buf[f + R_COUNT]!;
      out.buf[at + R_LAST] = Math.max(out.buf[at + R_LAST]!, last);
      continue;
    }
    const at = out.n * ROW;
    out.buf.set(l.buf.subarray(f, f + ROW), at);
    out.buf[at + R_FIRST] = first;
    out.buf[at + R_LAST] = last;
    out.src[out.n] = src;
    out.n++;
  }
  return out;
}

/**
 * Two sorted row sets merged by second; a second in both is summed and keeps the line of `b`'s row when
 * `bFirst` says so for the two rows, else `a`'s.
 */
function sumRows(a: Rows, b: Rows, bFirst: (i: number, j: number) => boolean = () => false): Rows {
  const out = newRows(a.n + b.n);
  let i = 0;
  let j = 0;
  while (i < a.n || j < b.n) {
    const ka = i < a.n ? keyAt(a, i) : Infinity;
    const kb = j < b.n ? keyAt(b, j) : Infinity;
    if (ka < kb) copyRow(out, a, i++);
    else if (kb < ka) copyRow(out, b, j++);
    else if (bFirst(i, j)) {
      copyRow(out, b, j++);
      addInto(out, a, i++);
    } else {
      copyRow(out, a, i++);
      addInto(out, b, j++);
    }
  }
  return out;
}

/**
 * Several sources' sorted rows merged by second: the largest count wins the second, ties to the earlier
 * list. `won` gets each winning digest's count. One list is taken as it is.
 */
function mergeMax(lists: readonly Rows[], won: (src: number, count: number) => void): Rows {
  const live = lists.filter((l) => l.n > 0);
  if (live.length === 1) {
    const only = live[0]!;
    for (let i = 0; i < only.n; i++) won(srcOf(only, i), only.buf[i * ROW + R_COUNT]!);
    return only;
  }
  const out = newRows(live.reduce((n, l) => n + l.n, 0));
  const at = new Array<number>(live.length).fill(0);
  for (;;) {
    let key = Infinity;
    for (let k = 0; k < live.length; k++) if (at[k]! < live[k]!.n) key = Math.min(key, keyAt(live[k]!, at[k]!));
    if (key === Infinity) break;
    let best = -1;
    for (let k = 0; k < live.length; k++) {
      const l = live[k]!;
      if (at[k]! >= l.n || keyAt(l, at[k]!) !== key) continue;
      if (best === -1 || l.buf[at[k]! * ROW + R_COUNT]! > live[best]!.buf[at[best]! * ROW + R_COUNT]!) best = k;
    }
    const w = live[best]!;
    copyRow(out, w, at[best]!);
    won(srcOf(w, at[best]!), w.buf[at[best]! * ROW + R_COUNT]!);
    for (let k = 0; k < live.length; k++) if (at[k]! < live[k]!.n && keyAt(live[k]!, at[k]!) === key) at[k]!++;
  }
  return out;
}

/** Exactly matched extras added on top of the merged wall rows: a second in both keeps the line logged first. */
function addExtras(wall: Rows, extra: Rows): Rows {
  if (extra.n === 0) return wall;
  return sumRows(wall, extra, (i, j) => extra.buf[j * ROW + R_FIRST]! < wall.buf[i * ROW + R_FIRST]!);
}

/**
 * Rows built one drop at a time in any order (the exactly matched extras): appended, then sorted by
 * second and summed; a second keeps the line of its first row.
 */
class RowBuilder {
  private rows: Rows & { src: Uint32Array } = newRows(64);

  add(ms: number, line: number, src: number): void {
    const r = this.rows;
    if (r.n > 0 && keyAt(r, r.n - 1) === secondOf(ms)) {
      const at = (r.n - 1) * ROW;
      r.buf[at + R_COUNT]!++;
      if (ms < r.buf[at + R_FIRST]!) r.buf[at + R_FIRST] = ms;
      if (ms > r.buf[at + R_LAST]!) r.buf[at + R_LAST] = ms;
      return;
    }
    if (r.n * ROW === r.buf.length) {
      const grown = newRows(r.n * 2);
      grown.buf.set(r.buf);
      grown.src.set(r.src);
      grown.n = r.n;
      this.rows = grown;
    }
    const t = this.rows;
    const at = t.n * ROW;
    t.buf[at + R_COUNT] = 1;
    t.buf[at + R_FIRST] = ms;
    t.buf[at + R_LAST] = ms;
    t.buf[at + R_LINE] = line;
    t.src[t.n] = src;
    t.n++;
  }

  finish(): Rows {
    const r = this.rows;
    const order = new Uint32Array(r.n);
    for (let i = 0; i < r.n; i++) order[i] = i;
    order.sort((x, y) => keyAt(r, x) - keyAt(r, y) || x - y);
    const out = newRows(r.n);
    for (const i of order) {
      if (out.n > 0 && keyAt(out, out.n - 1) === keyAt(r, i)) addInto(out, r, i);
      else copyRow(out, r, i);
    }
    return out;
  }
}

interface Anchor {
  readonly bootMs: number;
  readonly minUptime: number;
  readonly maxUptime: number;
  readonly path: string;
  /** Uptimes (µs) of the drops this boot's lines stamped with both clocks: the segments' lists, and all of them sorted once asked. */
  readonly lists: NumberList[];
  sorted: Float64Array | null;
}

/** The anchor's uptimes, sorted (made at the first question: most anchors are never asked). */
function anchorKeys(a: Anchor): Float64Array {
  if (a.sorted === null) {
    const all = new Float64Array(a.lists.reduce((n, l) => n + l.n, 0));
    let at = 0;
    for (const l of a.lists) {
      all.set(l.buf.subarray(0, l.n), at);
      at += l.n;
    }
    a.sorted = all.sort();
  }
  return a.sorted;
}

/** Is `x` in the ascending array `xs`? */
function sortedHas(xs: Float64Array, x: number): boolean {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = xs[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The first index in ascending `xs[0..n)` whose value is at least `x` (n when none). */
function lowerBound(xs: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in ascending `xs` whose value is above `x` (its length when none). */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ANCHOR_GROUP_MS = 2000;

/** Find the anchor (a boot seen with both clocks) that best overlaps a monotonic-only segment. */
function pickAnchor(seg: BootSegment, anchors: readonly Anchor[]): Anchor | null {
  let best: Anchor | null = null;
  // an anchor must share some uptime range with the segment (a single shared instant will do):
  // otherwise it may be another boot
  let bestOverlap = -Infinity;
  for (const a of anchors) {
    const overlap = Math.min(a.maxUptime, seg.maxUptime) - Math.max(a.minUptime, seg.minUptime);
    if (overlap < 0) continue;
    if (overlap > bestOverlap || (overlap === bestOverlap && (best === null || a.bootMs > best.bootMs))) {
      best = a;
      bestOverlap = overlap;
    }
  }
  return best;
}

/** One source's suppressed lines on one clock (kernel.ts {@link SUPP} layout), moved by `shiftMs`. */
interface SuppSource {
  readonly src: number;
  readonly list: NumberList;
  readonly shiftMs: number;
}

export function correlateDrops(digests: readonly KernelDigest[], opts: DropsOptions): DropsResult {
  const evidence = new Map<string, Evidence[]>();
  const pushEv = (key: string, ev: Evidence): void => {
    const list = evidence.get(key) ?? [];
    if (list.length < 5) list.push(ev);
    evidence.set(key, list);
  };
  /** The text of a cited line, when its digest kept it. */
  const textOf = (src: number, line: number): string => digests[src]!.texts.get(line) ?? '';

  // 1. Anchors: boots seen with both clocks (syslog [uptime], journal JSON).
  const anchors: Anchor[] = [];
  for (const d of digests) {
    for (const seg of d.segments) {
      if (seg.bootMsEstimate === null) continue;
      const near = anchors.findIndex((a) => Math.abs(a.bootMs - seg.bootMsEstimate!) <= ANCHOR_GROUP_MS);
      if (near === -1) anchors.push({ bootMs: seg.bootMsEstimate, minUptime: seg.minUptime, maxUptime: seg.maxUptime, path: d.path, lists: [seg.bothUptimes], sorted: null });
      else {
        const a = anchors[near]!;
        anchors[near] = {
          bootMs: Math.max(a.bootMs, seg.bootMsEstimate), minUptime: Math.min(a.minUptime, seg.minUptime),
          maxUptime: Math.max(a.maxUptime, seg.maxUptime), path: a.path, lists: [...a.lists, seg.bothUptimes], sorted: null,
        };
      }
    }
  }

  // 2. Per source, its drops on the wall clock (own wall stamps + anchored monotonic segments),
  //    and what stays monotonic-only.
  // suppressed lines per source on the wall clock; deduplicated across sources below
  const wallSuppBySource: SuppSource[] = [];
  const monoSuppBySource: SuppSource[] = [];
  const perSourceWall: { d: KernelDigest; src: number; rows: Rows; clock: SourceCoverage['clock']; note: string | null }[] = [];
  let anchorUsed: string | null = null;
  let bootTimeUsed: number | null = null;
  let hasWallDrops = false;
  let hasUnanchored = false;
  const unanchored: { d: KernelDigest; src: number; seg: BootSegment }[] = [];

  const segmentBoot = new Map<BootSegment, number>();
  // anchored drops matched exactly against their copies: only the unmatched, added on top
  const extra = new RowBuilder();
  /** Wall-clock span of each source's exactly matched anchored drops (for correlation.sources). */
  const anchoredSpan = new Map<KernelDigest, [number, number]>();
  digests.forEach((d, src) => {
    let rows = digestRows(d.wallDrops, src);
    let clock: SourceCoverage['clock'] = d.wallDrops.n ? 'wall' : 'none';
    const note: string | null = null;
    d.segments.forEach((seg, i) => {
      if (!seg.monoDrops.n && !seg.monoSuppressed.n) return;
      // --boot-time wins; then boots seen with both clocks in the logs; then a fallback boot time (the
      // bundle's date and uptime), which like --boot-time only places the last boot of each input
      let bootMs: number | null = null;
      const isLast = i === d.segments.length - 1;
      const explicit = (opts.bootTimeLabel ?? '--boot-time') === '--boot-time';
      const a = pickAnchor(seg, anchors);
      const fallbackFits = opts.bootUptimeSec == null || seg.maxUptime <= opts.bootUptimeSec + 60;
      if (opts.bootTimeMs !== null && isLast && explicit) {
        bootMs = opts.bootTimeMs;
        anchorUsed = '--boot-time';
      } else if (a) {
        bootMs = a.bootMs;
        anchorUsed ??= `${a.path} (lines with both a wall stamp and [uptime])`;
      } else if (opts.bootTimeMs !== null && isLast && fallbackFits) {
        bootMs = opts.bootTimeMs;
        anchorUsed ??= opts.bootTimeLabel ?? 'boot time';
      }
      if (bootMs === null) {
        unanchored.push({ d, src, seg });
        clock = clock === 'wall' ? 'wall' : 'monotonic';
        return;
      }
      bootTimeUsed = bootMs;
      segmentBoot.set(seg, bootMs);
      clock = clock === 'wall' ? 'wall' : 'monotonic-anchored';
      wallSuppBySource.push({ src, list: seg.monoSuppressed, shiftMs: bootMs });
      const keys = a && bootMs === a.bootMs ? anchorKeys(a) : null;
      if (keys !== null && keys.length > 0) {
        // Exact: a drop whose uptime (to the µs) a line with both clocks also shows is that line's copy;
        // only the others are new drops, and they add to the count (they are other messages).
        const list = seg.monoDropList;
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < list.n; i += 2) {
          const us = list.buf[i]!;
          const line = list.buf[i + 1]!;
          const ms = bootMs + us / 1000;
          if (ms < lo) lo = ms;
          if (ms > hi) hi = ms;
          if (sortedHas(keys, us)) continue;
          extra.add(ms, line, src);
        }
        if (list.n) {
          const span = anchoredSpan.get(d);
          anchoredSpan.set(d, span ? [Math.min(span[0], lo), Math.max(span[1], hi)] : [lo, hi]);
        }
        return;
      }
      rows = sumRows(rows, shiftRows(seg.monoDrops, bootMs, src));
    });
    if (rows.n) hasWallDrops = true;
    perSourceWall.push({ d, src, rows, clock, note });
    if (d.wallSuppressed.n) wallSuppBySource.push({ src, list: d.wallSuppressed, shiftMs: 0 });
  });
  // which source counted which drops: the winner of each second, plus the exactly matched extras
  const counted = new Map<string, number>();
  const count = (src: number, n: number): void => {
    const path = digests[src]!.path;
    counted.set(path, (counted.get(path) ?? 0) + n);
  };
  // ties go to sources with their own wall stamps (exact), then anchored ones, in input order
  const byClock = [...perSourceWall].sort((a, b) => (a.clock === 'wall' ? 0 : 1) - (b.clock === 'wall' ? 0 : 1));
  const extras = extra.finish();
  if (extras.n) hasWallDrops = true;
  for (let i = 0; i < extras.n; i++) count(srcOf(extras, i), extras.buf[i * ROW + R_COUNT]!);
  const wall = addExtras(mergeMax(byClock.map((s) => s.rows), count), extras);

  // Monotonic-only segments join only when nothing is on the wall clock (unanchored, they cannot be
  // aligned with wall-clock sources); several of them are merged by uptime second, largest count wins.
  const monoAdded = !hasWallDrops;
  const monoLists: Rows[] = [];
  for (const { src, seg } of unanchored) {
    hasUnanchored = true;
    if (!monoAdded) continue;
    monoLists.push(digestRows(seg.monoDrops, src));
    if (seg.monoSuppressed.n) monoSuppBySource.push({ src, list: seg.monoSuppressed, shiftMs: 0 });
  }
  // the monotonic domain is counted in domain() below
  const mono = mergeMax(monoLists, () => undefined);

  // 3. Bursts per domain.
  const bursts: Burst[] = [];
  const perMinute: PerMinute[] = [];
  let attributed = 0;
  let suppressedTotal = 0;
  const domain = (rows: Rows, supp: MergedSuppressed, isWall: boolean, cuts: readonly number[]): void => {
    // the wall domain was counted while merging; the monotonic one is counted here
    if (!isWall) for (let i = 0; i < rows.n; i++) count(srcOf(rows, i), rows.buf[i * ROW + R_COUNT]!);
    const sortedCuts = [...cuts].sort((a, b) => a - b);
    /** A burst: its first row, the end of its last drop, drops logged and suppressed, the most in one minute. */
    interface Open { start: number; startMs: number; endMs: number; logged: number; suppressed: number; peak: number }
    const open: Open[] = [];
    let cur: Open | null = null;
    // rows come in order of their first stamp, so minutes only grow: per-minute totals are runs
    let minute = NaN;
    let minuteTotal = 0;
    let minuteInBurst = 0;
    const endMinute = (): void => {
      if (minuteTotal > 0) perMinute.push(isWall ? { minute: isoUtc(minute * 60_000), logged: minuteTotal } : { minute: null, minuteUptime: minute * 60, logged: minuteTotal });
    };
    for (let i = 0; i < rows.n; i++) {
      const f = i * ROW;
      const first = rows.buf[f + R_FIRST]!;
      const last = rows.buf[f + R_LAST]!;
      const n = rows.buf[f + R_COUNT]!;
      // a reboot between the burst's end and this drop cuts it
      let crossesCut = false;
      if (cur !== null) {
        const c = lowerBound(sortedCuts, sortedCuts.length, cur.endMs);
        crossesCut = c < sortedCuts.length && sortedCuts[c]! < first;
      }
      const m = Math.floor(first / 60_000);
      if (m !== minute) {
        endMinute();
        minute = m;
        minuteTotal = 0;
        minuteInBurst = 0;
      }
      if (!cur || first - cur.endMs > opts.burstGapMs || crossesCut) {
        cur = { start: i, startMs: first, endMs: last, logged: 0, suppressed: 0, peak: 0 };
        open.push(cur);
        minuteInBurst = 0;
      }
      cur.endMs = Math.max(cur.endMs, last);
      cur.logged += n;
      minuteTotal += n;
      minuteInBurst += n;
      if (minuteInBurst > cur.peak) cur.peak = minuteInBurst;
    }
    endMinute();
    // suppressed attribution: the burst whose span (+gap) covers it, else the next burst within the gap
    // (bursts are in order and apart, so their starts and ends both ascend)
    const starts = open.map((o) => o.startMs);
    for (let k = 0; k < supp.n; k++) {
      const f = k * MS_ROW;
      const t = supp.buf[f + MS_MS]!;
      const c = supp.buf[f + MS_COUNT]!;
      suppressedTotal += c;
      // the last burst starting at or before t (an earlier one ends earlier), else the one after it
      const after = upperBound(starts, t);
      let target: Open | undefined;
      if (after > 0 && t <= open[after - 1]!.endMs + opts.burstGapMs) target = open[after - 1];
      else if (after < open.length && open[after]!.startMs - t <= opts.burstGapMs) target = open[after];
      if (target) {
        target.suppressed += c;
        attributed += c;
      } else {
        const src = supp.buf[f + MS_SRC]!;
        pushEv('drops.suppressedUnattributed', { path: digests[src]!.path, line: supp.buf[f + MS_LINE]!, text: textOf(src, supp.buf[f + MS_LINE]!) });
      }
    }
    for (const o of open) {
      const src = srcOf(rows, o.start);
      const f = o.start * ROW;
      bursts.push({
        start: isWall ? isoUtc(o.startMs) : null,
        end: isWall ? isoUtc(o.endMs) : null,
        startUptime: isWall ? null : round3(o.startMs / 1000),
        endUptime: isWall ? null : round3(o.endMs / 1000),
        logged: o.logged,
        suppressed: o.suppressed,
        peakPerMinute: o.peak,
        path: digests[src]!.path,
        line: rows.buf[f + R_LINE]!,
      });
      pushEv('drops.bursts', { path: digests[src]!.path, line: rows.buf[f + R_LINE]!, text: textOf(src, rows.buf[f + R_LINE]!) });
    }
  };
  const allReboots = digests.flatMap((d) => d.rebootsMs);
  domain(wall, dedupeSuppressed(wallSuppBySource, digests), true, allReboots);
  // Unanchored segments of different boots share one relative clock: no cuts can be placed on it.
  if (monoAdded) domain(mono, dedupeSuppressed(monoSuppBySource, digests), false, []);

  let undated = 0;
  let undatedSupp = 0;
  for (const d of digests) {
    undated += d.undatedDrops;
    undatedSupp += d.undatedSuppressed;
    for (const ev of d.firstDrops) pushEv('drops.first', ev);
    for (const ev of d.firstSuppressed) pushEv('drops.suppressed', ev);
  }
  suppressedTotal += undatedSupp;
  const datedLogged = bursts.reduce((n, b) => n + b.logged, 0);

  // 4. Context events, sorted by time then source order.
  const events: HostEvent[] = [];
  const eventCounts: Record<string, number> = Object.create(null) as Record<string, number>;
  // Monotonic-only events take the anchor of their boot segment; the same event seen by two sources
  // (same type and text within 2 s) is listed once.
  const placed: (HostEvent & { ms: number | null })[] = [];
  for (const d of digests) {
    for (const e of d.events) {
      const seg = d.segments[e.seg];
      const boot = seg ? segmentBoot.get(seg) : undefined;
      const ms = e.tsMs ?? (e.uptimeSec !== null && boot !== undefined ? boot + e.uptimeSec * 1000 : null);
      placed.push({ type: e.type, at: ms !== null ? isoUtc(ms) : null, uptime: e.uptimeSec, text: e.text, path: d.path, line: e.line, ms });
    }
    // sources of one host overlap (dmesg, kern.log, journal): the largest count per type, not the sum
    for (const [t, n] of d.eventCounts) eventCounts[t] = Math.max(eventCounts[t] ?? 0, n);
    for (const e of d.events) pushEv(`events.${e.type}`, { path: d.path, line: e.line, text: e.text });
  }
  placed.sort((a, b) => (a.ms ?? Infinity) - (b.ms ?? Infinity) || (a.uptime ?? 0) - (b.uptime ?? 0) || compareText(a.path, b.path) || a.line - b.line);
  for (const e of placed) {
    const dup = e.ms !== null && events.some((x) => x.type === e.type && x.text === e.text && x.path !== e.path && x.at !== null && Math.abs(Date.parse(x.at) - e.ms!) <= 2000);
    if (!dup) events.push({ type: e.type, at: e.at, uptime: e.uptime, text: e.text, path: e.path, line: e.line });
  }

  const sources: SourceCoverage[] = perSourceWall.map(({ d, rows, clock, note }) => {
    const span = anchoredSpan.get(d);
    const firstMs = Math.min(rows.n ? rows.buf[R_FIRST]! : Infinity, span ? span[0] : Infinity);
    const lastMs = Math.max(rows.n ? rows.buf[(rows.n - 1) * ROW + R_LAST]! : -Infinity, span ? span[1] : -Infinity);
    const monoSegs = d.segments.filter((s) => s.monoDrops.n);
    const isUnanchored = unanchored.some((u) => u.d === d);
    return {
      path: d.path,
      clock,
      dropLines: d.dropLines,
      counted: counted.get(d.path) ?? 0,
      first: Number.isFinite(firstMs) ? isoUtc(firstMs) : null,
      last: Number.isFinite(lastMs) ? isoUtc(lastMs) : null,
      firstUptime: isUnanchored && monoSegs.length ? round3(Math.min(...monoSegs.map((s) => s.minUptime))) : null,
      lastUptime: isUnanchored && monoSegs.length ? round3(Math.max(...monoSegs.map((s) => s.maxUptime))) : null,
      note: isUnanchored && !monoAdded ? 'monotonic stamps without an anchor: reported apart, not added' : note,
    };
  });

  const clock: ClockInfo = anchorUsed
    ? { anchor: anchorUsed, bootTime: bootTimeUsed !== null ? isoUtc(bootTimeUsed) : null }
    : { anchor: hasUnanchored ? 'none: monotonic stamps kept relative (seconds since boot)' : 'none needed', bootTime: null };

  return {
    drops: {
      logged: datedLogged + undated,
      suppressed: suppressedTotal,
      suppressedUnattributed: suppressedTotal - attributed,
      undated,
      first: wall.n ? isoUtc(wall.buf[R_FIRST]!) : null,
      last: wall.n ? isoUtc(wall.buf[(wall.n - 1) * ROW + R_LAST]!) : null,
      firstUptime: !wall.n && mono.n ? round3(mono.buf[R_FIRST]! / 1000) : null,
      lastUptime: !wall.n && mono.n ? round3(mono.buf[(mono.n - 1) * ROW + R_LAST]! / 1000) : null,
      perMinute,
      bursts,
    },
    events,
    eventCounts,
    clock,
    sources,
    evidence,
  };
}

/**
 * Suppressed lines of all sources of one domain, deduplicated and in time order, {@link MS_ROW} numbers each:
 * the stamp (ms), N, the line and the digest.
 */
interface MergedSuppressed {
  readonly buf: Float64Array;
  readonly n: number;
}
const MS_ROW = 4;
const MS_MS = 0;
const MS_COUNT = 1;
const MS_LINE = 2;
const MS_SRC = 3;

/** How far apart two copies of one suppressed line may be stamped (second-resolution syslog vs dmesg). */
const SUPPRESSED_MATCH_MS = 2000;

/**
 * The same `N callbacks suppressed` line seen by several sources counts once: a line of another source
 * (another path) with the same N within SUPPRESSED_MATCH_MS is a copy. Lines of one source are never merged.
 * Kept lines are looked up by N and stamp (sorted per N), so this is n log n, not lines × lines.
 */
function dedupeSuppressed(sources: readonly SuppSource[], digests: readonly KernelDigest[]): MergedSuppressed {
  const total = sources.reduce((n, s) => n + s.list.n / SUPP, 0);
  const out = new Float64Array(Math.max(1, total) * MS_ROW);
  let n = 0;
  const pathIds = new Map<string, number>();
  const pathId = (src: number): number => {
    const p = digests[src]!.path;
    let id = pathIds.get(p);
    if (id === undefined) pathIds.set(p, (id = pathIds.size));
    return id;
  };
  /** Kept lines by N: stamps ascending, and the path of each. */
  const byCount = new Map<number, { ms: number[]; path: number[] }>();
  sources.forEach((s, si) => {
    const path = pathId(s.src);
    const added: number[] = [];
    for (let i = 0; i < s.list.n; i += SUPP) {
      const b = s.list.buf;
      const ms = b[i + S_MS]! + s.shiftMs;
      const c = b[i + S_COUNT]!;
      const seen = byCount.get(c);
      if (seen) {
        let copy = false;
        for (let k = lowerBound(seen.ms, seen.ms.length, ms - SUPPRESSED_MATCH_MS); k < seen.ms.length && seen.ms[k]! <= ms + SUPPRESSED_MATCH_MS; k++) {
          if (seen.path[k] !== path) {
            copy = true;
            break;
          }
        }
        if (copy) continue;
      }
      const at = n * MS_ROW;
      out[at + MS_MS] = ms;
      out[at + MS_COUNT] = c;
      out[at + MS_LINE] = b[i + S_LINE]!;
      out[at + MS_SRC] = s.src;
      added.push(n++);
    }
    // this source's lines become visible to the next sources only
    if (si === sources.length - 1) return;
    const touched = new Set<number>();
    for (const r of added) {
      const c = out[r * MS_ROW + MS_COUNT]!;
      let seen = byCount.get(c);
      if (!seen) byCount.set(c, (seen = { ms: [], path: [] }));
      seen.ms.push(out[r * MS_ROW + MS_MS]!);
      seen.path.push(path);
      touched.add(c);
    }
    for (const c of touched) {
      const seen = byCount.get(c)!;
      const order = seen.ms.map((_, k) => k).sort((x, y) => seen.ms[x]! - seen.ms[y]! || x - y);
      byCount.set(c, { ms: order.map((k) => seen.ms[k]!), path: order.map((k) => seen.path[k]!) });
    }
  });
  // time order, then path, then line (one source in order, the usual case, is already)
  const paths = digests.map((d) => d.path);
  const before = (x: number, y: number): number => out[x * MS_ROW + MS_MS]! - out[y * MS_ROW + MS_MS]!
    || compareText(paths[out[x * MS_ROW + MS_SRC]!]!, paths[out[y * MS_ROW + MS_SRC]!]!)
    || out[x * MS_ROW + MS_LINE]! - out[y * MS_ROW + MS_LINE]! || x - y;
  let inOrder = true;
  for (let i = 1; i < n && inOrder; i++) inOrder = before(i - 1, i) < 0;
  if (inOrder) return { buf: out, n };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort(before);
  const sorted = new Float64Array(Math.max(1, n) * MS_ROW);
  for (let k = 0; k < n; k++) sorted.set(out.subarray(order[k]! * MS_ROW, order[k]! * MS_ROW + MS_ROW), k * MS_ROW);
  return { buf: sorted, n };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
