/**
 * The CLI: yargs wiring only. Parses argv, runs the pipeline, renders, writes, sets the exit code.
 * Never calls process.exit() after writing (piped output would be cut); known errors print one line.
 */
import yargs from 'yargs';
import { readFileSync, rmSync } from 'node:fs';
import { CtdError, UsageError } from '../model/errors.js';
import { FORMATS, type Format } from '../report/formats.js';
import { sanitizeText } from '../report/sanitize.js';
import { rules } from '../rules/index.js';
import { INPUT_KINDS } from '../model/records.js';
import type { Finding, Report, Severity } from '../model/report.js';
import type { FailOn } from '../model/options.js';
import type { Renderer } from '../report/types.js';
import { ROLES, type Role } from '../analysis/recommend.js';
import { VERSION } from '../version.js';
import { EXIT } from './exit.js';
import { normalizeOptions, parseSize, type RawArgs } from './options.js';
import { pendingTemps, writeAtomic, writeStdout } from './output.js';
import { renderRulesList } from './rules-list.js';
import { makeProgress } from './progress.js';

const RANK: Readonly<Record<Severity, number>> = { error: 3, warning: 2, info: 1 };

// The pipeline and the renderers load only when a command needs them: start-up is a large share of a
// small run (yargs alone costs ~140 ms), and `rules` or `--help` need none of it.
const loadAnalysis = (): Promise<typeof import('../analyze.js')> => import('../analyze.js');
const loadReport = (): Promise<typeof import('../report/index.js')> => import('../report/index.js');

/** The renderer of one format, loading only that renderer's module (junit also needs the rule list). */
async function loadRenderer(format: Format): Promise<Renderer> {
  switch (format) {
    case 'text': {
      const [t, s] = await Promise.all([import('../report/text.js'), import('../report/text-sections.js')]);
      return (r, o) => t.renderText(r, o, s.hostSections);
    }
    case 'json': return (await import('../report/json.js')).renderJson;
    case 'ndjson': return (await import('../report/ndjson.js')).renderNdjson;
    case 'markdown': return (await import('../report/markdown.js')).renderMarkdown;
    case 'html': return (await import('../report/html.js')).renderHtml;
    case 'github': return (await import('../report/github.js')).renderGithub;
    case 'junit': {
      const j = await import('../report/junit.js');
      const list = rules.map((x) => ({ id: x.id, severity: x.severity, summary: x.docs.summary }));
      return (r, o) => j.renderJunit(r, { ...o, rules: list });
    }
  }
}

export function failsOn(findings: readonly Finding[], failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => RANK[f.severity] >= RANK[failOn]);
}

const EPILOG = `Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 usage error,
an unusable input named on the command line, no usable input at all, or a bundle
cap/damage/refusal that kept data out (the report is still written); 3 internal
error; 130 interrupted.`;

function say(line: string): void {
  // file names and messages may carry terminal escapes (hostile uploads): make them visible
  process.stderr.write(`ctdoctor: ${sanitizeText(line)}\n`);
}

async function emit(text: string, output: string | null): Promise<void> {
  if (output !== null) await writeAtomic(output, text);
  else await writeStdout(text); // false when the reader went away (| head): exit quietly
}

async function runAnalyze(raw: RawArgs): Promise<void> {
  const opts = normalizeOptions(raw, rules.map((r) => r.id));
  const progress = makeProgress(process.stderr, !opts.quiet);
  const [{ runAnalysis }, render] = await Promise.all([loadAnalysis(), loadRenderer(opts.format)]);
  const redactReport = opts.redact ? (await loadReport()).redactReport : null;
  let result;
  try {
    result = await runAnalysis(opts.inputs, { ...opts.analyze, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) });
  } finally {
    progress.done();
  }
  if (!opts.quiet) {
    for (const f of result.failedExplicit) say(f.message);
    for (const p of result.problems) say(p);
  } else {
    for (const f of result.failedExplicit) say(f.message);
  }
  if (opts.analyze.host !== undefined && result.report.hosts.length === 0 && !result.noUsableInput) {
    throw new UsageError('CTD_INVALID_OPTION', `Invalid option --host: no host named "${opts.analyze.host}" in these inputs`);
  }
  if (result.noUsableInput) {
    for (const s of result.report.inputs.filter((i) => i.status === 'skipped')) say(`${s.path}: skipped (${s.reason ?? 'nothing to read'})`);
    say('no usable input');
    process.exitCode = EXIT.USAGE;
    // machines still get the report: its inputs[] say why nothing could be used (text readers have stderr)
    if (opts.format !== 'text' || opts.output !== null) {
      const r = redactReport ? redactReport(result.report) : result.report;
      await emit(render(r, { color: false, failOn: opts.failOn }), opts.output);
    }
    return;
  }
  const report: Report = redactReport ? redactReport(result.report) : result.report;
  const color = opts.format === 'text' && opts.output === null
    ? (opts.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']))
    : false;
  await emit(render(report, { color, failOn: opts.failOn }), opts.output);
  if (opts.emitSysctl !== null) {
    const withRec = report.hosts.filter((h) => h.recommendations);
    if (withRec.length !== 1) {
      throw new UsageError('CTD_INVALID_OPTION', withRec.length === 0
        ? 'Invalid option --emit-sysctl: no recommendation to write (the inputs say nothing of the max, the demand or the RAM)'
        : `Invalid option --emit-sysctl: ${withRec.length} hosts have recommendations; pick one with --host`);
    }
    await writeAtomic(opts.emitSysctl, withRec[0]!.recommendations!.sysctlFile);
  }
  // 2 also when a bundle cap, damage or refusal kept data out (the report was still written)
  const keptOut = report.inputs.some((i) => i.status === 'refused' || i.status === 'failed') || result.problems.some((p) => !p.includes('.tailed'));
  process.exitCode = result.failedExplicit.length || keptOut ? EXIT.USAGE : failsOn(report.findings, opts.failOn) ? EXIT.FINDINGS : EXIT.OK;
}

/** A diff side: a JSON report written by `--format json`, or inputs to analyse now. */
async function loadSide(path: string, raw: RawArgs): Promise<Report> {
  if (/\.json$/i.test(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new UsageError('CTD_INVALID_OPTION', `${path}: not a JSON report (${(e as Error).message.split('\n')[0]})`);
    }
    const r = parsed as Partial<Report>;
    if (!r || r.schemaVersion !== 1 || !Array.isArray(r.hosts) || !Array.isArray(r.inputs)) {
      throw new UsageError('CTD_INVALID_OPTION', `${path}: not a ctdoctor report (schemaVersion 1)`);
    }
    return r as Report;
  }
  const opts = normalizeOptions({ ...raw, input: [path] }, rules.map((x) => x.id));
  const res = await (await loadAnalysis()).runAnalysis([path], opts.analyze);
  for (const f of res.failedExplicit) say(f.message);
  if (res.failedExplicit.length || res.noUsableInput) throw new UsageError('CTD_INVALID_OPTION', `${path}: no usable input to compare`);
  return res.report;
}

async function runDiff(raw: RawArgs & { before: string; after: string }): Promise<void> {
  const fmt = raw.format ?? 'text';
  if (fmt !== 'text' && fmt !== 'json') throw new UsageError('CTD_INVALID_OPTION', `Invalid option --format: expected text|json for diff, got "${fmt}"`);
  const before = await loadSide(raw.before, raw);
  const after = await loadSide(raw.after, raw);
  const { diffReports, renderDiffJson, renderDiffText } = await loadReport();
  const d = diffReports(before, after);
  await emit(fmt === 'json' ? renderDiffJson(d) : renderDiffText(d), raw.output ?? null);
  process.exitCode = d.worse ? EXIT.FINDINGS : EXIT.OK;
}

interface RecommendArgs {
  readonly ram?: string;
  readonly cpus?: number;
  readonly kernel?: string;
  readonly peak?: number;
  readonly 'current-max'?: number;
  readonly role?: string;
  readonly 'memory-budget'?: string;
  readonly format?: string;
  readonly output?: string;
  readonly 'emit-sysctl'?: string;
  readonly full?: boolean;
}

async function runRecommend(a: RecommendArgs): Promise<void> {
  const fmt = a.format ?? 'text';
  if (fmt !== 'text' && fmt !== 'json') throw new UsageError('CTD_INVALID_OPTION', `Invalid option --format: expected text|json for recommend, got "${fmt}"`);
  const num = (name: string, v: number | undefined): number | null => {
    if (v === undefined) return null;
    if (!Number.isInteger(v) || v < 1) throw new UsageError('CTD_INVALID_OPTION', `Invalid option --${name}: expected a positive integer, got "${String(v)}"`);
    return v;
  };
  const role = a.role as Role | undefined;
  if (role !== undefined && !ROLES.includes(role)) throw new UsageError('CTD_INVALID_OPTION', `Invalid option --role: expected ${ROLES.join('|')}, got "${a.role}"`);
  if (a.kernel !== undefined && !/^\d+\.\d+/.test(a.kernel)) throw new UsageError('CTD_INVALID_OPTION', `Invalid option --kernel: expected a release like 5.15.0-91-generic, got "${a.kernel}"`);
  const budgetPct = a['memory-budget'] !== undefined ? Number(String(a['memory-budget']).replace(/%$/, '')) : 5;
  if (!(budgetPct > 0 && budgetPct <= 100)) throw new UsageError('CTD_INVALID_OPTION', `Invalid option --memory-budget: expected a share of RAM in percent, got "${String(a['memory-budget'])}"`);
  const peak = num('peak', a.peak);
  const currentMax = num('current-max', a['current-max']);
  const cpus = num('cpus', a.cpus);
  const ram = a.ram !== undefined ? parseSize('ram', a.ram) : null;
  if (peak === null && currentMax === null && ram === null && role === undefined) {
    throw new UsageError('CTD_INVALID_OPTION', 'recommend needs at least one of --peak, --current-max, --ram or --role');
  }
  const settings: Record<string, number> = Object.create(null) as Record<string, number>;
  if (currentMax !== null) settings['net.netfilter.nf_conntrack_max'] = currentMax;
  const [{ recommend }, { renderRecommendationsText }] = await Promise.all([import('../analysis/recommend.js'), import('../report/text/recommendations.js')]);
  const r = recommend({
    host: null, settings, kernel: a.kernel ?? null, memTotalBytes: ram, cpus, entryBytes: null,
    demand: peak !== null ? { count: peak, what: '--peak', evidence: [] } : null,
    tableFull: peak !== null && currentMax !== null && peak >= 0.98 * currentMax,
    table: null, ...(role ? { role } : {}), memoryBudget: budgetPct / 100, kubeProxySeen: role === 'k8s-node', toolVersion: VERSION,
  });
  const text = fmt === 'json' ? `${JSON.stringify({ recommendations: r }, null, 2)}\n` : `${renderRecommendationsText(r, { width: 80, emitHint: false }).join('\n')}\n`;
  await emit(text, a.output ?? null);
  if (a['emit-sysctl']) await writeAtomic(a['emit-sysctl'], r.sysctlFile);
  process.exitCode = EXIT.OK;
}

function analyzeOptions<T>(y: import('yargs').Argv<T>): import('yargs').Argv<T> {
  return y
    .option('format', { alias: 'f', type: 'string', default: 'text', describe: `Report format: ${FORMATS.join('|')}` })
    .option('output', { alias: 'o', type: 'string', describe: 'Write the report to FILE (atomically) instead of stdout' })
    .option('fail-on', { type: 'string', default: 'error', describe: 'Exit 1 when a finding is at or above: error|warning|info|never' })
    .option('burst-gap', { type: 'string', default: '60s', describe: 'Drops further apart start a new burst (90s, 5m)' })
    .option('kind', { type: 'string', describe: `Force the kind of the inputs: ${INPUT_KINDS.join('|')}` })
    .option('year', { type: 'number', describe: 'Year of stamps that carry none (syslog, journal short)' })
    .option('tz', { type: 'string', describe: 'Zone of stamps without one: IANA name or ±HH:MM (default UTC)' })
    .option('boot-time', { type: 'string', describe: 'Boot time (ISO 8601 with zone, or epoch s): places [uptime] stamps on the wall clock' })
    .option('since', { type: 'string', describe: 'Analyse only dated records at or after this time (ISO 8601 with zone)' })
    .option('until', { type: 'string', describe: 'Analyse only dated records before this time' })
    .option('max', { type: 'number', describe: 'nf_conntrack_max in force, when no input says it' })
    .option('host', { type: 'string', describe: 'Report only this host' })
    .option('top', { type: 'number', describe: 'Length of the top-talker lists (default 10)' })
    .option('rule', { type: 'string', array: true, describe: 'Re-grade or silence a rule: ID=off|error|warning|info (repeatable)' })
    .option('emit-sysctl', { type: 'string', describe: 'Write the recommended /etc/sysctl.d/ file to FILE (atomically)' })
    .option('memory-budget', { type: 'string', describe: 'Share of RAM (%) the table may take before demand reduction comes first (default 5)' })
    .option('max-bytes', { type: 'string', describe: 'Cap on decompressed bytes read from bundles (default 4G)' })
    .option('max-members', { type: 'number', describe: 'Cap on members read from bundles (default 100000)' })
    .option('redact', { type: 'boolean', describe: 'Replace IP addresses and host names with consistent pseudonyms in every format' })
    .option('hash', { type: 'boolean', describe: "Record each input's SHA-256 in the report" })
    .option('jobs', { alias: 'j', type: 'string', describe: 'Worker threads reading large inputs in parallel: several files (default one per spare core, at most 3), byte ranges of one big kernel log or journal (default one per spare core, at most 3, beside this thread), one thread counting a big capture\'s destination, port and pair tallies; 0 = none' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'No progress bar and no warnings on stderr (errors still print)' })
    .option('color', { type: 'boolean', describe: 'Colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces of internal errors' });
}

/**
 * The first `--name` / `-n` in argv (before a `--`) that the parser `y` (the CLI's yargs instance, which
 * holds the running command's options when its fail handler runs) knows under no name or alias, or null.
 */
function unknownFlag(argv: readonly string[], y: unknown): string | null {
  const o = (y as { getOptions?(): { key: Record<string, unknown>; alias: Record<string, readonly string[]> } }).getOptions?.();
  if (!o) return null;
  const known = new Set<string>(Object.keys(o.key));
  for (const [k, names] of Object.entries(o.alias)) {
    known.add(k);
    for (const n of names) known.add(n);
  }
  for (const a of argv) {
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) continue;
    let name = a.replace(/^--?/, '').split('=')[0]!;
    // yargs also takes camelCase spellings of kebab-case options (--failOn for --fail-on)
    name = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (name === '' || known.has(name) || (name.startsWith('no-') && known.has(name.slice(3)))) continue;
    return name;
  }
  return null;
}

/** yargs drops a bare "-" from an array positional: carry it through under another name. */
export const STDIN_TOKEN = '\u0000stdin';

export async function main(rawArgv: readonly string[]): Promise<void> {
  const argv = rawArgv.map((a) => (a === '-' ? STDIN_TOKEN : a));
  const debug = argv.includes('--debug');
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return; // | head closed the pipe: not an error
    throw err;
  });
  process.once('SIGINT', () => {
    for (const t of pendingTemps) {
      try { rmSync(t, { force: true }); } catch { /* best effort */ }
    }
    process.exit(EXIT.INTERRUPTED);
  });
  try {
    const cli = yargs([...argv]);
    // yargs lays out the whole help text (cliui + string-width: 60–140 ms, more than grep needs for 200 MB)
    // every time a command runs, only to show it should the command fail; .fail() below prints one line
    // instead, and --help still lays the text out when asked.
    (cli as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } })
      .getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
    await cli
      .scriptName('ctdoctor')
      .usage('$0 <command> [options]\n\nExplain Linux nf_conntrack "table full, dropping packet" incidents from collected\nlogs, captures, counters and settings.')
      .command(
        ['analyze <input...>', '$0 <input...>'],
        'Analyse kernel logs and conntrack inputs (files, - for stdin, FIFOs, .gz, bundles)',
        (y) => analyzeOptions(y.positional('input', { type: 'string', array: true, describe: 'Files, directories or archives to read; - is standard input' }))
          .example('$0 analyze sosreport-web1-2026-11-20.tar.xz', 'A whole sosreport or support upload (directory, .tar, .tar.gz, .tar.xz, .zip)')
          .example('$0 analyze /var/log/kern.log', 'Explain the drops in a kernel log')
          .example('$0 analyze dmesg.txt kern.log.1 kern.log --tz Europe/Berlin', 'Several logs of one host, local-time stamps')
          .example('ssh web1 dmesg | $0 analyze - --boot-time 2026-11-20T08:00:00Z', 'Read standard input')
          .example('$0 analyze bundle/ --format html -o report.html', 'A self-contained HTML report, written atomically')
          .example('$0 analyze kern.log --fail-on warning --format junit -o ctdoctor.xml', 'CI gate: exit 1 on any warning or error')
          .example('$0 analyze bundle/ --emit-sysctl 90-conntrack.conf', 'Write the recommended sysctl file')
          .epilog(EPILOG),
        async (args) => runAnalyze(args as unknown as RawArgs),
      )
      .command(
        'diff <before> <after>',
        'What changed between two reports (JSON files) or two sets of inputs; exit 1 when it got worse',
        (y) => analyzeOptions(y.positional('before', { type: 'string' }).positional('after', { type: 'string' }))
          .example('$0 diff before.json after.json', 'Did the fix work?')
          .example('$0 diff sos-monday.tar.xz sos-friday.tar.xz --format json', 'Compare two uploads'),
        async (args) => runDiff(args as unknown as RawArgs & { before: string; after: string }),
      )
      .command(
        'recommend',
        'Size the table without logs, for planning: the same rules as analyze',
        (y) => y
          .option('ram', { type: 'string', describe: 'RAM of the host (16G, 2048M)' })
          .option('cpus', { type: 'number', describe: 'CPUs of the host' })
          .option('kernel', { type: 'string', describe: 'Kernel release (5.15.0-91-generic)' })
          .option('peak', { type: 'number', describe: 'Highest conntrack count seen' })
          .option('current-max', { type: 'number', describe: 'nf_conntrack_max now' })
          .option('role', { type: 'string', describe: `Preset floor: ${ROLES.join('|')}` })
          .option('memory-budget', { type: 'string', describe: 'Share of RAM (%) the table may take (default 5)' })
          .option('format', { alias: 'f', type: 'string', default: 'text', describe: 'text|json' })
          .option('output', { alias: 'o', type: 'string', describe: 'Write to FILE instead of stdout' })
          .option('emit-sysctl', { type: 'string', describe: 'Write the /etc/sysctl.d/ file to FILE' })
          .example('$0 recommend --ram 16G --cpus 8 --kernel 5.15.0-91-generic --role k8s-node', 'A Kubernetes node')
          .example('$0 recommend --peak 180000 --current-max 262144 --ram 8G', 'From a measured peak'),
        async (args) => runRecommend(args as unknown as RecommendArgs),
      )
      .command('rules', 'List every rule with its id, severity, threshold and remedy', () => undefined, async () => {
        await writeStdout(renderRulesList(rules));
      })
      .demandCommand(1, 'Give a command, e.g. ctdoctor analyze /var/log/kern.log')
      .strict()
      .version(VERSION)
      .help()
      .alias('help', 'h')
      .wrap(Math.min(100, process.stdout.columns || 80))
      .epilog(EPILOG)
      .exitProcess(false)
      .fail((msg, err) => {
        if (err) throw err;
        // `analyze --nope path`: yargs takes the path as the unknown flag's value, and its demand check
        // ("Not enough non-option arguments") runs before strict mode would name the flag
        const missing = msg?.startsWith('Not enough non-option arguments') === true;
        const unknown = missing ? unknownFlag(argv, cli) : null;
        if (unknown !== null) throw new UsageError('CTD_INVALID_OPTION', `Unknown argument: ${unknown}`);
        if (missing) {
          throw new UsageError('CTD_INVALID_OPTION', argv[0] === 'diff'
            ? 'diff needs two sides: two JSON reports (--format json) or two inputs to analyse'
            : 'no input given: name files, directories or bundles to read, or - for standard input');
        }
        throw new UsageError('CTD_INVALID_OPTION', msg ?? 'invalid usage');
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof CtdError) {
      say(err.message);
      if (err instanceof UsageError) say('run "ctdoctor --help" for usage');
      process.exitCode = err.code === 'CTD_INTERRUPTED' ? EXIT.INTERRUPTED : EXIT.USAGE;
      return;
    }
    const e = err as Error;
    say(`internal error: ${e?.message ?? String(err)} (please report this${debug ? '' : '; rerun with --debug for details'})`);
    if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = EXIT.INTERNAL;
  }
}
