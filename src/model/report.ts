/**
 * The public Report: exactly what `--format json` prints and docs/report.schema.json describes.
 * Renderers see only this shape. Fields are added by later issues, never renamed or moved.
 * Times are ISO 8601 UTC strings when the wall time is known, else null with the *Uptime seconds set.
 */
import type { LineIssue } from './line-account.js';
import type { InputKind } from './records.js';

export type Severity = 'error' | 'warning' | 'info';
export type InputStatus = 'parsed' | 'skipped' | 'failed' | 'refused';

export interface Evidence {
  readonly path: string;
  readonly line: number | null;
  readonly text: string;
}

export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  readonly host: string | null;
  readonly evidence: readonly Evidence[];
}

export interface RuleSkip {
  readonly id: string;
  readonly host: string | null;
  readonly reason: string;
}

export interface InputReport {
  readonly path: string;
  readonly host: string | null;
  readonly kind: InputKind | null;
  readonly format: string | null;
  readonly status: InputStatus;
  readonly reason: string | null;
  readonly lines: { readonly total: number; readonly parsed: number; readonly ignored: number; readonly malformed: number };
  readonly issues: readonly LineIssue[];
  readonly dropLines: number;
  /** SHA-256 of the input bytes, with --hash. */
  readonly sha256?: string;
}

export interface Burst {
  readonly start: string | null;
  readonly end: string | null;
  readonly startUptime: number | null;
  readonly endUptime: number | null;
  readonly logged: number;
  readonly suppressed: number;
  readonly peakPerMinute: number;
  /** The input whose line starts the burst (evidence). */
  readonly path: string;
  /** The line number of the first drop in that input. */
  readonly line: number;
  /** Was the table at max during the burst (timeline evidence)? null when unknown. */
  readonly atMax?: boolean | null;
}

export interface PerMinute {
  /** ISO minute (UTC) when wall time is known, else null with minuteUptime (seconds since boot, floored to 60). */
  readonly minute: string | null;
  readonly minuteUptime?: number;
  readonly logged: number;
}

export interface HostEvent {
  readonly type: string;
  readonly at: string | null;
  readonly uptime: number | null;
  readonly text: string;
  readonly path: string;
  readonly line: number;
}

export interface Drops {
  readonly logged: number;
  readonly suppressed: number;
  readonly suppressedUnattributed: number;
  readonly undated: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly firstUptime: number | null;
  readonly lastUptime: number | null;
  readonly perMinute: readonly PerMinute[];
  readonly bursts: readonly Burst[];
}

export interface TimelineSection {
  readonly samples: number;
  readonly undatedSamples: number;
  readonly start: string | null;
  readonly end: string | null;
  readonly intervalSeconds: number | null;
  readonly peak: { readonly count: number; readonly at: string | null; readonly path: string; readonly line: number };
  readonly min: number;
  readonly mean: number;
  readonly median: number;
  readonly p95: number;
  readonly p99: number;
  readonly stddev: number;
  readonly max: number | null;
  readonly maxSource: string | null;
  readonly aboveThreshold: Readonly<Record<'75' | '80' | '90' | '100', number>> | null;
  readonly gaps: readonly { readonly start: string; readonly end: string; readonly seconds: number }[];
  readonly resets: readonly { readonly at: string | null; readonly from: number; readonly to: number }[];
  readonly trendPerDay: number | null;
  readonly fullAt: string | null;
  readonly series: readonly { readonly at: string | null; readonly count: number }[];
}

export interface Share { readonly count: number; readonly share: number }
export interface TableSection {
  readonly entries: number;
  readonly declaredEntries: number | null;
  readonly byFamily: Readonly<Record<string, number>>;
  readonly byProtocol: Readonly<Record<string, number>>;
  readonly byState: Readonly<Record<string, number>>;
  readonly flags: { readonly assured: number; readonly unreplied: number; readonly offload: number };
  readonly earlyDroppable: number;
  readonly nat: number;
  readonly zones: Readonly<Record<string, number>>;
  readonly topSources: readonly ({ readonly ip: string } & Share)[];
  readonly topDestinations: readonly ({ readonly ip: string } & Share)[];
  readonly topDestinationPorts: readonly ({ readonly protocol: string; readonly port: number } & Share)[];
  readonly topPairs: readonly ({ readonly src: string; readonly dst: string; readonly protocol: string; readonly port: number | null } & Share)[];
  readonly approximate: boolean;
  readonly partial: boolean;
  readonly timeouts: Readonly<Record<string, { readonly entries: number; readonly idleOverHour: number; readonly idleOverDay: number }>>;
  readonly events: number;
  /** Which input the section was computed from. */
  readonly path: string;
}

export interface CountersSection {
  readonly cpus: number;
  readonly totals: Readonly<Record<string, number>>;
  readonly perCpu: readonly Readonly<Record<string, number>>[];
  readonly path: string;
}

export interface HostFacts {
  readonly hostname: string | null;
  readonly kernel: string | null;
  readonly memTotalBytes: number | null;
  readonly cpus: number | null;
  readonly entryBytes: number | null;
}

export interface CorrelationSource {
  readonly path: string;
  /** 'wall' | 'monotonic-anchored' | 'monotonic' (unanchored) | 'none' (no dated drops). */
  readonly clock: string;
  readonly dropLines: number;
  /** Drops this source contributed to drops.logged (the seconds where it had the largest count). */
  readonly counted: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly firstUptime: number | null;
  readonly lastUptime: number | null;
  readonly note: string | null;
}

export interface Correlation {
  readonly clock: { readonly anchor: string; readonly bootTime: string | null };
  readonly sources: readonly CorrelationSource[];
  readonly dropsLogged: number;
  readonly dropsSuppressed: number;
  /** The conntrack -S `drop` counter (a delta when two snapshots bracket the incident), or null. */
  readonly dropsCounter: number | null;
  readonly dropsCounterKind: 'delta' | 'since-module-load' | null;
  /** dropsCounter − logged − suppressed when the counter is a delta, else null. */
  readonly dropsUnloggedEstimate: number | null;
  readonly burstsAtMax: number | null;
  readonly burstsBelowMax: number | null;
  readonly clockOffsetSeconds: number | null;
}

export interface Change {
  readonly current: number | null;
  readonly recommended: number;
  readonly reason: string;
  readonly evidence?: readonly Evidence[];
}

/** What to change on one host (or for a plan: `ctdoctor recommend`), each tied to its evidence. */
export interface Recommendations {
  readonly nf_conntrack_max: Change;
  readonly nf_conntrack_buckets: Change;
  /** Kernel memory at the recommended max: entries × entry size + buckets × 8 bytes. */
  readonly memoryBytes: number;
  readonly memoryShareOfRam: number | null;
  /** Memory above --memory-budget: reduce demand (timeouts, NOTRACK, limits) before growing the table. */
  readonly overBudget: boolean;
  /** sysctl name → change, with the entries it would free (estimated from the capture) when known. */
  readonly timeouts: Readonly<Record<string, Change & { readonly frees: number | null }>>;
  readonly notrack: readonly { readonly protocol: string; readonly port: number; readonly entries: number; readonly rules: readonly string[]; readonly caveats: string }[];
  readonly rateLimits: readonly { readonly source: string; readonly entries: number; readonly rules: readonly string[] }[];
  readonly synCookies: boolean;
  /** Set when kube-proxy was seen: change its conntrack settings instead of the sysctls. */
  readonly kubeProxy: string | null;
  /** The /etc/sysctl.d/ file, ready to write. */
  readonly sysctlFile: string;
  /** Module preload, hashsize option, udev rule, and the commands to apply and verify. */
  readonly persistence: string;
  readonly assumptions: readonly string[];
}

export interface HostReport {
  readonly name: string | null;
  readonly drops: Drops;
  readonly events: readonly HostEvent[];
  /** Context events by type, all of them (events[] keeps the first few of each type). */
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly correlation: Correlation;
  readonly settings: Readonly<Record<string, number>>;
  readonly facts?: HostFacts | null;
  readonly timeline?: TimelineSection | null;
  readonly table?: TableSection | null;
  readonly counters?: CountersSection | null;
  /** What to change (null when nothing was learned about the table). */
  readonly recommendations?: Recommendations | null;
  /** The narrative for humans: what happened, when, how bad, what filled the table, what to change. */
  readonly summary?: string;
}

export interface RunInfo {
  readonly options: Readonly<Record<string, unknown>>;
  readonly assumptions: readonly string[];
  readonly complete: boolean;
}

/** One row of the fleet summary (several hosts), worst first. */
export interface FleetRow {
  readonly host: string | null;
  readonly dropsLogged: number;
  readonly dropsSuppressed: number;
  /** Peak count / max from the timeline (else the capture), 0..1, or null when unknown. */
  readonly peakShareOfMax: number | null;
  /** The most severe finding's id and severity, or null. */
  readonly topFinding: { readonly id: string; readonly severity: Severity } | null;
}

export interface Report {
  readonly schemaVersion: 1;
  readonly tool: { readonly name: 'ctdoctor'; readonly version: string };
  readonly run: RunInfo;
  readonly inputs: readonly InputReport[];
  readonly hosts: readonly HostReport[];
  readonly findings: readonly Finding[];
  readonly skips: readonly RuleSkip[];
  /** Present when there are several hosts: one row each, worst first. */
  readonly fleet?: readonly FleetRow[];
}
