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
import { buildTableSection } from './table.js';
import { checkBurstsAgainstTimeline, checkDropCounter, AT_MAX_SHARE } from './correlate/cross-checks.js';
import { recommend, type Role } from './recommend.js';
import { summarize } from './summary.js';
import { VERSION } from '../version.js';

export interface HostOptions {
  readonly burstGapMs: number;
  readonly bootTimeMs: number | null;
  /** How the boot time is known, for the report ("--boot-time", "the bundle's date and uptime"). */
  readonly bootTimeLabel?: string;
  /** The uptime when a fallback boot time was taken (a monotonic stamp beyond it belongs to another boot). */
  readonly bootUptimeSec?: number | null;
  /** --max: the max in force when no input says it better. */
  readonly max: number | null;
  /** --top: length of the top-talker lists. */
  readonly top: number;
  /** --memory-budget: share of RAM above which a bigger table is not the first remedy. */
  readonly memoryBudget: number;
  readonly role?: Role;
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
  const bootLine = { ...settings };
  if (bag.settings.length) {
    const built = buildSettings(bag.settings);
    // the kernel's boot line against the current settings: a changed max or buckets is worth saying
    for (const k of ['net.netfilter.nf_conntrack_max', 'net.netfilter.nf_conntrack_buckets']) {
      const was = bootLine[k];
      const now = built.section.settings[k];
      if (was !== undefined && now !== undefined && was !== now) {
        const list = [...(evidence.get('correlation.settingsMismatch') ?? [])];
        list.push(...(evidence.get(`settings.${k}`) ?? []).map((e) => ({ ...e, text: `${e.text}  [boot line: ${k.replace('net.netfilter.', '')} ${was}]` })));
        list.push(...(built.evidence.get(`settings.${k}`) ?? []).map((e) => ({ ...e, text: `${e.text}  [settings now: ${now}]` })));
        evidence.set('correlation.settingsMismatch', list);
      }
    }
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
    // the samples' own max column against the settings
    const col = timeline.maxSource === 'column' ? timeline.max : null;
    if (col !== null && settingsMax !== undefined && col !== settingsMax) {
      const list = [...(evidence.get('correlation.settingsMismatch') ?? [])];
      list.push(...(evidence.get('timeline.max') ?? []).map((e) => ({ ...e, text: `${e.text}  [timeline max column ${col}, settings ${settingsMax}]` })));
      evidence.set('correlation.settingsMismatch', list);
    }
  }

  let table = null;
  let idleOver: ((state: string, seconds: number, timeoutSec?: number) => number) | undefined;
  if (bag.table.length) {
    const built = buildTableSection(bag.table, { settings, top: opts.top });
    table = built.section;
    idleOver = built.idleOver;
    for (const [k, v] of built.evidence) evidence.set(k, v);
    if (table.entries > 0 || table.events > 0) facets.add('table');
  }

  const bursts = checkBurstsAgainstTimeline(dr.drops, timeline, bag.timeline);
  for (const [k, v] of bursts.evidence) evidence.set(k, v);
  const counterCheck = checkDropCounter(dr.drops, bag.counters);
  const drops = { ...dr.drops, bursts: bursts.bursts };

  // Recommendations, when anything was learned about the table.
  const maxNow = timeline?.max ?? settings['net.netfilter.nf_conntrack_max'] ?? null;
  const demandCandidates: { count: number; what: string; evidence: Evidence[] }[] = [];
  if (timeline && timeline.samples) demandCandidates.push({ count: timeline.peak.count, what: 'usage timeline peak', evidence: [...(evidence.get('timeline.peak') ?? [])] });
  if (table && !table.partial && table.entries) demandCandidates.push({ count: table.entries, what: 'entries in the capture', evidence: [...(evidence.get('table.capture') ?? [])] });
  const countSetting = settings['net.netfilter.nf_conntrack_count'];
  if (countSetting !== undefined) demandCandidates.push({ count: countSetting, what: 'nf_conntrack_count setting', evidence: [...(evidence.get('settings.net.netfilter.nf_conntrack_count') ?? [])] });
  const demand = demandCandidates.sort((a, b) => b.count - a.count)[0] ?? null;
  const tableFull = drops.logged > 0 || (maxNow !== null && demand !== null && demand.count >= AT_MAX_SHARE * maxNow);
  // A number needs a max in force, a demand, or at least the RAM (the kernel default follows from it).
  const learned = maxNow !== null || demand !== null || (facts?.memTotalBytes ?? null) !== null;
  const recommendations = learned
    ? recommend({
      host: name,
      settings,
      kernel: facts?.kernel ?? null,
      memTotalBytes: facts?.memTotalBytes ?? null,
      cpus: facts?.cpus ?? null,
      entryBytes: facts?.entryBytes ?? null,
      demand: demand && tableFull && maxNow !== null && demand.count < maxNow
        ? { ...demand, evidence: [...demand.evidence, ...(evidence.get('drops.first') ?? []).slice(0, 2)] }
        : demand,
      tableFull,
      table,
      ...(idleOver ? { idleOver } : {}),
      ...(opts.role ? { role: opts.role } : {}),
      memoryBudget: opts.memoryBudget,
      kubeProxySeen: (dr.eventCounts['kube-proxy-sysctl'] ?? 0) > 0 || evidence.has('facts.kubeProxy'),
      toolVersion: VERSION,
    })
    : null;
  if (recommendations) {
    evidence.set('recommendations.max', [...(recommendations.nf_conntrack_max.evidence ?? [])]);
  }
  // the capture's size against the count the settings report
  if (table && !table.partial && table.entries > 0 && countSetting !== undefined && Math.abs(table.entries - countSetting) > 0.1 * Math.max(table.entries, countSetting)) {
    evidence.set('correlation.captureCount', [
      ...(evidence.get('table.capture') ?? []).slice(0, 1),
      ...(evidence.get('settings.net.netfilter.nf_conntrack_count') ?? []).slice(0, 1),
    ]);
  }

  const partial: Omit<HostReport, 'summary'> = {
    name,
    drops,
    events: dr.events,
    eventCounts: dr.eventCounts,
    correlation: {
      clock: dr.clock,
      sources: dr.sources,
      dropsLogged: drops.logged,
      dropsSuppressed: drops.suppressed,
      ...counterCheck,
      burstsAtMax: bursts.burstsAtMax,
      burstsBelowMax: bursts.burstsBelowMax,
      clockOffsetSeconds: bursts.clockOffsetSeconds,
    },
    settings: sortKeys(settings),
    facts,
    timeline,
    table,
    counters,
    recommendations,
  };
  const report: HostReport = { ...partial, summary: summarize(partial) };
  return { report, facets, evidence };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
