/**
 * Drops and bursts for one host: put every kernel-log input on one clock where an anchor exists,
 * count each drop once (per one-second bucket, the largest count among the sources that cover it),
 * cut bursts at gaps longer than --burst-gap and at reboots, and attribute suppressed counts.
 */
import type { Burst, Correlation, CorrelationSource, Drops, Evidence, HostEvent, PerMinute } from '../../model/report.js';
import { isoUtc } from '../../util/time.js';
import type { BootSegment, DropBucket, KernelDigest, NumberList, SuppressedLine } from '../kernel.js';
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

interface MergedBucket extends DropBucket {
  path: string;
  /** wall ms (epoch) for the wall domain; uptime ms for the monotonic domain. */
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

function mergeMax(target: Map<number, MergedBucket>, key: number, b: DropBucket, path: string): void {
  const cur = target.get(key);
  if (!cur || b.count > cur.count) target.set(key, { ...b, path });
}

export function correlateDrops(digests: readonly KernelDigest[], opts: DropsOptions): DropsResult {
  const evidence = new Map<string, Evidence[]>();
  const pushEv = (key: string, ev: Evidence): void => {
    const list = evidence.get(key) ?? [];
    if (list.length < 5) list.push(ev);
    evidence.set(key, list);
  };

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
  const wall = new Map<number, MergedBucket>();
  // suppressed lines per source on the wall clock; deduplicated across sources below
  const wallSuppBySource: { path: string; lines: SuppressedLine[] }[] = [];
  const mono = new Map<number, MergedBucket>();
  const monoSuppBySource: { path: string; lines: SuppressedLine[] }[] = [];
  const perSourceWall: { d: KernelDigest; buckets: Map<number, DropBucket>; clock: SourceCoverage['clock']; note: string | null }[] = [];
  let anchorUsed: string | null = null;
  let bootTimeUsed: number | null = null;
  let hasWallDrops = false;
  let hasUnanchored = false;
  const unanchored: { d: KernelDigest; seg: BootSegment }[] = [];

  const segmentBoot = new Map<BootSegment, number>();
  // anchored drops matched exactly against their copies: only the unmatched, added on top
  const extra = new Map<number, MergedBucket>();
  /** Wall-clock span of each source's exactly matched anchored drops (for correlation.sources). */
  const anchoredSpan = new Map<KernelDigest, [number, number]>();
  for (const d of digests) {
    const buckets = new Map<number, DropBucket>(d.wallDrops);
    let clock: SourceCoverage['clock'] = d.wallDrops.size ? 'wall' : 'none';
    let note: string | null = null;
    d.segments.forEach((seg, i) => {
      if (!seg.monoDrops.size && !seg.monoSuppressed.length) return;
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
        unanchored.push({ d, seg });
        clock = clock === 'wall' ? 'wall' : 'monotonic';
        return;
      }
      bootTimeUsed = bootMs;
      segmentBoot.set(seg, bootMs);
      clock = clock === 'wall' ? 'wall' : 'monotonic-anchored';
      const keys = a && bootMs === a.bootMs ? anchorKeys(a) : null;
      if (keys !== null && keys.length > 0) {
        // Exact: a drop whose uptime (to the µs) a line with both clocks also shows is that line's copy;
        // only the others are new drops, and they add to the count (they are other messages).
        const list = seg.monoDropList;
        for (let i = 0; i < list.n; i += 2) {
          const us = list.buf[i]!;
          const line = list.buf[i + 1]!;
          const ms = bootMs + us / 1000;
          const span = anchoredSpan.get(d) ?? [Infinity, -Infinity];
          anchoredSpan.set(d, [Math.min(span[0], ms), Math.max(span[1], ms)]);
          if (sortedHas(keys, us)) continue;
          const key = Math.floor(ms / 1000);
          const cur = extra.get(key);
          const text = seg.monoDrops.get(Math.floor(us / 1e6))?.text ?? '';
          if (cur) extra.set(key, { ...cur, count: cur.count + 1, firstMs: Math.min(cur.firstMs, ms), lastMs: Math.max(cur.lastMs, ms) });
          else extra.set(key, { count: 1, firstMs: ms, lastMs: ms, line, text, path: d.path });
        }
        wallSuppBySource.push({ path: d.path, lines: seg.monoSuppressed.map((x) => ({ ...x, ms: bootMs! + x.ms })) });
        return;
      }
      for (const [, b] of seg.monoDrops) {
        const first = bootMs + b.firstMs;
        const last = bootMs + b.lastMs;
        const key = Math.floor(first / 1000);
        const cur = buckets.get(key);
        // never mutate the digest's own buckets: build a new one
        if (cur) buckets.set(key, { ...cur, count: cur.count + b.count, firstMs: Math.min(cur.firstMs, first), lastMs: Math.max(cur.lastMs, last) });
        else buckets.set(key, { ...b, firstMs: first, lastMs: last });
      }
      wallSuppBySource.push({ path: d.path, lines: seg.monoSuppressed.map((x) => ({ ...x, ms: bootMs! + x.ms })) });
    });
    if (buckets.size) hasWallDrops = true;
    perSourceWall.push({ d, buckets, clock, note });
    if (d.wallSuppressed.length) wallSuppBySource.push({ path: d.path, lines: d.wallSuppressed });
  }
  // ties go to sources with their own wall stamps (exact), then anchored ones, in input order
  const byClock = [...perSourceWall].sort((a, b) => (a.clock === 'wall' ? 0 : 1) - (b.clock === 'wall' ? 0 : 1));
  for (const { d, buckets } of byClock) for (const [k, b] of buckets) mergeMax(wall, k, b, d.path);
  if (extra.size) hasWallDrops = true;
  // which source counted which drops: the winner of each second, plus the exactly matched extras
  const counted = new Map<string, number>();
  for (const b of wall.values()) counted.set(b.path, (counted.get(b.path) ?? 0) + b.count);
  for (const b of extra.values()) counted.set(b.path, (counted.get(b.path) ?? 0) + b.count);
  for (const [k, b] of extra) {
    const cur = wall.get(k);
    if (!cur) wall.set(k, b);
    else {
      // keep the bucket's evidence (its first line) from whichever source logged first
      const first = b.firstMs < cur.firstMs ? b : cur;
      wall.set(k, { ...first, count: cur.count + b.count, firstMs: Math.min(cur.firstMs, b.firstMs), lastMs: Math.max(cur.lastMs, b.lastMs) });
    }
  }

  // Monotonic-only segments join only when nothing is on the wall clock (unanchored, they cannot be
  // aligned with wall-clock sources); several of them are merged by uptime second, largest count wins.
  const monoAdded = !hasWallDrops;
  for (const { d, seg } of unanchored) {
    hasUnanchored = true;
    if (!monoAdded) continue;
    for (const [k, b] of seg.monoDrops) mergeMax(mono, k, b, d.path);
    if (seg.monoSuppressed.length) monoSuppBySource.push({ path: d.path, lines: seg.monoSuppressed });
  }

  // 3. Bursts per domain.
  const bursts: Burst[] = [];
  const perMinute: PerMinute[] = [];
  let attributed = 0;
  let suppressedTotal = 0;
  const domain = (buckets: Map<number, MergedBucket>, supp: readonly MergedSuppressed[], isWall: boolean, cuts: readonly number[]): void => {
    const sorted = [...buckets.values()].sort((a, b) => a.firstMs - b.firstMs);
    // the wall domain was counted while merging; the monotonic one is counted here
    if (!isWall) for (const b of sorted) counted.set(b.path, (counted.get(b.path) ?? 0) + b.count);
    const sortedCuts = [...cuts].sort((a, b) => a - b);
    interface Open { start: MergedBucket; endMs: number; logged: number; suppressed: number; minutes: Map<number, number> }
    const open: Open[] = [];
    let cur: Open | null = null;
    const minuteTotals = new Map<number, number>();
    for (const b of sorted) {
      const crossesCut = cur !== null && sortedCuts.some((c) => c >= cur!.endMs && c < b.firstMs);
      if (!cur || b.firstMs - cur.endMs > opts.burstGapMs || crossesCut) {
        cur = { start: b, endMs: b.lastMs, logged: 0, suppressed: 0, minutes: new Map() };
        open.push(cur);
      }
      cur.endMs = Math.max(cur.endMs, b.lastMs);
      cur.logged += b.count;
      const minute = Math.floor(b.firstMs / 60_000);
      cur.minutes.set(minute, (cur.minutes.get(minute) ?? 0) + b.count);
      minuteTotals.set(minute, (minuteTotals.get(minute) ?? 0) + b.count);
    }
    // suppressed attribution: the burst whose span (+gap) covers it, else the next burst within the gap
    for (const s of supp) {
      suppressedTotal += s.count;
      const t = s.ms;
      let target: Open | undefined;
      for (let i = open.length - 1; i >= 0; i--) {
        const o = open[i]!;
        if (o.start.firstMs <= t && t <= o.endMs + opts.burstGapMs) { target = o; break; }
      }
      target ??= open.find((o) => o.start.firstMs > t && o.start.firstMs - t <= opts.burstGapMs);
      if (target) {
        target.suppressed += s.count;
        attributed += s.count;
      } else {
        pushEv('drops.suppressedUnattributed', { path: s.path, line: s.line, text: s.text });
      }
    }
    for (const o of open) {
      let peak = 0;
      for (const v of o.minutes.values()) peak = Math.max(peak, v);
      bursts.push({
        start: isWall ? isoUtc(o.start.firstMs) : null,
        end: isWall ? isoUtc(o.endMs) : null,
        startUptime: isWall ? null : round3(o.start.firstMs / 1000),
        endUptime: isWall ? null : round3(o.endMs / 1000),
        logged: o.logged,
        suppressed: o.suppressed,
        peakPerMinute: peak,
        path: o.start.path,
        line: o.start.line,
      });
      pushEv('drops.bursts', { path: o.start.path, line: o.start.line, text: o.start.text });
    }
    for (const [m, n] of [...minuteTotals.entries()].sort((a, b) => a[0] - b[0])) {
      perMinute.push(isWall ? { minute: isoUtc(m * 60_000), logged: n } : { minute: null, minuteUptime: m * 60, logged: n });
    }
  };
  const allReboots = digests.flatMap((d) => d.rebootsMs);
  domain(wall, dedupeSuppressed(wallSuppBySource), true, allReboots);
  // Unanchored segments of different boots share one relative clock: no cuts can be placed on it.
  if (monoAdded) domain(mono, dedupeSuppressed(monoSuppBySource), false, []);

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
  const wallSorted = [...wall.values()].sort((a, b) => a.firstMs - b.firstMs);
  const monoSorted = [...mono.values()].sort((a, b) => a.firstMs - b.firstMs);

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

  const sources: SourceCoverage[] = perSourceWall.map(({ d, buckets, clock, note }) => {
    const sorted = [...buckets.values()].sort((a, b) => a.firstMs - b.firstMs);
    const span = anchoredSpan.get(d);
    const firstMs = Math.min(sorted.length ? sorted[0]!.firstMs : Infinity, span ? span[0] : Infinity);
    const lastMs = Math.max(sorted.length ? sorted[sorted.length - 1]!.lastMs : -Infinity, span ? span[1] : -Infinity);
    const monoSegs = d.segments.filter((s) => s.monoDrops.size);
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
      first: wallSorted.length ? isoUtc(wallSorted[0]!.firstMs) : null,
      last: wallSorted.length ? isoUtc(wallSorted[wallSorted.length - 1]!.lastMs) : null,
      firstUptime: !wallSorted.length && monoSorted.length ? round3(monoSorted[0]!.firstMs / 1000) : null,
      lastUptime: !wallSorted.length && monoSorted.length ? round3(monoSorted[monoSorted.length - 1]!.lastMs / 1000) : null,
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

interface MergedSuppressed extends SuppressedLine {
  readonly path: string;
}

/** How far apart two copies of one suppressed line may be stamped (second-resolution syslog vs dmesg). */
const SUPPRESSED_MATCH_MS = 2000;

/**
 * The same `N callbacks suppressed` line seen by several sources counts once: a line of another source
 * with the same N within SUPPRESSED_MATCH_MS is a copy. Lines of one source are never merged.
 */
function dedupeSuppressed(sources: readonly { path: string; lines: readonly SuppressedLine[] }[]): MergedSuppressed[] {
  const merged: MergedSuppressed[] = [];
  const byCount = new Map<number, { ms: number; path: string }[]>();
  for (const src of sources) {
    const added: { count: number; entry: { ms: number; path: string } }[] = [];
    for (const l of src.lines) {
      const seen = byCount.get(l.count);
      if (seen && seen.some((x) => x.path !== src.path && Math.abs(x.ms - l.ms) <= SUPPRESSED_MATCH_MS)) continue;
      merged.push({ ...l, path: src.path });
      added.push({ count: l.count, entry: { ms: l.ms, path: src.path } });
    }
    for (const a of added) {
      const list = byCount.get(a.count) ?? [];
      list.push(a.entry);
      byCount.set(a.count, list);
    }
  }
  return merged.sort((a, b) => a.ms - b.ms || compareText(a.path, b.path) || a.line - b.line);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
