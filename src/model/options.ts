/** Normalised options of an analysis run (cli/options.ts builds them from argv; the library takes them directly). */
import type { InputKind } from './records.js';
import type { Severity } from './report.js';

export type FailOn = Severity | 'never';
export type RuleSetting = Severity | 'off';

export interface AnalyzeOptions {
  /** Force the kind of every explicit input (--kind). */
  readonly kind?: InputKind;
  /** Year for year-less stamps (--year). */
  readonly year?: number;
  /** Zone for zone-less stamps (--tz): an IANA name or ±HH:MM. Default UTC. */
  readonly tz?: string;
  /** Places monotonic stamps on the wall clock (--boot-time), ms since the epoch. */
  readonly bootTimeMs?: number;
  /** Drops further apart than this start a new burst (--burst-gap), ms. Default 60 000. */
  readonly burstGapMs?: number;
  /** The max in force, when no input says it (--max). */
  readonly max?: number;
  /** Only this host (--host). */
  readonly host?: string;
  /** Length of top-talker lists (--top). Default 10. */
  readonly top?: number;
  /** Share of RAM (0..1) a bigger table may cost before demand reduction comes first (--memory-budget). Default 0.05. */
  readonly memoryBudget?: number;
  /** Cap on decompressed bytes read from bundles (--max-bytes). */
  readonly maxBytes?: number;
  /** Cap on members read from bundles (--max-members). */
  readonly maxMembers?: number;
  /** Record each input's SHA-256 in the report (--hash). */
  readonly hash?: boolean;
  /** Only records at or after / before this time (ms) are analysed (--since / --until); undated ones are kept. */
  readonly sinceMs?: number;
  readonly untilMs?: number;
  /** Called as bytes are read (the CLI draws a progress bar on a TTY). */
  readonly onProgress?: (path: string, bytesRead: number, totalBytes: number | null) => void;
  /** Worker threads for reading inputs in parallel (--jobs); 0 reads everything on the main thread. */
  readonly jobs?: number;
  /** Per-rule severity overrides or 'off' (--rule ID=...). */
  readonly rules?: Readonly<Record<string, RuleSetting>>;
}
