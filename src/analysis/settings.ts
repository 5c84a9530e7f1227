/**
 * Settings and host-facts analysis: folds SysctlSetting and HostFact records into the host's `settings`
 * (canonical sysctl name → number) and `facts` (hostname, kernel, memTotalBytes, cpus, entryBytes).
 *
 * - Later wins: a later line of the same input, then a later input (in the order given), replaces an
 *   earlier value. When the values differ, every line involved is kept as evidence
 *   "settings.conflict.<name>" (at most 5): a value changed during the session (`echo N > ...`), or a
 *   kube-proxy log and a later `sysctl -a` disagree.
 * - cpus: the largest value within one input (/proc/cpuinfo gives a running count), later input wins.
 * - Evidence "settings.<name>" is the line of the value in force; "facts.<fact>" likewise; the kubeProxy
 *   fact (HostFacts has no field for it) is only evidence, "facts.kubeProxy".
 * - The digest's host is the input's hostname fact (null without one): the lead groups inputs by it.
 */
import type { Accumulator, Built, Digest } from './accumulator.js';
import type { Evidence, HostFacts } from '../model/report.js';
import type { AnyRecord, HostFactName } from '../model/records.js';
import type { ParseContext } from '../parsers/line-parser.js';

/** Evidence lines kept per conflict. */
const MAX_CONFLICT_EVIDENCE = 5;

/** A value with the line it came from. */
export interface Sourced<T> {
  readonly value: T;
  readonly evidence: Evidence;
}

/** What one input contributes. */
export interface SettingsDigest extends Digest {
  readonly host: string | null;
  readonly path: string;
  /** The value in force at the end of the input, per canonical name. */
  readonly settings: ReadonlyMap<string, Sourced<number>>;
  /** Names whose value changed within the input, with the lines involved. */
  readonly conflicts: ReadonlyMap<string, readonly Evidence[]>;
  readonly facts: Readonly<Partial<Record<HostFactName, Sourced<string | number>>>>;
}

function addConflict(conflicts: Map<string, Evidence[]>, name: string, earlier: Evidence, later: Evidence): void {
  let list = conflicts.get(name);
  if (!list) {
    list = [];
    conflicts.set(name, list);
  }
  for (const e of [earlier, later]) {
    if (list.length >= MAX_CONFLICT_EVIDENCE) break;
    if (!list.some((x) => x.path === e.path && x.line === e.line)) list.push(e);
  }
}

class SettingsAccumulator implements Accumulator<SettingsDigest> {
  private readonly path: string;
  private readonly settings = new Map<string, Sourced<number>>();
  private readonly conflicts = new Map<string, Evidence[]>();
  private readonly facts: Partial<Record<HostFactName, Sourced<string | number>>> = {};
  private seen = false;

  constructor(path: string) {
    this.path = path;
  }

  add(r: AnyRecord): void {
    if (r.kind === 'sysctl-setting') {
      this.seen = true;
      const ev: Evidence = { path: this.path, line: r.src.lineNo, text: r.text };
      const prev = this.settings.get(r.name);
      if (prev && prev.value !== r.value) addConflict(this.conflicts, r.name, prev.evidence, ev);
      this.settings.set(r.name, { value: r.value, evidence: ev });
    } else if (r.kind === 'host-fact') {
      this.seen = true;
      const ev: Evidence = { path: this.path, line: r.src.lineNo, text: r.text };
      const prev = this.facts[r.fact];
      // a running /proc/cpuinfo count: keep the largest
      if (r.fact === 'cpus' && prev && typeof prev.value === 'number' && typeof r.value === 'number' && prev.value >= r.value) return;
      this.facts[r.fact] = { value: r.value, evidence: ev };
    }
  }

  finish(): readonly SettingsDigest[] {
    if (!this.seen) return [];
    const h = this.facts.hostname?.value;
    return [{
      host: typeof h === 'string' ? h : null,
      path: this.path,
      settings: new Map(this.settings),
      conflicts: new Map(this.conflicts),
      facts: { ...this.facts },
    }];
  }
}

/** A settings accumulator for one input (ctx: the input's ParseContext, or anything with its path). */
export function createSettingsAccumulator(ctx: Pick<ParseContext, 'path'>): Accumulator<SettingsDigest> {
  return new SettingsAccumulator(ctx.path);
}

const FACT_NAMES: readonly (keyof HostFacts)[] = ['hostname', 'kernel', 'memTotalBytes', 'cpus', 'entryBytes'];

/** Settings (sorted by name, built without a prototype) and facts of one host, from its inputs in order. */
export function buildSettings(digests: readonly SettingsDigest[]): Built<{ settings: Record<string, number>; facts: HostFacts | null }> {
  const merged = new Map<string, Sourced<number>>();
  const conflicts = new Map<string, Evidence[]>();
  const facts: Partial<Record<HostFactName, Sourced<string | number>>> = {};
  for (const d of digests) {
    for (const [name, list] of d.conflicts) {
      for (let i = 1; i < list.length; i++) addConflict(conflicts, name, list[i - 1]!, list[i]!);
    }
    for (const [name, v] of d.settings) {
      const prev = merged.get(name);
      if (prev && prev.value !== v.value) addConflict(conflicts, name, prev.evidence, v.evidence);
      merged.set(name, v);
    }
    for (const k of Object.keys(d.facts) as HostFactName[]) {
      const v = d.facts[k];
      if (v) facts[k] = v;
    }
  }
  const evidence = new Map<string, readonly Evidence[]>();
  const settings = Object.create(null) as Record<string, number>;
  for (const name of [...merged.keys()].sort()) {
    const v = merged.get(name)!;
    settings[name] = v.value;
    evidence.set(`settings.${name}`, [v.evidence]);
  }
  for (const name of [...conflicts.keys()].sort()) evidence.set(`settings.conflict.${name}`, conflicts.get(name)!);
  for (const k of Object.keys(facts) as HostFactName[]) evidence.set(`facts.${k}`, [facts[k]!.evidence]);
  const str = (k: HostFactName): string | null => (typeof facts[k]?.value === 'string' ? (facts[k]!.value as string) : null);
  const num = (k: HostFactName): number | null => (typeof facts[k]?.value === 'number' ? (facts[k]!.value as number) : null);
  const hasFacts = FACT_NAMES.some((k) => facts[k] !== undefined);
  const hostFacts: HostFacts | null = hasFacts
    ? { hostname: str('hostname'), kernel: str('kernel'), memTotalBytes: num('memTotalBytes'), cpus: num('cpus'), entryBytes: num('entryBytes') }
    : null;
  return { section: { settings, facts: hostFacts }, evidence };
}
