/**
 * Kernel-log accumulator: folds KernelEvents of one input into per-second drop buckets (per clock
 * domain), suppressed counts, boot anchors and capped context events. Memory grows with the number of
 * distinct seconds that saw drops, never with the number of lines.
 */
import type { Evidence } from '../model/report.js';
import type { AnyRecord, KernelEvent } from '../model/records.js';
import type { ParseContext } from '../parsers/line-parser.js';
import type { Accumulator, Digest } from './accumulator.js';

/** Drops of one second: how many, the first and last stamp, and the first line (evidence). */
export interface DropBucket {
  count: number;
  firstMs: number;
  lastMs: number;
  line: number;
  text: string;
}

/** A run of lines from one boot, as seen by one input. Wall-clock drops ignore segments. */
export interface BootSegment {
  /** Journal _BOOT_ID when known. */
  readonly bootId: string | null;
  /** Drops with only a monotonic stamp, by floor(uptime seconds). Keys are uptime seconds. */
  readonly monoDrops: Map<number, DropBucket>;
  /** Each monotonic-only drop as two numbers, its uptime in µs and its line, for matching against lines that carry both clocks. */
  readonly monoDropList: NumberList;
  /** Uptimes (µs) of drops stamped with both clocks (syslog `[uptime]`, journal JSON): the same message in a
   *  raw dmesg has the same uptime to the microsecond, which is how copies are recognised exactly. */
  readonly bothUptimes: NumberList;
  /** Suppressed lines with only a monotonic stamp (ms = uptime in ms). */
  readonly monoSuppressed: SuppressedLine[];
  /** Boot time estimates from lines carrying both clocks: max(wall − uptime), ms. */
  bootMsEstimate: number | null;
  minUptime: number;
  maxUptime: number;
}

/** One `N callbacks suppressed` line. Kept one by one (there are about a tenth as many as drop lines). */
export interface SuppressedLine {
  readonly ms: number;
  readonly count: number;
  readonly line: number;
  readonly text: string;
}

export interface KernelEventBrief {
  readonly type: string;
  readonly tsMs: number | null;
  readonly uptimeSec: number | null;
  readonly text: string;
  readonly line: number;
  /** Index of the boot segment the event was seen in (for anchoring monotonic stamps). */
  readonly seg: number;
}

/** What stays per input and host after the stream. */
export interface KernelDigest extends Digest {
  readonly sourceId: string;
  readonly path: string;
  /** Drops with a wall stamp, by epoch second. */
  readonly wallDrops: Map<number, DropBucket>;
  /** Suppressed lines with a wall stamp (ms = epoch ms). */
  readonly wallSuppressed: SuppressedLine[];
  readonly segments: BootSegment[];
  /** Drops with no time at all. */
  undatedDrops: number;
  /** Suppressed counts with no time at all. */
  undatedSuppressed: number;
  /** Raw drop lines in this input for this host. */
  dropLines: number;
  /** Wall times of reboot markers (bursts never cross them). */
  readonly rebootsMs: number[];
  /** Context events (first EVENTS_KEPT_PER_TYPE per type) and counts per type. */
  readonly events: KernelEventBrief[];
  readonly eventCounts: Map<string, number>;
  readonly settings: Map<string, { value: number; evidence: Evidence }>;
  kernelRelease: { value: string; evidence: Evidence } | null;
  /** First drop lines, for evidence. */
  readonly firstDrops: Evidence[];
  /** First suppressed lines, for evidence. */
  readonly firstSuppressed: Evidence[];
}

/**
 * Numbers appended to a growable Float64Array: 8 bytes a number where a Set of them (uptimes in µs are no
 * small integers) cost ~40 and most of the time of a log of drop lines (round 12: 3M drop lines, 510 →
 * ~190 MiB and 12.7 → ~6.7 s). Plain data, so digests still cross threads by structured clone.
 */
export interface NumberList {
  buf: Float64Array;
  n: number;
}

export function newNumberList(): NumberList {
  return { buf: new Float64Array(16), n: 0 };
}

export function pushNumber(l: NumberList, x: number): void {
  if (l.n === l.buf.length) {
    const grown = new Float64Array(l.buf.length * 2);
    grown.set(l.buf);
    l.buf = grown;
  }
  l.buf[l.n++] = x;
}

export const EVENTS_KEPT_PER_TYPE = 20;
const EVIDENCE_KEPT = 5;

function newSegment(bootId: string | null): BootSegment {
  return { bootId, monoDrops: new Map(), monoDropList: newNumberList(), bothUptimes: newNumberList(), monoSuppressed: [], bootMsEstimate: null, minUptime: Infinity, maxUptime: -Infinity };
}

function newDigest(host: string | null, ctx: ParseContext): KernelDigest {
  return {
    host, sourceId: ctx.sourceId, path: ctx.path,
    wallDrops: new Map(), wallSuppressed: [], segments: [newSegment(null)],
    undatedDrops: 0, undatedSuppressed: 0, dropLines: 0, rebootsMs: [],
    events: [], eventCounts: new Map(), settings: new Map(), kernelRelease: null,
    firstDrops: [], firstSuppressed: [],
  };
}

function bump(map: Map<number, DropBucket>, key: number, ms: number, line: number, text: string): void {
  const b = map.get(key);
  if (b) {
    b.count++;
    if (ms < b.firstMs) b.firstMs = ms;
    if (ms > b.lastMs) b.lastMs = ms;
  } else {
    map.set(key, { count: 1, firstMs: ms, lastMs: ms, line, text });
  }
}


export function createKernelAccumulator(ctx: ParseContext): Accumulator<KernelDigest> {
  const byHost = new Map<string | null, KernelDigest>();
  // Reboots are input-wide (a journal "-- Reboot --" line names no host): every digest of the input
  // shares the list and its boot segments are indexed by the input's boot counter.
  const rebootsMs: number[] = [];
  let bootIndex = 0;
  let bootId: string | null = null;
  const digestFor = (host: string | null): KernelDigest => {
    let d = byHost.get(host);
    if (!d) {
      d = { ...newDigest(host, ctx), rebootsMs };
      byHost.set(host, d);
    }
    while (d.segments.length <= bootIndex) d.segments.push(newSegment(bootId));
    return d;
  };
  const add = (r: AnyRecord): void => {
    if (r.kind !== 'kernel-event') return;
    const e: KernelEvent = r;
    if (e.type === 'reboot') {
      if (e.tsMs !== null) rebootsMs.push(e.tsMs);
      bootIndex++;
      bootId = e.bootId ?? null;
      return;
    }
    if (e.bootId && bootId === null) bootId = e.bootId;
    const d = digestFor(e.host);
    const seg = d.segments[bootIndex]!;
    if (e.bootId && seg.bootId === null) (seg as { bootId: string | null }).bootId = e.bootId;
    const line = e.src.lineNo;
    if (e.uptimeSec !== null) {
      if (e.uptimeSec < seg.minUptime) seg.minUptime = e.uptimeSec;
      if (e.uptimeSec > seg.maxUptime) seg.maxUptime = e.uptimeSec;
      if (e.tsMs !== null) {
        const est = e.tsMs - e.uptimeSec * 1000;
        if (seg.bootMsEstimate === null || est > seg.bootMsEstimate) seg.bootMsEstimate = est;
      }
    }
    switch (e.type) {
      case 'drop': {
        d.dropLines++;
        if (d.firstDrops.length < EVIDENCE_KEPT) d.firstDrops.push({ path: ctx.path, line, text: e.text });
        if (e.tsMs !== null && e.uptimeSec !== null) pushNumber(seg.bothUptimes, Math.round(e.uptimeSec * 1e6));
        if (e.tsMs !== null) bump(d.wallDrops, Math.floor(e.tsMs / 1000), e.tsMs, line, e.text);
        else if (e.uptimeSec !== null) {
          bump(seg.monoDrops, Math.floor(e.uptimeSec), e.uptimeSec * 1000, line, e.text);
          pushNumber(seg.monoDropList, Math.round(e.uptimeSec * 1e6));
          pushNumber(seg.monoDropList, line);
        }
        else d.undatedDrops++;
        return;
      }
      case 'suppressed': {
        const n = e.count ?? 0;
        if (d.firstSuppressed.length < EVIDENCE_KEPT) d.firstSuppressed.push({ path: ctx.path, line, text: e.text });
        if (e.tsMs !== null) d.wallSuppressed.push({ ms: e.tsMs, count: n, line, text: e.text });
        else if (e.uptimeSec !== null) seg.monoSuppressed.push({ ms: e.uptimeSec * 1000, count: n, line, text: e.text });
        else d.undatedSuppressed += n;
        return;
      }
      default: {
        const c = (d.eventCounts.get(e.type) ?? 0) + 1;
        d.eventCounts.set(e.type, c);
        if (c <= EVENTS_KEPT_PER_TYPE) d.events.push({ type: e.type, tsMs: e.tsMs, uptimeSec: e.uptimeSec, text: e.text, line, seg: bootIndex });
        if (e.settings) {
          for (const [k, v] of Object.entries(e.settings)) d.settings.set(k, { value: v, evidence: { path: ctx.path, line, text: e.text } });
        }
        if (e.type === 'kernel-version' && e.release) d.kernelRelease = { value: e.release, evidence: { path: ctx.path, line, text: e.text } };
      }
    }
  };
  return {
    add,
    finish: () => [...byHost.values()],
  };
}
