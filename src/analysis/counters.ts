/**
 * Counters analysis: folds CpuStats records (conntrack -S, /proc/net/stat/nf_conntrack, lnstat, old
 * vertical conntrack -S) into snapshots, and builds the host's `counters` section from the last one.
 *
 * - A snapshot is a run of per-CPU rows with rising CPU numbers; a CPU number that does not rise, or a
 *   totals-only record (cpu null), starts the next one. Inputs rarely hold more than a few; a loop
 *   capture can hold thousands, so a digest keeps the first and the last MAX_SNAPSHOTS − 1 (the first and
 *   the last are what bracket an incident; conntrack -S carries no time) and counts the rest.
 * - Totals sum each field over the CPUs, except `entries`, the global count repeated on every row of
 *   /proc/net/stat/nf_conntrack: its largest row value is kept, never the sum.
 * - Sums stay exact: each value is at most 2^53−1 (the parser flags larger ones), and the kernel's are
 *   32-bit, so even 2^20 CPUs cannot overflow a double's integer range.
 * - lnstat's single snapshot is its first row: since-load sums over CPUs divided by lnstat's interval (a
 *   lower bound); evidence key "counters.source" names the form so a renderer can say so.
 */
import type { Accumulator, Built, Digest } from './accumulator.js';
import type { CountersSection, Evidence } from '../model/report.js';
import type { AnyRecord } from '../model/records.js';
import type { ParseContext } from '../parsers/line-parser.js';
import { statsFormOf, type StatsForm } from '../parsers/conntrack-stats/conntrack-stats.js';

/** How many snapshots a digest keeps (the first one plus the latest MAX_SNAPSHOTS − 1). */
export const MAX_SNAPSHOTS = 64;

/** Fields whose largest lines are kept as evidence, as "counters.<field>". */
export const EVIDENCE_FIELDS = ['drop', 'early_drop', 'insert_failed'] as const;

/** Fields that are a global value repeated on each row, never summed over CPUs. */
const GLOBAL_FIELDS: ReadonlySet<string> = new Set(['entries']);

/** One row of a snapshot: a CPU (or cpu null for a totals-only form) and its counters. */
export interface CounterRow {
  readonly cpu: number | null;
  readonly fields: Readonly<Record<string, number>>;
  readonly line: number;
  readonly text: string;
}

/** One reading of the counters (all CPUs, or one totals row). */
export interface CounterSnapshot {
  readonly form: StatsForm;
  readonly rows: readonly CounterRow[];
}

/** What one input contributes: its snapshots in input order. */
export interface CountersDigest extends Digest {
  /** Counters never name a host; the lead assigns the input's host (bundle, hostname fact). */
  readonly host: null;
  readonly path: string;
  readonly snapshots: readonly CounterSnapshot[];
  /** Snapshots dropped from the middle to bound memory. */
  readonly droppedSnapshots: number;
}

class CountersAccumulator implements Accumulator<CountersDigest> {
  private readonly path: string;
  private readonly snapshots: CounterSnapshot[] = [];
  private current: { form: StatsForm; rows: CounterRow[] } | null = null;
  private dropped = 0;

  constructor(path: string) {
    this.path = path;
  }

  add(r: AnyRecord): void {
    if (r.kind !== 'cpu-stats') return;
    const row: CounterRow = { cpu: r.cpu, fields: r.fields, line: r.src.lineNo, text: r.text };
    const form = statsFormOf(r.text);
    const cur = this.current;
    const last = cur?.rows[cur.rows.length - 1];
    const continues = cur !== null && last !== undefined && cur.form === form && r.cpu !== null && last.cpu !== null && r.cpu > last.cpu;
    if (continues) {
      cur.rows.push(row);
      return;
    }
    this.close();
    this.current = { form, rows: [row] };
  }

  private close(): void {
    if (!this.current) return;
    this.snapshots.push(this.current);
    this.current = null;
    if (this.snapshots.length > MAX_SNAPSHOTS) {
      // keep the first: it and the latest bracket the capture
      this.snapshots.splice(1, 1);
      this.dropped++;
    }
  }

  finish(): readonly CountersDigest[] {
    this.close();
    if (this.snapshots.length === 0) return [];
    return [{ host: null, path: this.path, snapshots: [...this.snapshots], droppedSnapshots: this.dropped }];
  }
}

/** A counters accumulator for one input (ctx: the input's ParseContext, or anything with its path). */
export function createCountersAccumulator(ctx: Pick<ParseContext, 'path'>): Accumulator<CountersDigest> {
  return new CountersAccumulator(ctx.path);
}

/** Field totals of a snapshot: summed over CPUs, except global fields (`entries`: the largest row value). */
export function snapshotTotals(snap: CounterSnapshot): Record<string, number> {
  const totals = Object.create(null) as Record<string, number>;
  for (const row of snap.rows) {
    for (const k of Object.keys(row.fields)) {
      const v = row.fields[k]!;
      const prev = totals[k];
      if (prev === undefined) totals[k] = v;
      else totals[k] = GLOBAL_FIELDS.has(k) ? Math.max(prev, v) : prev + v;
    }
  }
  return totals;
}

/**
 * The increase of a 32-bit kernel counter from `before` to `after`. A smaller `after` is read as one
 * wrap past 2^32 (the kernel's counters are unsigned 32-bit); a module reload or reboot between the two
 * readings looks the same, so a caller that knows of one must not use the delta. A fall from a value of
 * 2^32 or more cannot be a wrap: null (no delta).
 */
export function counterDelta(before: number, after: number): number | null {
  if (after >= before) return after - before;
  // a fall from a value a 32-bit counter cannot hold is a reset (or a hostile file), never a wrap
  if (before >= 2 ** 32) return null;
  return after + 2 ** 32 - before;
}

/**
 * Per-field increase between two snapshots, computed per CPU (wraps are per-CPU counters) and summed;
 * rows are matched by CPU number, and CPUs or fields present in only one snapshot are left out.
 * Global fields (`entries`) give the plain difference of their totals (it can fall).
 */
export function deltaTotals(before: CounterSnapshot, after: CounterSnapshot): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  const byCpu = new Map<number | null, CounterRow>();
  for (const r of before.rows) byCpu.set(r.cpu, r);
  for (const r of after.rows) {
    const b = byCpu.get(r.cpu);
    if (!b) continue;
    for (const k of Object.keys(r.fields)) {
      if (GLOBAL_FIELDS.has(k)) continue;
      const bv = b.fields[k];
      if (bv === undefined) continue;
      const d = counterDelta(bv, r.fields[k]!);
      // one CPU's reset makes the field's delta unknown: leave the field out
      if (d === null || Number.isNaN(out[k])) out[k] = NaN;
      else out[k] = (out[k] ?? 0) + d;
    }
  }
  for (const k of Object.keys(out)) if (Number.isNaN(out[k])) delete out[k];
  const tb = snapshotTotals(before);
  const ta = snapshotTotals(after);
  for (const k of GLOBAL_FIELDS) {
    const x = tb[k];
    const y = ta[k];
    if (x !== undefined && y !== undefined) out[k] = y - x;
  }
  return out;
}

function evidenceOf(path: string, rows: readonly CounterRow[], field: string): Evidence[] {
  return rows
    .filter((r) => (r.fields[field] ?? 0) > 0)
    .sort((a, b) => (b.fields[field] ?? 0) - (a.fields[field] ?? 0) || a.line - b.line)
    .slice(0, 5)
    .map((r) => ({ path, line: r.line, text: r.text }));
}

/**
 * The `counters` section: the last snapshot of the last digest that has one (inputs in the order given).
 * Evidence: "counters.drop", "counters.early_drop", "counters.insert_failed" (the rows with the largest
 * non-zero values, at most 5) and "counters.source" (the snapshot's first line, its text prefixed with
 * the form, e.g. "lnstat: ...").
 */
export function buildCountersSection(digests: readonly CountersDigest[]): Built<CountersSection> {
  let digest: CountersDigest | undefined;
  for (let i = digests.length - 1; i >= 0 && !digest; i--) if (digests[i]!.snapshots.length > 0) digest = digests[i];
  const evidence = new Map<string, readonly Evidence[]>();
  const snap = digest?.snapshots[digest.snapshots.length - 1];
  if (!digest || !snap) {
    return { section: { cpus: 0, totals: Object.create(null) as Record<string, number>, perCpu: [], path: digest?.path ?? '' }, evidence };
  }
  const perCpu: Record<string, number>[] = [];
  for (const row of snap.rows) {
    if (row.cpu === null) continue;
    const o = Object.create(null) as Record<string, number>;
    o['cpu'] = row.cpu;
    for (const k of Object.keys(row.fields)) if (k !== 'cpu') o[k] = row.fields[k]!;
    perCpu.push(o);
  }
  for (const f of EVIDENCE_FIELDS) {
    const ev = evidenceOf(digest.path, snap.rows, f);
    if (ev.length) evidence.set(`counters.${f}`, ev);
  }
  const first = snap.rows[0]!;
  evidence.set('counters.source', [{ path: digest.path, line: first.line, text: `${snap.form}: ${first.text}` }]);
  return { section: { cpus: perCpu.length, totals: snapshotTotals(snap), perCpu, path: digest.path }, evidence };
}
