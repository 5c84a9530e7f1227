/**
 * One host's analysis: correlate its kernel-log digests into drops and bursts, merge settings and facts,
 * build the other sections from their digests, and collect the evidence rules point to.
 */
import type { Evidence, HostFacts, HostReport } from '../model/report.js';
import type { Facet } from '../rules/define-rule.js';
import type { DigestBag } from './registry.js';
import { correlateDrops } from './correlate/drops.js';
import { buildCountersSection } from './counters.js';
import { buildSettings } from './settings.js';
import { buildTimelineSection } from './timeline.js';

export interface HostOptions {
  readonly burstGapMs: number;
  readonly bootTimeMs: number | null;
  /** --max: the max in force when no input says it better. */
  readonly max: number | null;
}

export interface HostBuild {
  readonly report: HostReport;
  readonly facets: ReadonlySet<Facet>;
  readonly evidence: ReadonlyMap<string, readonly Evidence[]>;
}

export function buildHost(name: string | null, bag: DigestBag, opts: HostOptions): HostBuild {
  const facets = new Set<Facet>();
  const evidence = new Map<string, readonly Evidence[]>();
  if (bag.kernel.length) facets.add('kernel-log');
  const dr = correlateDrops(bag.kernel, opts);
  for (const [k, v] of dr.evidence) evidence.set(k, v);

  // Settings: the kernel's boot line and kube-proxy lines first, then settings inputs (current values) win.
  const settings: Record<string, number> = Object.create(null) as Record<string, number>;
  let kernel: string | null = null;
  for (const d of bag.kernel) {
    for (const [k, s] of d.settings) {
      settings[k] = s.value;
      evidence.set(`settings.${k}`, [s.evidence]);
    }
    if (d.kernelRelease) {
      kernel = d.kernelRelease.value;
      evidence.set('facts.kernel', [d.kernelRelease.evidence]);
    }
  }
  let facts: HostFacts | null = null;
  if (bag.settings.length) {
    const built = buildSettings(bag.settings);
    Object.assign(settings, built.section.settings);
    for (const [k, v] of built.evidence) evidence.set(k, v);
    facts = built.section.facts;
  }
  if (kernel !== null) facts = { hostname: facts?.hostname ?? null, memTotalBytes: null, cpus: null, entryBytes: null, ...facts, kernel: facts?.kernel ?? kernel };
  if (facts && facts.hostname === null && name !== null) facts = { ...facts, hostname: name };
  if (Object.keys(settings).length) facets.add('settings');
  if (facts) facets.add('facts');

  let counters = null;
  if (bag.counters.length) {
    const built = buildCountersSection(bag.counters);
    counters = built.section;
    for (const [k, v] of built.evidence) evidence.set(k, v);
    facets.add('counters');
  }

  // Timeline: max from --max, else the samples' own max column, else the settings input.
  let timeline = null;
  if (bag.timeline.length) {
    let built = buildTimelineSection(bag.timeline, { max: opts.max, maxSource: opts.max !== null ? '--max' : null });
    const settingsMax = settings['net.netfilter.nf_conntrack_max'];
    if (built.section.max === null && settingsMax !== undefined) {
      const ev = evidence.get('settings.net.netfilter.nf_conntrack_max')?.[0];
      built = buildTimelineSection(bag.timeline, { max: settingsMax, maxSource: ev ? `${ev.path}${ev.line !== null ? `:${ev.line}` : ''}` : 'settings' });
    }
    timeline = built.section;
    for (const [k, v] of built.evidence) evidence.set(k, v);
    if (timeline.samples > 0) facets.add('timeline');
  }

  const report: HostReport = {
    name,
    drops: dr.drops,
    events: dr.events,
    eventCounts: dr.eventCounts,
    correlation: {
      clock: dr.clock,
      sources: dr.sources,
      dropsLogged: dr.drops.logged,
      dropsSuppressed: dr.drops.suppressed,
      dropsCounter: null,
      dropsCounterKind: null,
      dropsUnloggedEstimate: null,
      burstsAtMax: null,
      burstsBelowMax: null,
      clockOffsetSeconds: null,
    },
    settings: sortKeys(settings),
    facts,
    timeline,
    table: null,
    counters,
  };
  return { report, facets, evidence };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
