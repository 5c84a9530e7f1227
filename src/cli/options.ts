/**
 * argv → Options: every flag validated here, one UsageError (exit 2) per bad value, worded
 * "Invalid option <name>: expected ..., got ...".
 */
import { UsageError } from '../model/errors.js';
import type { AnalyzeOptions, FailOn, RuleSetting } from '../model/options.js';
import { INPUT_KINDS, type InputKind } from '../model/records.js';
import { FORMATS, type Format } from '../report/formats.js';
import { makeTimeZone, parseDurationMs } from '../util/time.js';

export interface RawArgs {
  readonly input?: readonly (string | number)[];
  readonly format?: string;
  readonly output?: string;
  readonly 'fail-on'?: string;
  readonly 'burst-gap'?: string | number;
  readonly kind?: string;
  readonly year?: string | number;
  readonly tz?: string;
  readonly 'boot-time'?: string | number;
  readonly max?: string | number;
  readonly host?: string;
  readonly top?: string | number;
  readonly rule?: readonly (string | number)[] | string;
  readonly color?: boolean;
  readonly debug?: boolean;
  readonly 'max-bytes'?: string | number;
  readonly 'max-members'?: string | number;
  readonly 'memory-budget'?: string | number;
  readonly 'emit-sysctl'?: string;
  readonly redact?: boolean;
  readonly hash?: boolean;
  readonly since?: string;
  readonly until?: string;
  readonly quiet?: boolean;
  readonly jobs?: string | number;
}

export interface CliOptions {
  readonly inputs: readonly string[];
  readonly format: Format;
  readonly output: string | null;
  readonly failOn: FailOn;
  readonly color: boolean | undefined;
  readonly debug: boolean;
  /** --emit-sysctl FILE: write the recommended /etc/sysctl.d/ file (one host only). */
  readonly emitSysctl: string | null;
  readonly redact: boolean;
  readonly quiet: boolean;
  readonly analyze: AnalyzeOptions;
}

function bad(name: string, expected: string, got: unknown): UsageError {
  return new UsageError('CTD_INVALID_OPTION', `Invalid option --${name}: expected ${expected}, got "${String(got)}"`, { option: name });
}

function intOption(name: string, v: string | number | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (!/^\d+$/.test(s)) throw bad(name, `an integer from ${min} to ${max}`, v);
  const n = Number(s);
  if (n < min || n > max) throw bad(name, `an integer from ${min} to ${max}`, v);
  return n;
}

/** "2026-11-20T08:00:00Z", "2026-11-20 08:00:00+01:00" or epoch seconds → ms. */
export function parseInstant(name: string, v: string | number): number {
  const s = String(v).trim();
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    throw bad(name, 'an ISO 8601 time with a zone (2026-11-20T08:00:00Z) or epoch seconds', v);
  }
  const ms = Date.parse(s.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) throw bad(name, 'a valid time', v);
  return ms;
}

/** "4G", "500M", "64k", "1048576" → bytes. */
export function parseSize(name: string, v: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?[bB])?$/.exec(String(v).trim());
  if (!m) throw bad(name, 'a size like 500M, 4G or a number of bytes', v);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 1) throw bad(name, 'a size above zero', v);
  return n;
}

const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'never'];
const RULE_SETTINGS: readonly RuleSetting[] = ['off', 'error', 'warning', 'info'];

export function normalizeOptions(raw: RawArgs, knownRules: readonly string[]): CliOptions {
  // cli/main.ts hides a bare "-" from yargs as "\u0000stdin"
  const inputs = (raw.input ?? []).map(String).map((a) => (a === '\u0000stdin' ? '-' : a));
  if (inputs.filter((a) => a === '-').length > 1) throw bad('input', 'standard input (-) at most once', '- -');
  if (!inputs.length) throw new UsageError('CTD_INVALID_OPTION', 'Missing input: give one or more files, or - for standard input');
  const format = (raw.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw bad('format', FORMATS.join('|'), raw.format);
  const failOn = (raw['fail-on'] ?? 'error') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw bad('fail-on', FAIL_ON.join('|'), raw['fail-on']);
  let burstGapMs: number | undefined;
  if (raw['burst-gap'] !== undefined) {
    const ms = parseDurationMs(String(raw['burst-gap']));
    if (ms === null || ms <= 0) throw bad('burst-gap', 'a duration like "60s", "90s" or "5m"', raw['burst-gap']);
    burstGapMs = ms;
  }
  let kind: InputKind | undefined;
  if (raw.kind !== undefined) {
    if (!INPUT_KINDS.includes(raw.kind as InputKind)) throw bad('kind', INPUT_KINDS.join('|'), raw.kind);
    kind = raw.kind as InputKind;
  }
  const year = intOption('year', raw.year, 1970, 2100);
  if (raw.tz !== undefined && makeTimeZone(String(raw.tz)) === null) throw bad('tz', 'an IANA zone name (Europe/Berlin) or an offset like +05:30', raw.tz);
  const bootTimeMs = raw['boot-time'] !== undefined ? parseInstant('boot-time', raw['boot-time']) : undefined;
  const max = intOption('max', raw.max, 1, 2 ** 31);
  const top = intOption('top', raw.top, 1, 1000);
  const maxBytes = raw['max-bytes'] !== undefined ? parseSize('max-bytes', raw['max-bytes']) : undefined;
  const maxMembers = intOption('max-members', raw['max-members'], 1, 100_000_000);
  const jobs = intOption('jobs', raw.jobs, 0, 64);
  let memoryBudget: number | undefined;
  if (raw['memory-budget'] !== undefined) {
    const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(String(raw['memory-budget']).trim());
    const pct = m ? Number(m[1]) : NaN;
    if (!(pct > 0 && pct <= 100)) throw bad('memory-budget', 'a share of RAM in percent, like 5 or 2.5%', raw['memory-budget']);
    memoryBudget = pct / 100;
  }
  const sinceMs = raw.since !== undefined ? parseInstant('since', raw.since) : undefined;
  const untilMs = raw.until !== undefined ? parseInstant('until', raw.until) : undefined;
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) throw bad('until', 'a time after --since', raw.until);
  const rules: Record<string, RuleSetting> = {};
  const ruleArgs = raw.rule === undefined ? [] : Array.isArray(raw.rule) ? raw.rule : [raw.rule];
  for (const r of ruleArgs) {
    const m = /^([a-z0-9-]+)=(\w+)$/.exec(String(r));
    if (!m || !RULE_SETTINGS.includes(m[2] as RuleSetting)) throw bad('rule', 'ID=off|error|warning|info', r);
    if (!knownRules.includes(m[1]!)) throw bad('rule', `a rule id (${knownRules.join(', ')})`, m[1]);
    rules[m[1]!] = m[2] as RuleSetting;
  }
  const analyze: AnalyzeOptions = {
    ...(kind ? { kind } : {}),
    ...(year !== undefined ? { year } : {}),
    ...(raw.tz !== undefined ? { tz: String(raw.tz) } : {}),
    ...(bootTimeMs !== undefined ? { bootTimeMs } : {}),
    ...(burstGapMs !== undefined ? { burstGapMs } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(raw.host !== undefined ? { host: String(raw.host) } : {}),
    ...(top !== undefined ? { top } : {}),
    ...(Object.keys(rules).length ? { rules } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(maxMembers !== undefined ? { maxMembers } : {}),
    ...(memoryBudget !== undefined ? { memoryBudget } : {}),
    ...(raw.hash ? { hash: true } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
  };
  return {
    inputs, format, output: raw.output ?? null, failOn, color: raw.color, debug: raw.debug === true,
    emitSysctl: raw['emit-sysctl'] ?? null, redact: raw.redact === true, quiet: raw.quiet === true, analyze,
  };
}
