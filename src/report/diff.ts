/**
 * `ctdoctor diff BEFORE AFTER`: what changed between two Reports, per host, to prove a fix worked (or
 * gate CI on a regression). Pure functions: Reports in, a ReportDiff out, rendered as text or JSON.
 *
 * Hosts are matched by name; when each report has exactly one host they are paired even if the names
 * differ (a rebuilt node, or a redacted report). Per host: drops logged and suppressed, the peak as a
 * share of max, the time at max, the dominant state and its share, the top source, and the settings that
 * changed. `worse` is true when, for any host, the drops (logged + suppressed) grew, the peak share of max
 * rose, or the time at max grew; a host only in AFTER with drops is worse too.
 *
 * Example (text):
 *
 *     ctdoctor diff: better
 *     host web-07
 *       drops logged             3,080 -> 0  (-3,080)
 *       peak % of max            100 % -> 48 %
 */
import type { HostReport, Report } from '../model/report.js';
import { fmtDuration, fmtInt } from './format.js';
import { sanitizeText } from './sanitize.js';

/** A value before and after (null: unknown in that report). */
export interface Delta<T> {
  readonly before: T | null;
  readonly after: T | null;
}

/** A named value with its share of the table (dominant state, top source). */
export interface Leader {
  readonly name: string;
  readonly share: number;
}

/** What changed on one host. */
export interface HostDiff {
  /** The host's name in AFTER (in BEFORE when it is only there). */
  readonly host: string | null;
  /** The name in BEFORE when it differs (hosts paired because each report had one). */
  readonly beforeName?: string | null;
  readonly presence: 'both' | 'before-only' | 'after-only';
  readonly dropsLogged: Delta<number>;
  readonly dropsSuppressed: Delta<number>;
  readonly peak: Delta<number>;
  readonly max: Delta<number>;
  /** Peak count / max (0..1), null without a timeline or max. */
  readonly peakShareOfMax: Delta<number>;
  /** Seconds at or above max (timeline.aboveThreshold['100']). */
  readonly secondsAtMax: Delta<number>;
  readonly dominantState: Delta<Leader>;
  readonly topSource: Delta<Leader>;
  readonly settingsChanged: readonly { readonly name: string; readonly before: number | null; readonly after: number | null }[];
  readonly worse: boolean;
  /** Why it is worse, one phrase per reason. */
  readonly reasons: readonly string[];
}

/** The whole diff. */
export interface ReportDiff {
  readonly hosts: readonly HostDiff[];
  /** Finding ids (rule ids) present only in AFTER / only in BEFORE. */
  readonly findingsAdded: readonly string[];
  readonly findingsRemoved: readonly string[];
  readonly worse: boolean;
}

function peakShare(h: HostReport | undefined): number | null {
  const t = h?.timeline;
  return t && t.max !== null && t.max > 0 ? t.peak.count / t.max : null;
}

function dominantState(h: HostReport | undefined): Leader | null {
  const t = h?.table;
  if (!t || t.entries <= 0) return null;
  let best: Leader | null = null;
  for (const k of Object.keys(t.byState)) {
    const n = t.byState[k]!;
    if (!best || n / t.entries > best.share || (n / t.entries === best.share && k < best.name)) best = { name: k, share: n / t.entries };
  }
  return best;
}

function topSource(h: HostReport | undefined): Leader | null {
  const s = h?.table?.topSources[0];
  return s ? { name: s.ip, share: s.share } : null;
}

function settingsChanged(a: HostReport | undefined, b: HostReport | undefined): HostDiff['settingsChanged'] {
  const sa = a?.settings ?? {};
  const sb = b?.settings ?? {};
  const has = (o: Readonly<Record<string, number>>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  const names = [...new Set([...Object.keys(sa), ...Object.keys(sb)])].sort();
  // nf_conntrack_count is a reading, not a setting
  return names.filter((k) => !k.endsWith('nf_conntrack_count') && (has(sa, k) ? sa[k] : null) !== (has(sb, k) ? sb[k] : null))
    .map((k) => ({ name: k, before: has(sa, k) ? sa[k]! : null, after: has(sb, k) ? sb[k]! : null }));
}

function diffHost(a: HostReport | undefined, b: HostReport | undefined): HostDiff {
  const d = <T>(f: (h: HostReport) => T | null): Delta<T> => ({ before: a ? f(a) : null, after: b ? f(b) : null });
  const dropsLogged = d((h) => h.drops.logged);
  const dropsSuppressed = d((h) => h.drops.suppressed);
  const peakShareOfMax: Delta<number> = { before: peakShare(a), after: peakShare(b) };
  const secondsAtMax = d((h) => h.timeline?.aboveThreshold?.['100'] ?? null);
  const reasons: string[] = [];
  const dropsA = a ? a.drops.logged + a.drops.suppressed : 0;
  const dropsB = b ? b.drops.logged + b.drops.suppressed : 0;
  if (b && dropsB > dropsA) reasons.push(`more drops (${fmtInt(dropsA)} -> ${fmtInt(dropsB)} logged + suppressed)`);
  if (peakShareOfMax.before !== null && peakShareOfMax.after !== null && peakShareOfMax.after > peakShareOfMax.before + 1e-9) {
    reasons.push(`higher peak (${pctText(peakShareOfMax.before)} -> ${pctText(peakShareOfMax.after)} of max)`);
  } else if (a && b && peakShareOfMax.before === null && peakShareOfMax.after !== null && peakShareOfMax.after >= 1) {
    reasons.push(`the table reached max (${pctText(peakShareOfMax.after)})`);
  }
  if (secondsAtMax.before !== null && secondsAtMax.after !== null && secondsAtMax.after > secondsAtMax.before) {
    reasons.push(`more time at max (${fmtDuration(secondsAtMax.before * 1000)} -> ${fmtDuration(secondsAtMax.after * 1000)})`);
  }
  const host = b ? b.name : a!.name;
  return {
    host,
    ...(a && b && a.name !== b.name ? { beforeName: a.name } : {}),
    presence: a && b ? 'both' : a ? 'before-only' : 'after-only',
    dropsLogged, dropsSuppressed,
    peak: d((h) => h.timeline?.peak.count ?? null),
    max: d((h) => h.timeline?.max ?? null),
    peakShareOfMax, secondsAtMax,
    dominantState: { before: dominantState(a), after: dominantState(b) },
    topSource: { before: topSource(a), after: topSource(b) },
    settingsChanged: settingsChanged(a, b),
    worse: reasons.length > 0,
    reasons,
  };
}

/** Compare two Reports (BEFORE the fix, AFTER it). */
export function diffReports(before: Report, after: Report): ReportDiff {
  const pairs: [HostReport | undefined, HostReport | undefined][] = [];
  if (before.hosts.length === 1 && after.hosts.length === 1) {
    pairs.push([before.hosts[0], after.hosts[0]]);
  } else {
    const used = new Set<HostReport>();
    for (const b of after.hosts) {
      const a = before.hosts.find((h) => h.name === b.name && !used.has(h));
      if (a) used.add(a);
      pairs.push([a, b]);
    }
    for (const a of before.hosts) if (!used.has(a)) pairs.push([a, undefined]);
  }
  const hosts = pairs.map(([a, b]) => diffHost(a, b));
  const idsA = new Set(before.findings.map((f) => f.id));
  const idsB = new Set(after.findings.map((f) => f.id));
  return {
    hosts,
    findingsAdded: [...idsB].filter((id) => !idsA.has(id)).sort(),
    findingsRemoved: [...idsA].filter((id) => !idsB.has(id)).sort(),
    worse: hosts.some((h) => h.worse),
  };
}

function pctText(share: number): string {
  const p = share * 100;
  return `${p < 10 ? (Math.round(p * 10) / 10).toString() : Math.round(p).toString()} %`;
}

function fmtDelta<T>(d: Delta<T>, f: (v: T) => string): string {
  return `${d.before === null ? '-' : f(d.before)} -> ${d.after === null ? '-' : f(d.after)}`;
}

function signed(a: number | null, b: number | null): string {
  if (a === null || b === null || a === b) return '';
  return `  (${b > a ? '+' : '-'}${fmtInt(Math.abs(b - a))})`;
}

const leader = (l: Leader): string => `${sanitizeText(l.name)} ${pctText(l.share)}`;

/** The diff as text for a terminal (log text sanitised). */
export function renderDiffText(d: ReportDiff): string {
  const unchanged = d.hosts.every((h) => !h.worse && h.dropsLogged.before === h.dropsLogged.after && h.peakShareOfMax.before === h.peakShareOfMax.after && h.secondsAtMax.before === h.secondsAtMax.after && h.settingsChanged.length === 0);
  const out = [`ctdoctor diff: ${d.worse ? 'WORSE' : unchanged ? 'no change' : 'not worse'}`];
  for (const h of d.hosts) {
    const name = sanitizeText(h.host ?? '(unnamed host)');
    out.push(`host ${h.beforeName !== undefined ? `${sanitizeText(h.beforeName ?? '(unnamed host)')} -> ` : ''}${name}${h.presence === 'before-only' ? ' (only in BEFORE)' : h.presence === 'after-only' ? ' (only in AFTER)' : ''}`);
    const row = (label: string, value: string): void => { out.push(`  ${label.padEnd(20)} ${value}`); };
    row('drops logged', fmtDelta(h.dropsLogged, fmtInt) + signed(h.dropsLogged.before, h.dropsLogged.after));
    row('drops suppressed', fmtDelta(h.dropsSuppressed, fmtInt) + signed(h.dropsSuppressed.before, h.dropsSuppressed.after));
    if (h.peak.before !== null || h.peak.after !== null) row('peak entries', fmtDelta(h.peak, fmtInt));
    if (h.peakShareOfMax.before !== null || h.peakShareOfMax.after !== null) row('peak % of max', fmtDelta(h.peakShareOfMax, pctText));
    if (h.secondsAtMax.before !== null || h.secondsAtMax.after !== null) row('time at max', fmtDelta(h.secondsAtMax, (s) => fmtDuration(s * 1000)));
    if (h.dominantState.before || h.dominantState.after) row('dominant state', fmtDelta(h.dominantState, leader));
    if (h.topSource.before || h.topSource.after) row('top source', fmtDelta(h.topSource, leader));
    if (h.settingsChanged.length) {
      out.push('  settings changed');
      for (const s of h.settingsChanged) row(`  ${sanitizeText(s.name.replace(/^net\.netfilter\./, ''))}`, `${s.before === null ? '-' : String(s.before)} -> ${s.after === null ? '-' : String(s.after)}`);
    }
    if (h.worse) out.push(`  WORSE: ${h.reasons.map(sanitizeText).join('; ')}`);
  }
  if (d.findingsAdded.length) out.push(`findings added: ${d.findingsAdded.map(sanitizeText).join(', ')}`);
  if (d.findingsRemoved.length) out.push(`findings gone: ${d.findingsRemoved.map(sanitizeText).join(', ')}`);
  return out.join('\n') + '\n';
}

/** The diff as JSON (two-space indented, final newline). */
export function renderDiffJson(d: ReportDiff): string {
  return JSON.stringify(d, null, 2) + '\n';
}
