/**
 * `npm run bench`: generate (or reuse) the seeded data set, time ctdoctor and the shell one-liners it
 * replaces as whole processes on the same files, check ctdoctor's answers against the true counts, print
 * a table and write bench/results/latest.json and bench/results/README-table.md.
 *
 * Environment:
 *   BENCH_SCALE   data size relative to issue 7 (default 1; 0.05 for a quick run)
 *   BENCH_SEED    generator seed (default 7)
 *   BENCH_RUNS    timed runs per command (default 3; the median is reported; 1 when BENCH_SCALE < 0.25)
 *   BENCH_WARMUP  untimed runs first (default 1; 0 when BENCH_SCALE < 0.25)
 *   BENCH_ONLY    comma-separated case ids to run (default all)
 *   BENCH_DATA    data root (default bench/data)
 *
 * Figures are ratios of medians measured in this one run; no unit test is timed anywhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, tmpdir, platform, arch } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDropsWeek, ensureLongLine, generate, type KernelTruth, type LongLineTruth, type TableTruth, type TimelineTruth, type Truth } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The project root: bench/ in the source tree, dist/bench/ once compiled. */
const ROOT = existsSync(join(here, '..', 'package.json')) ? resolve(here, '..') : resolve(here, '..', '..');
const BIN = join(ROOT, 'bin', 'ctdoctor.js');
const TIME = '/usr/bin/time';

interface Env {
  readonly scale: number;
  readonly seed: number;
  readonly runs: number;
  readonly warmup: number;
  readonly only: readonly string[] | null;
  readonly dataRoot: string;
}

function readEnv(): Env {
  const num = (name: string, d: number): number => {
    const v = process.env[name];
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: expected a positive number`);
    return n;
  };
  const only = process.env['BENCH_ONLY'];
  const quick = num('BENCH_SCALE', 1) < 0.25;
  return {
    scale: num('BENCH_SCALE', 1),
    seed: Math.floor(num('BENCH_SEED', 7)),
    // a quick run (small scale) times once without warm-up, so BENCH_SCALE=0.05 stays well under a minute
    runs: Math.max(1, Math.floor(num('BENCH_RUNS', quick ? 1 : 3))),
    warmup: Math.floor(Number(process.env['BENCH_WARMUP'] ?? (quick ? '0' : '1'))) || 0,
    only: only ? only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    dataRoot: process.env['BENCH_DATA'] ? resolve(process.env['BENCH_DATA']) : join(ROOT, 'bench', 'data'),
  };
}

// ------------------------------------------------------------------ measuring one process

interface Measure {
  readonly seconds: number[];
  readonly medianSec: number;
  /** Peak RSS in KiB (the largest process of a pipeline, as GNU time reports it), or null. */
  readonly peakRssKiB: number | null;
  readonly exitCode: number;
  readonly stdout: string;
}

const hasTime = existsSync(TIME);
const rssMethod = hasTime
  ? '/usr/bin/time -f %M (ru_maxrss: for a pipeline, the largest process in it)'
  : 'not measured (/usr/bin/time missing)';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run argv (argv[0] is the program) with LC_ALL=C; timed as a whole process. */
function once(argv: readonly string[], rssFile: string): { sec: number; rss: number | null; code: number; stdout: string } {
  const cmd = hasTime ? [TIME, '-f', '%M', '-o', rssFile, ...argv] : [...argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    env: { ...process.env, LC_ALL: 'C', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  let rss: number | null = null;
  if (hasTime && existsSync(rssFile)) {
    // GNU time writes "Command exited with non-zero status N" before the figure when the exit is not 0
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const v = Number(lines[lines.length - 1]);
    rss = Number.isFinite(v) ? v : null;
  }
  return { sec, rss, code: r.status ?? -1, stdout: r.stdout + (r.status !== 0 && r.status !== 1 ? r.stderr : '') };
}

/**
 * Time several commands of one case INTERLEAVED: each warm-up round and each timed round runs every
 * command once, in order, so that a drift of the machine's speed (this VM drifts by ±30 % within
 * minutes) falls on ctdoctor and its baselines alike and their ratio stays meaningful.
 */
function measureAll(argvs: readonly (readonly string[])[], env: Env, okCodes: readonly number[]): Measure[] {
  const rssFile = join(tmpdir(), `ctd-bench-rss-${process.pid}`);
  for (let i = 0; i < env.warmup; i++) for (const argv of argvs) once(argv, rssFile);
  const acc = argvs.map(() => ({ seconds: [] as number[], peak: null as number | null, code: 0, stdout: '' }));
  for (let i = 0; i < env.runs; i++) {
    argvs.forEach((argv, k) => {
      const r = once(argv, rssFile);
      if (!okCodes.includes(r.code)) throw new Error(`${argv.join(' ')}: exit ${r.code}\n${r.stdout.slice(0, 2000)}`);
      const a = acc[k]!;
      a.seconds.push(r.sec);
      if (r.rss !== null) a.peak = Math.max(a.peak ?? 0, r.rss);
      a.code = r.code;
      a.stdout = r.stdout;
    });
  }
  rmSync(rssFile, { force: true });
  return acc.map((a) => ({ seconds: a.seconds, medianSec: median(a.seconds), peakRssKiB: a.peak, exitCode: a.code, stdout: a.stdout }));
}

// ------------------------------------------------------------------ cases

type Check = (report: ReportLike) => string[];

interface Baseline {
  readonly id: string;
  readonly label: string;
  /** A shell pipeline run by `bash -c` (pipelines use pipefail off, as a person types them). */
  readonly shell: string;
}

interface Case {
  readonly id: string;
  readonly file: string;
  readonly describe: string;
  readonly baselines: readonly Baseline[];
  readonly check: Check;
  /** Targets: ctdoctor median ≤ ratio × baseline median. */
  readonly targets: readonly { readonly baseline: string; readonly ratio: number; readonly stretch?: boolean }[];
  /** Kernel logs: the true number of drop lines (a grep baseline that counts otherwise is noted). */
  readonly dropLines?: number;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const WC: (f: string) => Baseline = (f) => ({ id: 'wc', label: 'wc -l', shell: `wc -l ${q(f)}` });
const STATES: (f: string) => Baseline = (f) => ({ id: 'states', label: "awk '{print $4}' | sort | uniq -c | sort -rn", shell: `awk '{print $4}' ${q(f)} | sort | uniq -c | sort -rn` });
const SOURCES: (f: string) => Baseline = (f) => ({ id: 'sources', label: "grep -oP 'src=\\K[^ ]+' | sort | uniq -c | sort -rn | head", shell: `grep -oP 'src=\\K[^ ]+' ${q(f)} | sort | uniq -c | sort -rn | head` });
const GREP: (f: string) => Baseline = (f) => ({ id: 'grep', label: "grep -c 'table full, dropping packet'", shell: `grep -c 'table full, dropping packet' ${q(f)}` });
const SORT: (f: string) => Baseline = (f) => ({ id: 'sort', label: 'sort -k3 -n | tail -1', shell: `sort -k3 -n ${q(f)} | tail -1` });

// The parts of the JSON report the checks read (the report's own types live in src/model/report.ts).
interface ReportLike {
  readonly inputs: readonly { readonly status: string; readonly lines: { readonly total: number; readonly parsed: number; readonly ignored: number; readonly malformed: number }; readonly issues?: readonly { readonly code: string }[]; readonly dropLines: number }[];
  readonly hosts: readonly {
    readonly drops: { readonly logged: number; readonly suppressed: number; readonly suppressedUnattributed: number; readonly perMinute: readonly { readonly count?: number }[]; readonly bursts: readonly { readonly logged: number; readonly suppressed: number; readonly peakPerMinute: number }[] };
    readonly table: null | {
      readonly entries: number; readonly declaredEntries: number | null; readonly byFamily: Record<string, number>; readonly byProtocol: Record<string, number>;
      readonly byState: Record<string, number>; readonly flags: { readonly assured: number; readonly unreplied: number; readonly offload: number };
      readonly nat: number; readonly zones: Record<string, number>; readonly approximate?: boolean;
      readonly topSources: readonly { readonly ip: string; readonly count: number }[];
    };
    readonly timeline: null | { readonly samples: number; readonly peak: { readonly count: number; readonly at: string } | null; readonly min: number | null; readonly mean: number | null };
  }[];
}

function eq(errs: string[], what: string, got: unknown, want: unknown): void {
  const g = JSON.stringify(sorted(got));
  const w = JSON.stringify(sorted(want));
  if (g !== w) errs.push(`${what}: got ${g.slice(0, 300)}, want ${w.slice(0, 300)}`);
}

/** Objects with keys sorted (so key order never decides a comparison). */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = sorted((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

function oneInput(r: ReportLike, errs: string[], lines: number): void {
  const i = r.inputs[0];
  if (!i || i.status !== 'parsed') { errs.push(`input status ${i?.status}`); return; }
  eq(errs, 'lines.total', i.lines.total, lines);
  eq(errs, 'lines.malformed', i.lines.malformed, 0);
  if (i.lines.total !== i.lines.parsed + i.lines.ignored + i.lines.malformed) errs.push('line account does not balance');
}

function tableCheck(t: TableTruth): Check {
  return (r) => {
    const errs: string[] = [];
    oneInput(r, errs, t.lines);
    const tab = r.hosts[0]?.table;
    if (!tab) return [...errs, 'no table section'];
    eq(errs, 'entries', tab.entries, t.entries);
    eq(errs, 'declaredEntries', tab.declaredEntries, t.declaredEntries);
    eq(errs, 'byFamily', tab.byFamily, t.byFamily);
    eq(errs, 'byProtocol', tab.byProtocol, t.byProtocol);
    eq(errs, 'byState', tab.byState, t.byState);
    eq(errs, 'flags', tab.flags, t.flags);
    eq(errs, 'nat', tab.nat, t.nat);
    eq(errs, 'zones', tab.zones, t.zones);
    eq(errs, 'topSources', tab.topSources.slice(0, 10).map((s) => ({ ip: s.ip, count: s.count })), t.topSources);
    return errs;
  };
}

function kernelCheck(t: KernelTruth): Check {
  return (r) => {
    const errs: string[] = [];
    oneInput(r, errs, t.lines);
    eq(errs, 'dropLines', r.inputs[0]?.dropLines, t.dropLines);
    const d = r.hosts[0]?.drops;
    if (!d) return [...errs, 'no drops section'];
    eq(errs, 'drops.logged', d.logged, t.dropLines);
    eq(errs, 'drops.suppressed', d.suppressed, t.suppressed);
    eq(errs, 'drops.suppressedUnattributed', d.suppressedUnattributed, 0);
    eq(errs, 'bursts', d.bursts.map((b) => ({ logged: b.logged, suppressed: b.suppressed })), t.bursts);
    eq(errs, 'peakPerMinute', Math.max(0, ...d.bursts.map((b) => b.peakPerMinute)), t.peakPerMinute);
    return errs;
  };
}

/** The long-line kern.log: exactly one malformed `line-too-long` line, and only the real drop lines counted. */
function longLineCheck(t: LongLineTruth): Check {
  return (r) => {
    const errs: string[] = [];
    const i = r.inputs[0];
    if (!i || i.status !== 'parsed') return [`input status ${i?.status}`];
    eq(errs, 'lines.total', i.lines.total, t.lines);
    eq(errs, 'lines.malformed', i.lines.malformed, t.tooLong);
    eq(errs, 'issues', (i.issues ?? []).map((x) => x.code), ['line-too-long']);
    if (i.lines.total !== i.lines.parsed + i.lines.ignored + i.lines.malformed) errs.push('line account does not balance');
    eq(errs, 'dropLines', i.dropLines, t.dropLines);
    eq(errs, 'drops.logged', r.hosts[0]?.drops.logged, t.dropLines);
    return errs;
  };
}

function timelineCheck(t: TimelineTruth): Check {
  return (r) => {
    const errs: string[] = [];
    oneInput(r, errs, t.lines);
    const tl = r.hosts[0]?.timeline;
    if (!tl) return [...errs, 'no timeline section'];
    eq(errs, 'samples', tl.samples, t.samples);
    eq(errs, 'peak', tl.peak && { count: tl.peak.count, at: tl.peak.at }, t.peak);
    eq(errs, 'min', tl.min, t.min);
    // the report's mean is time-weighted over the sample intervals; with a sample every minute it
    // differs from the plain mean only by the last sample's share
    if (tl.mean === null || Math.abs(tl.mean - t.mean) > Math.max(1, t.mean * 1e-4)) errs.push(`mean: got ${tl.mean}, want about ${t.mean}`);
    return errs;
  };
}

function cases(dir: string, truth: Truth, longLine: LongLineTruth | null, dropsWeek: KernelTruth | null): Case[] {
  const f = (n: string): string => join(dir, n);
  const tt = (n: string): TableTruth => (truth.files[n] as { truth: TableTruth }).truth;
  const kt = (n: string): KernelTruth => (truth.files[n] as { truth: KernelTruth }).truth;
  const ut = (n: string): TimelineTruth => (truth.files[n] as { truth: TimelineTruth }).truth;
  return [
    {
      id: 'capture-L-1m', file: f('conntrack-L-1m.txt'), describe: '`conntrack -L`, full table analysis',
      baselines: [WC(f('conntrack-L-1m.txt')), STATES(f('conntrack-L-1m.txt')), SOURCES(f('conntrack-L-1m.txt'))],
      check: tableCheck(tt('conntrack-L-1m.txt')),
      targets: [{ baseline: 'states', ratio: 1.0 }, { baseline: 'sources', ratio: 0.6 }, { baseline: 'states', ratio: 0.6, stretch: true }],
    },
    {
      id: 'capture-L-2m', file: f('conntrack-L-2m.txt'), describe: '`conntrack -L`, twice the entries',
      baselines: [WC(f('conntrack-L-2m.txt')), STATES(f('conntrack-L-2m.txt')), SOURCES(f('conntrack-L-2m.txt'))],
      check: tableCheck(tt('conntrack-L-2m.txt')),
      targets: [{ baseline: 'states', ratio: 1.0 }, { baseline: 'sources', ratio: 0.6 }],
    },
    {
      id: 'proc-1m', file: f('proc-nf_conntrack-1m.txt'), describe: '/proc/net/nf_conntrack (IPv6 expanded)',
      baselines: [WC(f('proc-nf_conntrack-1m.txt')), SOURCES(f('proc-nf_conntrack-1m.txt'))],
      check: tableCheck(tt('proc-nf_conntrack-1m.txt')),
      targets: [{ baseline: 'sources', ratio: 0.6 }],
    },
    {
      id: 'proc-2m', file: f('proc-nf_conntrack-2m.txt'), describe: '/proc/net/nf_conntrack, twice the entries',
      baselines: [WC(f('proc-nf_conntrack-2m.txt')), SOURCES(f('proc-nf_conntrack-2m.txt'))],
      check: tableCheck(tt('proc-nf_conntrack-2m.txt')),
      targets: [{ baseline: 'sources', ratio: 0.6 }],
    },
    {
      id: 'kern-log', file: f('kern.log'), describe: 'kern.log (syslog framing), kernel-log analysis',
      baselines: [WC(f('kern.log')), GREP(f('kern.log'))], check: kernelCheck(kt('kern.log')), dropLines: kt('kern.log').dropLines,
      targets: [{ baseline: 'grep', ratio: 2.5 }],
    },
    {
      id: 'dmesg', file: f('dmesg.txt'), describe: 'raw dmesg, kernel-log analysis',
      baselines: [WC(f('dmesg.txt')), GREP(f('dmesg.txt'))], check: kernelCheck(kt('dmesg.txt')), dropLines: kt('dmesg.txt').dropLines,
      targets: [{ baseline: 'grep', ratio: 2.5 }],
    },
    {
      id: 'journal-json', file: f('journal.json'), describe: '`journalctl -o json` export',
      baselines: [WC(f('journal.json')), GREP(f('journal.json'))], check: kernelCheck(kt('journal.json')), dropLines: kt('journal.json').dropLines,
      targets: [{ baseline: 'grep', ratio: 3 }],
    },
    {
      id: 'usage-year', file: f('usage.log'), describe: 'per-minute usage timeline, one year',
      baselines: [WC(f('usage.log')), SORT(f('usage.log'))], check: timelineCheck(ut('usage.log')),
      targets: [{ baseline: 'sort', ratio: 3 }],
    },
    ...(longLine === null ? [] : [{
      id: 'long-line', file: f('long-line.log'), describe: 'kern.log with one 200 MB line (issue 8)',
      baselines: [WC(f('long-line.log'))], check: longLineCheck(longLine), targets: [],
    }]),
    ...(dropsWeek === null ? [] : [{
      id: 'drops-week', file: f('drops-week.log'), describe: 'kern.log, a week of drops: one line a second (round 15)',
      baselines: [WC(f('drops-week.log')), GREP(f('drops-week.log'))], check: kernelCheck(dropsWeek), dropLines: dropsWeek.dropLines, targets: [],
    }]),
  ];
}

// ------------------------------------------------------------------ versions and machine

function firstLine(argv: readonly string[]): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '');
  return out?.trim() ?? 'unknown';
}

function toolVersions(): Record<string, string> {
  // mawk knows -W version, gawk --version; which one `awk` is changes the states baseline a lot
  let awk = firstLine(['awk', '-W', 'version']);
  if (!/mawk|awk/i.test(awk) || /not an option|usage/i.test(awk)) awk = firstLine(['awk', '--version']);
  return {
    node: process.version,
    awk,
    grep: firstLine(['grep', '--version']),
    sort: firstLine(['sort', '--version']),
    wc: firstLine(['wc', '--version']),
    time: hasTime ? firstLine([TIME, '--version']) : 'absent',
  };
}

function machine(): Record<string, string | number> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
  };
}

// ------------------------------------------------------------------ main

interface Row {
  readonly caseId: string;
  readonly command: string;
  readonly tool: 'ctdoctor' | 'baseline';
  readonly baselineId: string | null;
  readonly medianSec: number;
  readonly seconds: readonly number[];
  readonly mbPerSec: number;
  readonly peakRssMiB: number | null;
  /** ctdoctor median / this baseline's median (baselines only). */
  readonly ctdoctorRatio: number | null;
}

function fmt(n: number, d = 2): string {
  return n.toFixed(d);
}

function main(): void {
  const env = readEnv();
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')) && !existsSync(BIN)) throw new Error('build first: npm run build');
  mkdirSync(env.dataRoot, { recursive: true });
  const log = (s: string): void => { process.stderr.write(`${s}\n`); };
  const t0 = Date.now();
  const { dir, truth } = generate(env.dataRoot, { scale: env.scale, seed: env.seed }, log);
  log(`data ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${dir}`);
  // the long-line file is made on demand (its own cache beside the data set)
  const longLine = env.only === null || env.only.includes('long-line') ? ensureLongLine(dir, { scale: env.scale, seed: env.seed }, log) : null;
  const dropsWeek = env.only === null || env.only.includes('drops-week') ? ensureDropsWeek(dir, { scale: env.scale, seed: env.seed }, log) : null;
  const all = cases(dir, truth, longLine, dropsWeek).filter((c) => env.only === null || env.only.includes(c.id));
  const rows: Row[] = [];
  const failures: string[] = [];
  const targetResults: { caseId: string; baseline: string; ratio: number; measured: number; met: boolean; stretch: boolean }[] = [];
  const memory: { caseId: string; peakRssMiB: number | null; met: boolean }[] = [];
  const outFile = join(tmpdir(), `ctd-bench-${process.pid}.json`);
  for (const c of all) {
    const bytes = statSync(c.file).size;
    const mb = bytes / 1e6;
    log(`${c.id}: ${fmt(mb, 0)} MB — ctdoctor, ${c.baselines.map((b) => b.label).join(', ')} (interleaved)`);
    const [ctd, ...baseMeasures] = measureAll([
      [process.execPath, BIN, 'analyze', c.file, '--format', 'json', '-o', outFile],
      ...c.baselines.map((b) => ['bash', '-c', b.shell]),
    ], env, [0, 1]) as [Measure, ...Measure[]];
    const report = JSON.parse(readFileSync(outFile, 'utf8')) as ReportLike;
    rmSync(outFile, { force: true });
    const errs = c.check(report);
    if (errs.length) failures.push(...errs.map((e) => `${c.id}: ${e}`));
    const ctdRss = ctd.peakRssKiB === null ? null : ctd.peakRssKiB / 1024;
    rows.push({
      caseId: c.id, command: 'ctdoctor analyze --format json', tool: 'ctdoctor', baselineId: null,
      medianSec: ctd.medianSec, seconds: ctd.seconds, mbPerSec: mb / ctd.medianSec, peakRssMiB: ctdRss, ctdoctorRatio: null,
    });
    memory.push({ caseId: c.id, peakRssMiB: ctdRss, met: ctdRss !== null && ctdRss <= 150 });
    const medians = new Map<string, number>();
    for (const [k, b] of c.baselines.entries()) {
      const m = baseMeasures[k]!;
      medians.set(b.id, m.medianSec);
      rows.push({
        caseId: c.id, command: b.label, tool: 'baseline', baselineId: b.id, medianSec: m.medianSec, seconds: m.seconds,
        mbPerSec: mb / m.medianSec, peakRssMiB: m.peakRssKiB === null ? null : m.peakRssKiB / 1024, ctdoctorRatio: ctd.medianSec / m.medianSec,
      });
      if (b.id === 'grep' && c.dropLines !== undefined) {
        const n = Number(m.stdout.trim());
        const want = c.dropLines;
        // grep sees the byte-array MESSAGEs of the journal only as numbers: it undercounts there
        if (n !== want) log(`  note: grep counts ${n} drop lines, the truth is ${want}`);
      }
    }
    for (const t of c.targets) {
      const base = medians.get(t.baseline);
      if (base === undefined) continue;
      const measured = ctd.medianSec / base;
      targetResults.push({ caseId: c.id, baseline: t.baseline, ratio: t.ratio, measured, met: measured <= t.ratio, stretch: t.stretch === true });
    }
  }
  // flat memory: the 2M-entry captures may not need much more than the 1M ones
  const rssOf = (id: string): number | null => memory.find((m) => m.caseId === id)?.peakRssMiB ?? null;
  const flat: { pair: string; ratio: number; met: boolean }[] = [];
  for (const [a, b] of [['capture-L-1m', 'capture-L-2m'], ['proc-1m', 'proc-2m']] as const) {
    const x = rssOf(a);
    const y = rssOf(b);
    if (x !== null && y !== null) flat.push({ pair: `${b} / ${a}`, ratio: y / x, met: y / x <= 1.2 });
  }

  const versions = toolVersions();
  const mach = machine();
  const header = '| case | command | median s | MB/s | peak RSS MiB | ctdoctor ÷ this |';
  const lines = [header, '|---|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.caseId} | ${r.tool === 'ctdoctor' ? '**ctdoctor**' : '`' + r.command.replace(/\|/g, '\\|') + '`'} | ${fmt(r.medianSec)} | ${fmt(r.mbPerSec, 0)} | ${r.peakRssMiB === null ? '—' : fmt(r.peakRssMiB, 0)} | ${r.ctdoctorRatio === null ? '' : fmt(r.ctdoctorRatio) + '×'} |`);
  }
  const tlines = ['| case | target | measured | met |', '|---|---|---:|---|'];
  for (const t of targetResults) tlines.push(`| ${t.caseId} | ≤ ${t.ratio}× ${t.baseline}${t.stretch ? ' (stretch)' : ''} | ${fmt(t.measured)}× | ${t.met ? 'yes' : 'no'} |`);
  for (const m of memory) tlines.push(`| ${m.caseId} | peak RSS ≤ 150 MiB | ${m.peakRssMiB === null ? '—' : fmt(m.peakRssMiB, 0) + ' MiB'} | ${m.met ? 'yes' : 'no'} |`);
  for (const f of flat) tlines.push(`| ${f.pair} | RSS flat (≤ 1.2×) | ${fmt(f.ratio)}× | ${f.met ? 'yes' : 'no'} |`);
  const when = new Date().toISOString().slice(0, 10);
  // which code ran: the commit, and whether the tree differed from it
  const rev = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  const commit = rev.status === 0 ? `${rev.stdout.trim()}${dirty.status === 0 && dirty.stdout.trim() !== '' ? ' (with uncommitted changes)' : ''}` : 'unknown (not a git checkout)';
  const md = [
    `Benchmark (\`npm run bench\`, BENCH_SCALE=${env.scale}, seed ${env.seed}, median of ${env.runs} runs after ${env.warmup} warm-up, LC_ALL=C), ${when}.`,
    `Machine: ${mach.cpu}, ${mach.cores} cores, ${mach.memoryGiB} GiB, ${mach.os}. Tools: node ${versions.node}; ${versions.awk}; ${versions.grep}; ${versions.sort}.`,
    `Code: ${commit}.`,
    `Peak RSS: ${rssMethod}. Answers checked against the generator's true counts: ${failures.length === 0 ? 'all match' : failures.length + ' MISMATCHES'}.`,
    '',
    ...lines,
    '',
    ...tlines,
    '',
  ].join('\n');
  process.stdout.write(`\n${md}\n`);
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const json = {
    date: new Date().toISOString(), commit, params: { scale: env.scale, seed: env.seed, runs: env.runs, warmup: env.warmup },
    machine: mach, versions, rssMethod, dataDir: dir, rows, targets: targetResults, memory, flatMemory: flat, failures,
  };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  // the committed table and its JSON twin reflect full-scale runs only (a quick run does not overwrite
  // them): git history then compares runs across commits
  if (env.scale === 1 && env.only === null) {
    writeFileSync(join(resultsDir, 'README-table.md'), `${md}`);
    writeFileSync(join(resultsDir, 'full-run.json'), `${JSON.stringify({ ...json, dataDir: undefined }, null, 2)}\n`);
  }
  if (failures.length) {
    process.stderr.write(`\nBENCH FAILED: ctdoctor's answers differ from the true counts:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main();
