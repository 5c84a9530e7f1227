/** The built CLI as a user runs it: commands, flags, exit codes, files written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { runCli } from '../e2e/run-cli.js';
import { fixturePath, ROOT } from '../helpers.js';

const S = 'samples/incident-web-07';
const tmp = (): string => mkdtempSync(join(tmpdir(), 'ctd-cli-'));

test('--help lists the commands, examples and exit codes; --version prints the version', () => {
  const h = runCli(['analyze', '--help']);
  assert.equal(h.code, 0);
  for (const s of ['--format', '--fail-on', '--burst-gap', '--tz', '--boot-time', '--redact', '--hash', '--since', 'Exit codes', 'sosreport']) assert.ok(h.stdout.includes(s), s);
  const top = runCli(['--help']);
  for (const c of ['analyze', 'diff', 'recommend', 'rules']) assert.match(top.stdout, new RegExp(`ctdoctor ${c}`));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(runCli(['--version']).stdout.trim(), pkg.version);
});

test('a wrong flag and a wrong value are one line each and exit 2', () => {
  const r = runCli(['analyze', `${S}/kern.log`, '--no-such-flag']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Unknown argument/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  // a wrong flag before the path takes the path as its value: still named, not "Not enough non-option arguments"
  for (const args of [['analyze', '--nope', `${S}/kern.log`], ['--nope', `${S}/kern.log`], ['diff', '--nope', 'a.json']]) {
    const u = runCli(args);
    assert.equal(u.code, 2);
    assert.equal(u.stderr, 'ctdoctor: Unknown argument: nope\nctdoctor: run "ctdoctor --help" for usage\n');
  }
  // no input at all: said so
  assert.equal(runCli(['analyze']).stderr, 'ctdoctor: no input given: name files, directories or bundles to read, or - for standard input\nctdoctor: run "ctdoctor --help" for usage\n');
  assert.match(runCli(['diff', 'a.json']).stderr, /^ctdoctor: diff needs two sides: two JSON reports \(--format json\) or two inputs to analyse\n/);
  // camelCase and --no- spellings of known options are not unknown
  assert.equal(runCli(['analyze', '--failOn', 'never', '--no-color', '-j', '0', `${S}/kern.log`]).code, 0);
  const f = runCli(['analyze', `${S}/kern.log`, '--format', 'pdf']);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /Invalid option --format: expected text\|json\|ndjson\|markdown\|html\|junit\|github, got "pdf"/);
});

test('standard input (-) is read; an empty input is skipped and exit 2', () => {
  const line = 'Nov 20 22:30:27 h1 kernel: nf_conntrack: table full, dropping packet\n';
  const r = runCli(['analyze', '-', '--year', '2026', '--format', 'json'], { input: line });
  assert.equal(r.code, 1);
  const rep = JSON.parse(r.stdout) as { inputs: { path: string }[]; hosts: { drops: { logged: number } }[] };
  assert.equal(rep.inputs[0]!.path, '-');
  assert.equal(rep.hosts[0]!.drops.logged, 1);
  const e = runCli(['analyze', '-'], { input: '' });
  assert.equal(e.code, 2);
  assert.match(e.stderr, /-: skipped \(empty input\)/);
});

test('--fail-on: the same findings exit 0 with never, 1 with error', () => {
  assert.equal(runCli(['analyze', `${S}/kern.log`, '--year', '2026', '--fail-on', 'never']).code, 0);
  assert.equal(runCli(['analyze', `${S}/kern.log`, '--year', '2026']).code, 1);
  // the only finding of the expectation sample is a warning
  const exp = fixturePath('kernel-log', 'asuswrt-gnuton-207-expectation-table-full.txt');
  assert.equal(runCli(['analyze', exp, '--year', '2021']).code, 0);
  assert.equal(runCli(['analyze', exp, '--year', '2021', '--fail-on', 'warning']).code, 1);
  assert.equal(runCli(['analyze', exp, '--year', '2021', '--fail-on', 'warning', '--rule', 'expectation-table-full=off']).code, 0);
});

test('--output is written atomically, --emit-sysctl writes the sysctl file, a missing directory is exit 2', () => {
  const d = tmp();
  try {
    const r = runCli(['analyze', S, '--year', '2026', '--format', 'json', '-o', join(d, 'r.json'), '--emit-sysctl', join(d, '90-conntrack.conf')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const rep = JSON.parse(readFileSync(join(d, 'r.json'), 'utf8')) as { hosts: { recommendations: { sysctlFile: string } }[] };
    assert.equal(readFileSync(join(d, '90-conntrack.conf'), 'utf8'), rep.hosts[0]!.recommendations.sysctlFile);
    assert.match(rep.hosts[0]!.recommendations.sysctlFile, /^net\.netfilter\.nf_conntrack_max = 131072$/m);
    const bad = runCli(['analyze', `${S}/kern.log`, '--year', '2026', '-o', join(d, 'missing', 'r.txt')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot write .*missing\/r\.txt: the directory does not exist/);
    assert.equal(existsSync(join(d, 'missing')), false);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('--hash records SHA-256; --since/--until keep one burst', () => {
  const r = runCli(['analyze', `${S}/kern.log`, '--year', '2026', '--format', 'json', '--hash', '--since', '2026-11-20T00:00:00Z', '--until', '2026-11-21T00:00:00Z']);
  const rep = JSON.parse(r.stdout) as { inputs: { sha256: string }[]; hosts: { drops: { bursts: { start: string }[]; logged: number } }[]; run: { assumptions: string[] } };
  assert.equal(rep.inputs[0]!.sha256, createHash('sha256').update(readFileSync(join(ROOT, S, 'kern.log'))).digest('hex'));
  assert.deepEqual(rep.hosts[0]!.drops.bursts.map((b) => b.start), ['2026-11-20T14:40:39Z']);
  assert.equal(rep.hosts[0]!.drops.logged, 1470);
  assert.ok(rep.run.assumptions.some((a) => /outside --since\/--until left out/.test(a)));
});

test('--redact: no original address or host name in any format', () => {
  for (const fmt of ['text', 'json', 'markdown', 'html', 'ndjson']) {
    const r = runCli(['analyze', S, '--year', '2026', '--redact', '--format', fmt]);
    assert.equal(r.code, 1, fmt);
    for (const secret of ['198.51.100.23', '192.0.2.10', 'web-07']) assert.ok(!r.stdout.includes(secret), `${fmt} leaks ${secret}`);
  }
});

test('recommend: the same rules as analyze, text and JSON', () => {
  const r = runCli(['recommend', '--peak', '65536', '--current-max', '65536', '--ram', '2G', '--kernel', '4.15.0-213-generic', '--format', 'json']);
  assert.equal(r.code, 0);
  const rec = (JSON.parse(r.stdout) as { recommendations: { nf_conntrack_max: { recommended: number }; nf_conntrack_buckets: { recommended: number }; memoryBytes: number } }).recommendations;
  assert.equal(rec.nf_conntrack_max.recommended, 131072);
  assert.equal(rec.nf_conntrack_buckets.recommended, 32768);
  assert.equal(rec.memoryBytes, 131072 * 320 + 32768 * 8);
  const k8s = runCli(['recommend', '--ram', '16G', '--cpus', '32', '--kernel', '5.15.0-91-generic', '--role', 'k8s-node']);
  assert.equal(k8s.code, 0);
  assert.match(k8s.stdout, /nf_conntrack_max\s+262144 -> 1048576/);
  assert.equal(runCli(['recommend']).code, 2);
  assert.equal(runCli(['recommend', '--role', 'toaster']).code, 2);
});

test('diff: exit 1 when it got worse, 0 when not', () => {
  const d = tmp();
  try {
    const before = fixturePath('kernel-log', 'k8s-71261-dmesg-T-centos7.txt');
    const after = fixturePath('kernel-log', 'alibaba-ecs-doc-messages-masked-instance-id.txt');
    writeFileSync(join(d, 'a.json'), runCli(['analyze', before, '--format', 'json']).stdout);
    writeFileSync(join(d, 'b.json'), runCli(['analyze', after, '--year', '2026', '--format', 'json']).stdout);
    assert.equal(runCli(['diff', join(d, 'a.json'), join(d, 'a.json')]).code, 0);
    const same = runCli(['diff', join(d, 'a.json'), join(d, 'b.json'), '--format', 'json']);
    assert.equal(typeof (JSON.parse(same.stdout) as { worse: boolean }).worse, 'boolean');
    writeFileSync(join(d, 'junk.json'), '{"hello": 1}');
    const junk = runCli(['diff', join(d, 'junk.json'), join(d, 'a.json')]);
    assert.equal(junk.code, 2);
    assert.match(junk.stderr, /junk\.json: not a ctdoctor report/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('rules lists every rule with its threshold', () => {
  const r = runCli(['rules']);
  assert.equal(r.code, 0);
  for (const id of ['table-full-drops', 'usage-high', 'time-wait-dominant', 'drop-counter', 'clock-offset-likely', 'memory-over-budget']) assert.match(r.stdout, new RegExp(`^${id}  \\(`, 'm'));
  assert.match(r.stdout, /threshold: /);
});

test('| head closes the pipe: exit quietly, no EPIPE trace', () => {
  const r = spawnSync('bash', ['-c', `node bin/ctdoctor.js analyze ${S} --year 2026 --format json | head -1`], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '{');
  assert.doesNotMatch(r.stderr, /EPIPE|Error/);
});

test('a large gzip input read from stdin: no warning on stderr (one drain listener pair at a time)', async () => {
  const { gzipSync } = await import('node:zlib');
  const { seededRandom } = await import('../helpers.js');
  // ~3 MB of kernel-log lines with hex payloads (hardly compressible): stdin hands it over in many 64 KiB
  // chunks, each more than the gunzip stream buffers, so the feeder waits for 'drain' after each
  const r = seededRandom(9);
  const lines: string[] = [];
  for (let i = 0; i < 24_000; i++) {
    let hex = '';
    for (let k = 0; k < 16; k++) hex += Math.floor(r() * 0x100000000).toString(16).padStart(8, '0');
    lines.push(`Nov 20 10:${String(Math.floor(i / 400) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} web-07 kernel: [${1000 + i}.000000] audit: payload=${hex}`);
  }
  const gz = gzipSync(Buffer.from(`${lines.join('\n')}\n`));
  assert.ok(gz.length > 1_000_000, `only ${gz.length} bytes of gzip`);
  const res = runCli(['analyze', '-', '--format', 'json'], { input: gz });
  assert.equal(res.stderr, '');
  assert.equal(res.code, 0);
  const report = JSON.parse(res.stdout) as { inputs: { lines: { total: number } }[] };
  assert.equal(report.inputs[0]!.lines.total, 24_000);
});
