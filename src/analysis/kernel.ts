/**
 * Kernel-log accumulator: folds KernelEvents of one input into per-second drop buckets (per clock
 * domain), suppressed counts, boot anchors and capped context events. Memory: 32 bytes a second that saw
 * drops, 8 (16 for raw dmesg) a drop line for matching copies to the µs, 24 a suppressed line, and a bounded
 * number of line texts; nothing for other lines.
 */
import type { Evidence } from '../model/report.js';
import type { AnyRecord, KernelEvent } from '../model/records.js';
import type { ParseContext } from '../parsers/line-parser.js';
import type { Accumulator, Digest } from './accumulator.js';

/**
 * Drops of one clock in one-second buckets, as flat rows of {@link ROW} numbers in a Float64Array (32 bytes a
 * second that saw drops, where a Map entry, an object and the line's text cost ~290: round 15 in
 * docs/PERFORMANCE.md). A bucket's second is floor(first ms / 1000). Rows are appended as lines arrive; lines
 * of the last row's second join it. `sorted` stays true while the seconds only grow; otherwise
 * {@link compactRows} sorts and merges them (when the array is full, and at the end of the input).
 * Plain data, so digests still cross threads by structured clone.
 */
export interface DropRows {
    buf: Float64Array;
    n: number;
    /** Every row's second is above the one before (no second twice). */
    sorted: boolean;
}
/** Fields of a row: drops in the second, first and last stamp (ms), and the number of its first line (whose
 *  text the digest's `texts` may hold). */
export const ROW = 4;
export const R_COUNT = 0;
export const R_FIRST = 1;
export const R_LAST = 2;
export const R_LINE = 3;

/** The second a stamp (ms on the row's clock) belongs to. */
export function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Empty until the first drop: a log of many hosts makes a digest per host, most with few drops or none. */
export function newDropRows(): DropRows {
  return { buf: new Float64Array(0), n: 0, sorted: true };
}

/** What {@link bumpRow} did: joined the last row, opened a row, or opened one its text is worth keeping for. */
export const JOINED = 0;
export const OPENED = 1;
export const OPENED_APART = 2;

/**
 * One line's drop. OPENED_APART when the line opened a row more than `keepGapMs` after the previous row (or
 * out of order, or first): then the caller may keep its text.
 */
export function bumpRow(l: DropRows, ms: number, line: number, keepGapMs: number): number {
  const key = secondOf(ms);
  let wantsText = true;
  // room first: compacting reorders the rows, and the comparisons below are with the last one
  if ((l.n + 1) * ROW > l.buf.length) makeRoom(l);
  if (l.n > 0) {
    const at = (l.n - 1) * ROW;
    const b = l.buf;
    const lastKey = secondOf(b[at + R_FIRST]!);
    if (lastKey === key) {
      b[at + R_COUNT]!++;
      if (ms < b[at + R_FIRST]!) b[at + R_FIRST] = ms;
      if (ms > b[at + R_LAST]!) b[at + R_LAST] = ms;
      return JOINED;
    }
    if (key < lastKey) l.sorted = false;
    else wantsText = ms - b[at + R_LAST]! > keepGapMs;
  }
  const at = l.n * ROW;
  const b = l.buf;
  b[at + R_COUNT] = 1;
  b[at + R_FIRST] = ms;
  b[at + R_LAST] = ms;
  b[at + R_LINE] = line;
  l.n++;
  return wantsText ? OPENED_APART : OPENED;
}

/** A full array: merge repeated seconds first (out-of-order input), grow by half when that frees too little. */
function makeRoom(l: DropRows): void {
  if (!l.sorted) compactRows(l);
  if ((l.n + 1) * ROW <= l.buf.length * 2 / 3) return;
  const grown = new Float64Array(Math.max(4 * ROW, Math.ceil(l.buf.length / ROW * 1.5) * ROW));
  grown.set(l.buf.subarray(0, l.n * ROW));
  l.buf = grown;
}

/**
 * Sort the rows by second and merge rows of one second: counts add, first and last stamps widen, the
 * earliest line in the input stays (as when the lines come in order).
 */
export function compactRows(l: DropRows): void {
  if (l.sorted) return;
  const b = l.buf;
  const order = new Uint32Array(l.n);
  for (let i = 0; i < l.n; i++) order[i] = i;
  order.sort((x, y) => secondOf(b[x * ROW + R_FIRST]!) - secondOf(b[y * ROW + R_FIRST]!) || b[x * ROW + R_LINE]! - b[y * ROW + R_LINE]!);
  const out = new Float64Array(l.buf.length);
  let n = 0;
  for (let k = 0; k < order.length; k++) {
    const from = order[k]! * ROW;
    const prev = (n - 1) * ROW;
    if (n > 0 && secondOf(out[prev + R_FIRST]!) === secondOf(b[from + R_FIRST]!)) {
      out[prev + R_COUNT]! += b[from + R_COUNT]!;
      if (b[from + R_FIRST]! < out[prev + R_FIRST]!) out[prev + R_FIRST] = b[from + R_FIRST]!;
      if (b[from + R_LAST]! > out[prev + R_LAST]!) out[prev + R_LAST] = b[from + R_LAST]!;
      continue;
    }
    out.set(b.subarray(from, from + ROW), n * ROW);
    n++;
  }
  l.buf = out;
  l.n = n;
  l.sorted = true;
}

/** A run of lines from one boot, as seen by one input. Wall-clock drops ignore segments. */
export interface BootSegment {
  /** Journal _BOOT_ID when known. */
  readonly bootId: string | null;
  /** Drops with only a monotonic stamp, by second of uptime (stamps in ms of uptime). */
  readonly monoDrops: DropRows;
  /** Each monotonic-only drop as two numbers, its uptime in µs and its line, for matching against lines that carry both clocks. */
  readonly monoDropList: NumberList;
  /** Uptimes (µs) of drops stamped with both clocks (syslog `[uptime]`, journal JSON): the same message in a
   *  raw dmesg has the same uptime to the microsecond, which is how copies are recognised exactly. */
  readonly bothUptimes: NumberList;
  /** Suppressed lines with only a monotonic stamp, {@link SUPP} numbers each (ms = uptime in ms). */
  readonly monoSuppressed: NumberList;
  /** Boot time estimates from lines carrying both clocks: max(wall − uptime), ms. */
  bootMsEstimate: number | null;
  minUptime: number;
  maxUptime: number;
  /** Uptime (ms) of the last monotonic-only drop read: whether a suppressed line's text is worth keeping. */
  lastDropMs: number;
}
/**
 * `N callbacks suppressed` lines, {@link SUPP} numbers each in a NumberList, in input order: the stamp (ms),
 * N and the line (whose text the digest's `texts` may hold). About a tenth as many as drop lines.
 */
export const SUPP = 3;
export const S_MS = 0;
export const S_COUNT = 1;
export const S_LINE = 2;
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
  readonly wallDrops: DropRows;
  /** Suppressed lines with a wall stamp (ms = epoch ms), {@link SUPP} numbers each. */
  readonly wallSuppressed: NumberList;
  /** Wall stamp (ms) of the last wall-clock drop read: whether a suppressed line's text is worth keeping. */
  lastDropMs: number;
  /** The input's boot (reboots seen before it) of the last wall-clock drop read. */
  lastDropBoot: number;
  /**
   * Texts of lines the rows name, by line number: only lines that may start a burst or stand apart from
   * every burst (see {@link textKeeper}), at most {@link TEXTS_KEPT}. Every other line is known by its number.
   */
  readonly texts: Map<number, string>;
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
/** Line texts a digest keeps for bursts and unattributed suppressed lines (a bound on hostile input). */
export const TEXTS_KEPT = 10_000;
/**
 * How much closer than --burst-gap a drop may follow the previous one (in input order, same source and clock)
 * and still have its text kept. After merging sources a second's stamps come from the source with the
 * most drops in it (up to 1 s apart) and anchored dmesg stamps move by the anchor's error, so a burst can
 * start at a line that followed its own source's previous drop by a little less than the gap.
 */
export const TEXT_MARGIN_MS = 5000;

function newSegment(bootId: string | null): BootSegment {
  return { bootId, monoDrops: newDropRows(), monoDropList: newNumberList(), bothUptimes: newNumberList(), monoSuppressed: newNumberList(), bootMsEstimate: null, minUptime: Infinity, maxUptime: -Infinity, lastDropMs: NaN };
}

function newDigest(host: string | null, ctx: ParseContext): KernelDigest {
  return {
    host, sourceId: ctx.sourceId, path: ctx.path,
    wallDrops: newDropRows(), wallSuppressed: newNumberList(), lastDropMs: NaN, lastDropBoot: 0, texts: new Map(), segments: [newSegment(null)],
    undatedDrops: 0, undatedSuppressed: 0, dropLines: 0, rebootsMs: [],
    events: [], eventCounts: new Map(), settings: new Map(), kernelRelease: null,
    firstDrops: [], firstSuppressed: [],
  };
}

/**
 * Which texts a digest keeps. Only a few of a log's drop lines are ever cited: the first line of a burst and
 * a suppressed line no burst takes. A bucket's text is kept when it opens a row more than the burst gap
 * (less {@link TEXT_MARGIN_MS}) after the previous row, or out of order, or as the first row after a reboot;
 * a suppressed line's when no drop of its source and clock came within that before it. A line cited anyway
 * (a burst cut by a reboot that only another input saw) keeps its file and line, with no text.
 */
function textKeeper(texts: Map<number, string>, burstGapMs: number): { readonly keepGapMs: number; add(line: number, text: string): void } {
  return {
    keepGapMs: Math.max(0, burstGapMs - TEXT_MARGIN_MS),
    add(line: number, text: string): void {
      if (texts.size < TEXTS_KEPT) texts.set(line, text);
    },
  };
}

function pushSuppressed(l: NumberList, ms: number, count: number, line: number): void {
  pushNumber(l, ms);
  pushNumber(l, count);
  pushNumber(l, line);
}

export function createKernelAccumulator(ctx: ParseContext): Accumulator<KernelDigest> {
  // without a burst gap (a library caller's context), every text a row opens with is kept
  const burstGapMs = ctx.burstGapMs ?? 0;
  const byHost = new Map<string | null, KernelDigest>();
  // Reboots are input-wide (a journal "-- Reboot --" line names no host): every digest of the input
  // shares the list and its boot segments are indexed by the input's boot counter.
  const rebootsMs: number[] = [];
  let bootIndex = 0;
  let bootId: string | null = null;
  const keepers = new Map<KernelDigest, ReturnType<typeof textKeeper>>();
  const digestFor = (host: string | null): KernelDigest => {
    let d = byHost.get(host);
    if (!d) {
      d = { ...newDigest(host, ctx), rebootsMs };
      byHost.set(host, d);
      keepers.set(d, textKeeper(d.texts, burstGapMs));
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
        const k = keepers.get(d)!;
        if (e.tsMs !== null) {
          const r = bumpRow(d.wallDrops, e.tsMs, line, k.keepGapMs);
          // a burst never crosses a reboot: the first row after one may start a burst
          if (r === OPENED_APART || (r === OPENED && d.lastDropBoot !== bootIndex)) k.add(line, e.text);
          d.lastDropBoot = bootIndex;
          d.lastDropMs = e.tsMs;
        } else if (e.uptimeSec !== null) {
          const ms = e.uptimeSec * 1000;
          if (bumpRow(seg.monoDrops, ms, line, k.keepGapMs) === OPENED_APART) k.add(line, e.text);
          seg.lastDropMs = ms;
          pushNumber(seg.monoDropList, Math.round(e.uptimeSec * 1e6));
          pushNumber(seg.monoDropList, line);
        }
        else d.undatedDrops++;
        return;
      }
      case 'suppressed': {
        const n = e.count ?? 0;
        if (d.firstSuppressed.length < EVIDENCE_KEPT) d.firstSuppressed.push({ path: ctx.path, line, text: e.text });
        const k = keepers.get(d)!;
        let ms = NaN;
        let lastDropMs = NaN;
        if (e.tsMs !== null) {
          ms = e.tsMs;
          lastDropMs = d.lastDropMs;
          pushSuppressed(d.wallSuppressed, ms, n, line);
        } else if (e.uptimeSec !== null) {
          ms = e.uptimeSec * 1000;
          lastDropMs = seg.lastDropMs;
          pushSuppressed(seg.monoSuppressed, ms, n, line);
        } else {
          d.undatedSuppressed += n;
          return;
        }
        // a drop of the same source and clock just before it: a burst will take this line
        if (!(ms >= lastDropMs && ms - lastDropMs <= k.keepGapMs)) k.add(line, e.text);
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
    finish: () => {
      for (const d of byHost.values()) {
        compactRows(d.wallDrops);
        for (const seg of d.segments) compactRows(seg.monoDrops);
      }
      return [...byHost.values()];
    },
  };
}
