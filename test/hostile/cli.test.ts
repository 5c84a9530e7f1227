/**
 * The hostile-input suite (issue 8): each case runs the BUILT CLI (bin/ctdoctor.js → dist/) as a user
 * would and states its expected outcome: exit code, stderr (one `ctdoctor: ` line per problem, naming the
 * file, never a stack trace), and what the report says. Small literal inputs live in
 * test/fixtures/hostile/ (see SOURCES.md there); big or binary ones are generated in a temp dir here.
 * Build first (`npx tsc -p .`); `npm test` does.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, constants as fsConstants, copyFileSync, createWriteStream, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli, type CliRun } from '../e2e/run-cli.js';
import { ROOT, fixturePath, readFixture } from '../helpers.js';
import { DROP, UNSAFE_TEXT, hostileTmp } from './shared.js';

const hostile = hostileTmp('ctdoctor-hostile-');
const tmp = hostile.dir;
const tmpFile = hostile.file;

/** Every stderr line is one `ctdoctor: ` message; no stack trace, no Node error dump, no raw control bytes. */
function assertCleanStderr(r: CliRun): void {
  assert.doesNotMatch(r.stderr, /^\s+at |Error:|node:internal|EPIPE|\(node:\d+\)/m, `stderr shows a trace or raw error:\n${r.stderr}`);
  for (const line of r.stderr.split('\n').filter((l) => l !== '')) assert.match(line, /^ctdoctor: /, `unexpected stderr line: ${line}`);
  assert.equal(UNSAFE_TEXT.exec(r.stderr), null, `raw control character on stderr: ${JSON.stringify(r.stderr)}`);
}

function assertTerminalSafe(text: string): void {
  const m = UNSAFE_TEXT.exec(text);
  assert.equal(m, null, `unsafe character U+${m?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} in text output`);
}

interface InputJson { path: string; status: string; reason: string | null; kind: string | null; format: string | null; lines: { total: number; parsed: number; ignored: number; malformed: number }; issues: { line: number; code: string; text: string }[]; dropLines: number }
interface ReportJson { inputs: InputJson[]; hosts: { name: string | null; drops: { logged: number; bursts: { start: string | null; end: string | null; logged: number }[] }; counters: { totals: Record<string, number> } | null; table: { byState: Record<string, number>; entries: number; declaredEntries: number | null } | null; settings: Record<string, number>; correlation: { dropsCounter: number | null } }[]; findings: { id: string; evidence: { path: string; line: number; text: string }[] }[]; run: { assumptions: string[] } }

function json(r: CliRun): ReportJson {
  assert.ok(r.stdout.length > 0, `no report on stdout; stderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReportJson;
}

function lines(i: InputJson): InputJson['lines'] {
  assert.equal(i.lines.total, i.lines.parsed + i.lines.ignored + i.lines.malformed, `unbalanced ${i.path}`);
  return i.lines;
}

test('CLI is built (run `npx tsc -p .` first)', () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')), 'dist/src/cli/main.js missing: build first');
});

test('empty file and a file of only newlines: exit 2, each skipped on one line naming it', () => {
  const e = tmpFile('empty.log', '');
  const n = tmpFile('newlines.log', '\n'.repeat(1000));
  const r = runCli(['analyze', e, n]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assertCleanStderr(r);
  assert.deepEqual(r.stderr.trimEnd().split('\n'), [
    `ctdoctor: ${e}: skipped (empty input)`,
    `ctdoctor: ${n}: skipped (only blank lines)`,
    'ctdoctor: no usable input',
  ]);
});

test('binary: an ELF header and random bytes are refused as binary, exit 2', () => {
  const elf = Buffer.alloc(4096);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf);
  let s = 12345;
  const noise = Buffer.alloc(8192);
  for (let i = 0; i < noise.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    noise[i] = s >> 16 & 0xff;
  }
  const pe = tmpFile('a.out', elf);
  const pn = tmpFile('noise.bin', noise);
  // with a good input beside them the run goes on, the binary ones are listed as failed, still exit 2
  const good = tmpFile('good.log', `${DROP}\n`);
  const r = runCli(['analyze', pe, pn, good, '--format', 'json', '--year', '2026']);
  assert.equal(r.code, 2);
  assertCleanStderr(r);
  assert.match(r.stderr, /^ctdoctor: .*a\.out: binary input \(ELF executable\)/m);
  assert.match(r.stderr, /^ctdoctor: .*noise\.bin: binary input/m);
  const rep = json(r);
  assert.deepEqual(rep.inputs.map((i) => i.status), ['failed', 'failed', 'parsed']);
  assert.equal(rep.hosts[0]!.drops.logged, 1);
});

test('terminal escapes, \\r, backspace and bidi overrides in log text are neutralised in text output', () => {
  const p = fixturePath('hostile', 'kern-terminal-escapes.log');
  // relative path, so the malformed-line listing has room for the text within 80 columns
  const r = runCli(['analyze', 'kern-terminal-escapes.log', '--year', '2026'], { cwd: fixturePath('hostile') });
  assert.equal(r.code, 1);
  assertTerminalSafe(r.stdout);
  assertCleanStderr(r);
  assert.ok(r.stdout.includes('== HOST e\\x1B]0;t\\x07\\x1B[2J\\x0D\\x08\\u202E =='), 'escapes in the host name are shown, not obeyed');
  assert.match(r.stdout, /kern-terminal-escapes\.log:6 {2}unparsed {2}Nov 20 22:30:9\\x1B\[2J edge-3/);
  // --color adds only the tool's own SGR codes: strip them, and nothing unsafe remains
  const c = runCli(['analyze', p, '--year', '2026', '--color']);
  assertTerminalSafe(c.stdout.replace(/\u001b\[(?:0|1|31|33|36)m/g, ''));
});

test('a truncated .gz: exit 2, one line naming the file; what was read before the damage is kept', () => {
  const text = `${DROP}\n`.repeat(20_000);
  const gz = gzipSync(Buffer.from(text));
  const p = tmpFile('cut.log.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  const good = tmpFile('other.log', `${DROP}\n`);
  const r = runCli(['analyze', p, good, '--format', 'json', '--year', '2026']);
  assert.equal(r.code, 2);
  assertCleanStderr(r);
  assert.match(r.stderr, /^ctdoctor: .*cut\.log\.gz: truncated gzip data/m);
  const i = json(r).inputs[0]!;
  assert.equal(i.status, 'failed');
  const l = lines(i);
  assert.ok(l.total > 0 && l.total < 20_000, `lines read before the damage: ${l.total}`);
  assert.ok(l.malformed <= 1);
  assert.equal(i.dropLines, l.parsed);
});

/** Run the CLI asynchronously (for FIFOs and signals). */
function spawnCli(args: readonly string[]): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'ctdoctor.js'), ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', LANG: 'C', TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/**
 * A writer for a FIFO that never blocks on open: O_RDWR on a FIFO opens at once on Linux, so a CLI that
 * failed before opening its end cannot leave this test (and its process) waiting forever.
 */
function fifoWriter(p: string): ReturnType<typeof createWriteStream> {
  return createWriteStream(p, { fd: openSync(p, fsConstants.O_RDWR) });
}

function mkfifo(name: string): string {
  const p = join(tmp, name);
  const r = spawnSync('mkfifo', [p]);
  if (r.status !== 0) throw new Error('mkfifo failed');
  return p;
}

test('a FIFO is read as a stream (as <(ssh host dmesg) gives)', { timeout: 60_000 }, async () => {
  const fifo = mkfifo('dmesg.fifo');
  const { done } = spawnCli(['analyze', fifo, '--format', 'json', '--year', '2026']);
  const w = fifoWriter(fifo);
  for (let i = 0; i < 50; i++) w.write(`${DROP}\n`.repeat(100));
  w.end();
  const r = await done;
  assert.equal(r.code, 1, r.stderr);
  const i = (JSON.parse(r.stdout) as ReportJson).inputs[0]!;
  assert.deepEqual(lines(i), { total: 5000, parsed: 5000, ignored: 0, malformed: 0 });
  assert.equal(i.dropLines, 5000);
});

test('standard input (-) is read', () => {
  const r = runCli(['analyze', '-', '--format', 'json', '--year', '2026'], { input: `${DROP}\n${DROP}\n` });
  assert.equal(r.code, 1, r.stderr);
  const i = json(r).inputs[0]!;
  assert.equal(i.path, '-');
  assert.deepEqual(lines(i), { total: 2, parsed: 2, ignored: 0, malformed: 0 });
});

test('an unreadable file: exit 2, one line naming the file', { skip: process.getuid?.() === 0 ? 'running as root: root can read a chmod 000 file' : false }, () => {
  const p = tmpFile('secret.log', `${DROP}\n`);
  chmodSync(p, 0o000);
  const r = runCli(['analyze', p]);
  assert.equal(r.code, 2);
  assertCleanStderr(r);
  assert.match(r.stderr, /secret\.log: cannot read \(permission denied\)/);
});

test('a file name with escape sequences is shown escaped on stderr too', () => {
  const r = runCli(['analyze', join(tmp, 'missing\u001b[2J\u202e.log')]);
  assert.equal(r.code, 2);
  assertCleanStderr(r);
  assert.match(r.stderr, /no such file/);
});

test('an output path in a missing directory: exit 2, one line, nothing written', () => {
  const out = join(tmp, 'no', 'such', 'dir', 'report.json');
  const r = runCli(['analyze', fixturePath('hostile', 'kern-out-of-order.log'), '--format', 'json', '-o', out]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assertCleanStderr(r);
  assert.deepEqual(r.stderr.trimEnd().split('\n'), [`ctdoctor: cannot write ${out}: the directory does not exist`]);
  assert.equal(existsSync(join(tmp, 'no')), false);
});

test('--output writes atomically and leaves no temp file', () => {
  const dir = mkdtempSync(join(tmp, 'out-'));
  const out = join(dir, 'report.json');
  const r = runCli(['analyze', fixturePath('hostile', 'kern-out-of-order.log'), '--format', 'json', '-o', out]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.deepEqual(readdirSync(dir), ['report.json']);
  JSON.parse(readFileSync(out, 'utf8'));
});

test('a closed pipe (| head -1): exits quietly with the report\'s code, no EPIPE trace', () => {
  // 5000 bursts two minutes apart: a JSON report of about 2 MB, far beyond the pipe buffer
  const out: string[] = [];
  const t0 = Date.UTC(2026, 10, 1);
  const M = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  for (let i = 0; i < 5000; i++) {
    const d = new Date(t0 + i * 120_000);
    const hh = (n: number): string => String(n).padStart(2, '0');
    out.push(`${M[d.getUTCMonth()]} ${hh(d.getUTCDate())} ${hh(d.getUTCHours())}:${hh(d.getUTCMinutes())}:${hh(d.getUTCSeconds())} web-9 kernel: nf_conntrack: table full, dropping packet`);
  }
  const p = tmpFile('many-bursts.log', `${out.join('\n')}\n`);
  for (const fmt of ['json', 'text']) {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${join(ROOT, 'bin', 'ctdoctor.js')}" analyze "${p}" --year 2026 --format ${fmt} | head -1; echo "rc=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    assert.equal(r.stdout.split('\n').length, 2, `${fmt}: one line expected, got ${r.stdout.slice(0, 200)}`);
    assert.match(r.stderr, /^rc=1\n$/, `${fmt}: ${r.stderr}`);
  }
});

test('SIGINT during a long run: stops promptly, exit 130, no output file or temp file left', { timeout: 60_000 }, async () => {
  const fifo = mkfifo('slow.fifo');
  const dir = mkdtempSync(join(tmp, 'sigint-'));
  const out = join(dir, 'report.json');
  const { child, done } = spawnCli(['analyze', fifo, '--format', 'json', '--year', '2026', '-o', out]);
  // write-only: once the reader is gone, writes fail (EPIPE, ignored) instead of filling the pipe forever
  const w = createWriteStream(fifo);
  w.on('error', () => undefined); // the reader goes away on SIGINT
  // keep feeding drops, as a slow `ssh host journalctl` would
  const timer = setInterval(() => w.write(`${DROP}\n`.repeat(2000)), 5);
  await new Promise((r) => setTimeout(r, 700));
  const t = Date.now();
  child.kill('SIGINT');
  const r = await done;
  clearInterval(timer);
  w.destroy();
  assert.equal(r.code, 130, `exit ${r.code} signal ${r.signal} stderr ${r.stderr}`);
  assert.ok(Date.now() - t < 2000, 'took more than 2 s to stop');
  assert.doesNotMatch(r.stderr, /^\s+at |Error/m);
  assert.deepEqual(readdirSync(dir), []);
});

test('exit codes are documented in --help', () => {
  const r = runCli(['analyze', '--help']);
  assert.equal(r.code, 0);
  for (const s of ['Exit codes', '0 no finding', '1 at least one', '2 usage error', '3 internal error', '130 interrupted']) {
    assert.ok(r.stdout.replace(/\s+/g, ' ').includes(s), `--help does not say "${s}"`);
  }
});

test('a usage error is one line plus the hint, exit 2, no stack', () => {
  const r = runCli(['analyze', fixturePath('hostile', 'kern-out-of-order.log'), '--format', 'pdf']);
  assert.equal(r.code, 2);
  assertCleanStderr(r);
  assert.match(r.stderr, /--format|format/);
});
