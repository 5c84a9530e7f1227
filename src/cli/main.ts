/**
 * The CLI: yargs wiring only. Parses argv, runs the pipeline, renders, writes, sets the exit code.
 * Never calls process.exit() after writing (piped output would be cut); known errors print one line.
 */
import yargs from 'yargs';
import { CtdError, UsageError } from '../model/errors.js';
import { runAnalysis } from '../analyze.js';
import { renderers, FORMATS } from '../report/index.js';
import { rules } from '../rules/index.js';
import { INPUT_KINDS } from '../model/records.js';
import type { Finding, Severity } from '../model/report.js';
import type { FailOn } from '../model/options.js';
import { VERSION } from '../version.js';
import { EXIT } from './exit.js';
import { normalizeOptions, type RawArgs } from './options.js';
import { pendingTemps, writeAtomic, writeStdout } from './output.js';
import { renderRulesList } from './rules-list.js';
import { rmSync } from 'node:fs';

const RANK: Readonly<Record<Severity, number>> = { error: 3, warning: 2, info: 1 };

export function failsOn(findings: readonly Finding[], failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => RANK[f.severity] >= RANK[failOn]);
}

const EPILOG = `Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 usage error,
unusable input named on the command line, or no usable input; 3 internal error;
130 interrupted.`;

function say(line: string): void {
  process.stderr.write(`ctdoctor: ${line}\n`);
}

async function runAnalyze(raw: RawArgs): Promise<void> {
  const opts = normalizeOptions(raw, rules.map((r) => r.id));
  const result = await runAnalysis(opts.inputs, opts.analyze);
  for (const f of result.failedExplicit) say(f.message);
  for (const p of result.problems) say(p);
  if (opts.analyze.host !== undefined && result.report.hosts.length === 0 && !result.noUsableInput) {
    throw new UsageError('CTD_INVALID_OPTION', `Invalid option --host: no host named "${opts.analyze.host}" in these inputs`);
  }
  if (result.noUsableInput) {
    const skipped = result.report.inputs.filter((i) => i.status === 'skipped');
    for (const s of skipped) say(`${s.path}: skipped (${s.reason ?? 'nothing to read'})`);
    say('no usable input');
    process.exitCode = EXIT.USAGE;
    return;
  }
  const color = opts.format === 'text' && opts.output === null
    ? (opts.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']))
    : false;
  const text = renderers[opts.format](result.report, { color, failOn: opts.failOn });
  if (opts.output !== null) await writeAtomic(opts.output, text);
  else if (!(await writeStdout(text))) {
    // the reader went away (| head): exit quietly with the code the report earns
  }
  if (opts.emitSysctl !== null) {
    const withRec = result.report.hosts.filter((h) => h.recommendations);
    if (withRec.length !== 1) {
      throw new UsageError('CTD_INVALID_OPTION', withRec.length === 0
        ? 'Invalid option --emit-sysctl: no recommendation to write (the inputs say nothing of the max, the demand or the RAM)'
        : `Invalid option --emit-sysctl: ${withRec.length} hosts have recommendations; pick one with --host`);
    }
    await writeAtomic(opts.emitSysctl, withRec[0]!.recommendations!.sysctlFile);
  }
  // 2 also when a bundle cap, damage or refusal kept data out (the report was still written)
  const keptOut = result.report.inputs.some((i) => i.status === 'refused' || i.status === 'failed') || result.problems.some((p) => !p.includes('.tailed'));
  const code = result.failedExplicit.length || keptOut ? EXIT.USAGE : failsOn(result.report.findings, opts.failOn) ? EXIT.FINDINGS : EXIT.OK;
  process.exitCode = code;
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
    await yargs([...argv])
      .scriptName('ctdoctor')
      .usage('$0 <command> [options]\n\nExplain Linux nf_conntrack "table full, dropping packet" incidents from collected\nlogs, captures, counters and settings.')
      .command(
        ['analyze <input...>', '$0 <input...>'],
        'Analyse kernel logs and conntrack inputs (files, - for stdin, FIFOs, .gz, bundles)',
        (y) => y
          .positional('input', { type: 'string', array: true, describe: 'Files to read; - is standard input' })
          .option('format', { alias: 'f', type: 'string', default: 'text', describe: `Report format: ${FORMATS.join('|')}` })
          .option('output', { alias: 'o', type: 'string', describe: 'Write the report to FILE (atomically) instead of stdout' })
          .option('fail-on', { type: 'string', default: 'error', describe: 'Exit 1 when a finding is at or above: error|warning|info|never' })
          .option('burst-gap', { type: 'string', default: '60s', describe: 'Drops further apart start a new burst (90s, 5m)' })
          .option('kind', { type: 'string', describe: `Force the kind of the inputs: ${INPUT_KINDS.join('|')}` })
          .option('year', { type: 'number', describe: 'Year of stamps that carry none (syslog, journal short)' })
          .option('tz', { type: 'string', describe: 'Zone of stamps without one: IANA name or ±HH:MM (default UTC)' })
          .option('boot-time', { type: 'string', describe: 'Boot time (ISO 8601 with zone, or epoch s): places [uptime] stamps on the wall clock' })
          .option('max', { type: 'number', describe: 'nf_conntrack_max in force, when no input says it' })
          .option('host', { type: 'string', describe: 'Report only this host' })
          .option('emit-sysctl', { type: 'string', describe: 'Write the recommended /etc/sysctl.d/ file to FILE (atomically)' })
          .option('memory-budget', { type: 'string', default: '5', describe: 'Share of RAM (%) the table may take before demand reduction comes first' })
          .option('max-bytes', { type: 'string', describe: 'Cap on decompressed bytes read from bundles (default 4G)' })
          .option('max-members', { type: 'number', describe: 'Cap on members read from bundles (default 100000)' })
          .option('rule', { type: 'string', array: true, describe: 'Re-grade or silence a rule: ID=off|error|warning|info (repeatable)' })
          .option('color', { type: 'boolean', describe: 'Colour the text report (default: when stdout is a terminal and NO_COLOR is unset)' })
          .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces of internal errors' })
          .example('$0 analyze /var/log/kern.log', 'Explain the drops in a kernel log')
          .example('$0 analyze dmesg.txt kern.log.1 kern.log --tz Europe/Berlin', 'Several logs of one host, local-time stamps')
          .example('ssh web1 dmesg | $0 analyze - --boot-time 2026-11-20T08:00:00Z', 'Read standard input')
          .example('$0 analyze kern.log.gz --format json -o report.json', 'JSON report, written atomically')
          .example('$0 analyze sosreport-web1-2026-11-20.tar.xz', 'A whole sosreport or support upload (directory, .tar, .tar.gz, .tar.xz, .zip)')
          .example('$0 analyze kern.log --fail-on warning', 'CI gate: exit 1 on any warning or error')
          .example('$0 analyze bundle/ --emit-sysctl 90-conntrack.conf', 'Write the recommended sysctl file')
          .epilog(EPILOG),
        async (args) => runAnalyze(args as unknown as RawArgs),
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
