/**
 * The hostile-input suite, report content (issue 8): what the report says about broken and hostile
 * inputs. Runs the pipeline and the renderers in-process (the CLI's process-level behaviour — exit codes,
 * stderr, pipes, FIFOs, signals, stdout bytes — is in cli.test.ts), through `cli()` below, which maps
 * the few CLI arguments these cases use onto runAnalysis + the renderers and the CLI's exit-code rule.
 * Small literal inputs live in test/fixtures/hostile/ (see SOURCES.md there); big ones are generated here.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalysis } from '../../src/analyze.js';
import { renderers } from '../../src/index.js';
import { FORMATS, type Format } from '../../src/report/index.js';
import type { AnalyzeOptions } from '../../src/model/options.js';
import type { InputKind } from '../../src/model/records.js';
import { fixturePath, readFixture } from '../helpers.js';
import { DROP, UNSAFE_TEXT, hostileTmp } from './shared.js';

const hostile = hostileTmp('ctdoctor-hostile-content-');
const tmp = hostile.dir;
const tmpFile = hostile.file;

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

/** `ctdoctor analyze <paths> [--year N] [--kind K] [--format F] [--color]`, in-process. */
async function cli(args: readonly string[]): Promise<Run> {
  const paths: string[] = [];
  const options: { year?: number; kind?: InputKind } = {};
  let format: Format = 'text';
  let color = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'analyze' && i === 0) continue;
    if (a === '--year') options.year = Number(args[++i]);
    else if (a === '--kind') options.kind = args[++i] as InputKind;
    else if (a === '--format') format = args[++i] as Format;
    else if (a === '--color') color = true;
    else paths.push(a);
  }
  const r = await runAnalysis(paths, options as AnalyzeOptions);
  if (r.noUsableInput) return { code: 2, stdout: '', stderr: '' };
  const stdout = renderers[format](r.report, { color, failOn: 'error' });
  const code = r.failedExplicit.length ? 2 : r.report.findings.some((f) => f.severity === 'error') ? 1 : 0;
  return { code, stdout, stderr: '' };
}

function assertTerminalSafe(text: string): void {
  const m = UNSAFE_TEXT.exec(text);
  assert.equal(m, null, `unsafe character U+${m?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} in text output`);
}

function assertCleanStderr(r: Run): void {
  assert.equal(r.stderr, '');
}

interface InputJson { path: string; status: string; reason: string | null; kind: string | null; format: string | null; lines: { total: number; parsed: number; ignored: number; malformed: number }; issues: { line: number; code: string; text: string }[]; dropLines: number }
interface ReportJson { inputs: InputJson[]; hosts: { name: string | null; drops: { logged: number; bursts: { start: string | null; end: string | null; logged: number }[] }; counters: { totals: Record<string, number> } | null; table: { byState: Record<string, number>; entries: number; declaredEntries: number | null } | null; settings: Record<string, number>; correlation: { dropsCounter: number | null } }[]; findings: { id: string; evidence: { path: string; line: number; text: string }[] }[]; run: { assumptions: string[] } }

function json(r: Run): ReportJson {
  assert.ok(r.stdout.length > 0, 'no report');
  return JSON.parse(r.stdout) as ReportJson;
}

function lines(i: InputJson): InputJson['lines'] {
  assert.equal(i.lines.total, i.lines.parsed + i.lines.ignored + i.lines.malformed, `unbalanced ${i.path}`);
  return i.lines;
}

test('NUL runs inside a real log: removed, reading goes on, a NUL-only line is one binary-region line', async () => {
  const real = readFixture('kernel-log', 'k8s-71261-dmesg-T-centos7.txt');
  const ref = json(await cli(['analyze', fixturePath('kernel-log', 'k8s-71261-dmesg-T-centos7.txt'), '--format', 'json']));
  const at = real.indexOf(10) + 1; // after line 1
  // line 2 gets a NUL run in front of it, then a line of 4096 NULs (a hard reset) is inserted after it
  const nl2 = real.indexOf(10, at) + 1;
  const bytes = Buffer.concat([real.subarray(0, at), Buffer.alloc(300), real.subarray(at, nl2), Buffer.alloc(4096), Buffer.from('\n'), real.subarray(nl2)]);
  const r = await cli(['analyze', tmpFile('nul-runs.log', bytes), '--format', 'json']);
  assertCleanStderr(r);
  const i = json(r).inputs[0]!;
  assert.equal(i.status, 'parsed');
  const base = ref.inputs[0]!.lines;
  assert.deepEqual(lines(i), { total: base.total + 1, parsed: base.parsed, ignored: base.ignored, malformed: base.malformed + 1 });
  assert.deepEqual(i.issues.map((x) => [x.line, x.code]), [[3, 'binary-region']]);
  assert.equal(i.dropLines, ref.inputs[0]!.dropLines);
});

test('invalid UTF-8 in log text: the line still counts, output stays valid and terminal-safe', async () => {
  const p = tmpFile('latin.log', Buffer.concat([Buffer.from(`${DROP} \xff\xfe`, 'latin1'), Buffer.from([0xc3, 0x0a]), Buffer.from(`${DROP}\n`)]));
  const r = await cli(['analyze', p, '--format', 'json', '--year', '2026']);
  assert.equal(r.code, 1);
  const i = json(r).inputs[0]!;
  assert.deepEqual(lines(i), { total: 2, parsed: 2, ignored: 0, malformed: 0 });
  assert.equal(i.dropLines, 2);
  const t = await cli(['analyze', p, '--year', '2026']);
  assertTerminalSafe(t.stdout);
});

test('a UTF-8 BOM is dropped: the first line parses', async () => {
  const p = tmpFile('bom.log', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${DROP}\n${DROP}\n`)]));
  const i = json(await cli(['analyze', p, '--format', 'json', '--year', '2026'])).inputs[0]!;
  assert.deepEqual(lines(i), { total: 2, parsed: 2, ignored: 0, malformed: 0 });
  assert.equal(i.format, 'syslog');
});

test('CRLF: a real log with CRLF line ends gives the same report as with LF', async () => {
  const name = 'ubuntuforums-2011-hardy-haproxy-printk-messages-suppressed.txt';
  const lf = readFixture('kernel-log', name).toString('latin1').replace(/\r\n/g, '\n');
  const a = tmpFile('lf.log', Buffer.from(lf, 'latin1'));
  const b = tmpFile('crlf.log', Buffer.from(lf.replace(/\n/g, '\r\n'), 'latin1'));
  utimesSync(b, new Date(2011, 5, 1), new Date(2011, 5, 1));
  utimesSync(a, new Date(2011, 5, 1), new Date(2011, 5, 1));
  const ra = await cli(['analyze', a, '--format', 'json', '--year', '2011']);
  const rb = await cli(['analyze', b, '--format', 'json', '--year', '2011']);
  assert.equal(rb.code, ra.code);
  assert.equal(rb.stdout.replaceAll('crlf.log', 'lf.log'), ra.stdout);
  assert.ok(json(ra).hosts[0]!.drops.logged > 0);
});

test('a 2 MB single line is cut and counted as one malformed line; the lines around it parse', async () => {
  const p = tmpFile('long.log', `${DROP}\n${'a'.repeat(2 * 1024 * 1024)}\n${DROP}\n`);
  const r = await cli(['analyze', p, '--format', 'json', '--year', '2026']);
  assert.equal(r.code, 1);
  const i = json(r).inputs[0]!;
  assert.deepEqual(lines(i), { total: 3, parsed: 2, ignored: 0, malformed: 1 });
  assert.deepEqual(i.issues.map((x) => [x.line, x.code, x.text.length]), [[2, 'line-too-long', 200]]);
  // the same line last, without a newline
  const q = tmpFile('long-last.log', `${DROP}\n${'b'.repeat(2 * 1024 * 1024)}`);
  assert.deepEqual(lines(json(await cli(['analyze', q, '--format', 'json', '--year', '2026'])).inputs[0]!), { total: 2, parsed: 1, ignored: 0, malformed: 1 });
});

test('10 million tiny lines are counted, fast enough to be a test (< 10 s)', async () => {
  const body = Buffer.alloc(10_000_000 * 2, 'x\n');
  const p = tmpFile('tiny.log', Buffer.concat([Buffer.from(`${DROP}\n`), body]));
  const t0 = Date.now();
  const r = await cli(['analyze', p, '--kind', 'kernel-log', '--format', 'json', '--year', '2026']);
  const ms = Date.now() - t0;
  assert.equal(r.code, 1);
  assert.deepEqual(lines(json(r).inputs[0]!), { total: 10_000_001, parsed: 1, ignored: 10_000_000, malformed: 0 });
  assert.ok(ms < 10_000, `10M lines took ${ms} ms`);
});

test('numbers beyond 2^53 are malformed bad-number, never rounded', async () => {
  const r = await cli(['analyze', fixturePath('hostile', 'conntrack-S-beyond-2-53.txt'), '--format', 'json']);
  assertCleanStderr(r);
  const rep = json(r);
  const i = rep.inputs[0]!;
  assert.deepEqual(lines(i), { total: 6, parsed: 3, ignored: 2, malformed: 1 });
  assert.deepEqual(i.issues.map((x) => [x.line, x.code]), [[2, 'bad-number']]);
  assert.ok(!r.stdout.includes('100000000000000000000'), 'the huge value leaked into the report');
  assert.equal(rep.hosts[0]!.counters!.totals['drop'], 200);
});

test('32-bit counter wrap-around between two conntrack -S captures gives the true increase', async () => {
  // cpu0: 4294967200 → 50 wraps: +146; cpu1: 100 → 150: +50
  const rep = json(await cli(['analyze', fixturePath('hostile', 'conntrack-S-twice-wrap.txt'), '--format', 'json']));
  assert.deepEqual(lines(rep.inputs[0]!), { total: 6, parsed: 4, ignored: 2, malformed: 0 });
  assert.equal(rep.hosts[0]!.correlation.dropsCounter, 196);
  assert.equal(rep.hosts[0]!.counters!.totals['drop'], 200);
});

test('a counter above 2^32 that falls is not a wrap: never a negative delta', async () => {
  const rep = json(await cli(['analyze', fixturePath('hostile', 'conntrack-S-twice-above-2-32.txt'), '--format', 'json']));
  const d = rep.hosts[0]!.correlation.dropsCounter;
  assert.ok(d === null || d >= 0, `drop counter delta ${d}`);
});

test('timestamps out of order: drops sorted into bursts, none lost', async () => {
  const rep = json(await cli(['analyze', fixturePath('hostile', 'kern-out-of-order.log'), '--format', 'json']));
  assert.deepEqual(lines(rep.inputs[0]!), { total: 5, parsed: 5, ignored: 0, malformed: 0 });
  const h = rep.hosts[0]!;
  assert.equal(h.name, 'edge-2');
  assert.equal(h.drops.logged, 5);
  assert.deepEqual(h.drops.bursts.map((b) => [b.start, b.end, b.logged]), [
    ['2026-11-20T21:00:00Z', '2026-11-20T21:00:00Z', 1],
    ['2026-11-20T22:30:10Z', '2026-11-20T22:30:40Z', 4],
  ]);
});

const YEAR_BOUNDARY_BURSTS = [
  ['2025-12-31T23:59:50Z', '2026-01-01T00:00:20Z', 5],
  ['2026-01-01T00:30:00Z', '2026-01-01T00:30:00Z', 1],
];

test('year boundary, year from the file time: Dec 31 → Jan 1 stays one burst, the late line included', async () => {
  const p = join(tmp, 'year.log');
  copyFileSync(fixturePath('hostile', 'kern-year-boundary-out-of-order.log'), p);
  utimesSync(p, new Date('2026-01-02T00:00:00Z'), new Date('2026-01-02T00:00:00Z'));
  const rep = json(await cli(['analyze', p, '--format', 'json']));
  assert.deepEqual(lines(rep.inputs[0]!), { total: 6, parsed: 6, ignored: 0, malformed: 0 });
  assert.deepEqual(rep.hosts[0]!.drops.bursts.map((b) => [b.start, b.end, b.logged]), YEAR_BOUNDARY_BURSTS);
});

test('year boundary with --year: a late Dec 31 line after the roll-over does not push later drops a year ahead', async () => {
  const rep = json(await cli(['analyze', fixturePath('hostile', 'kern-year-boundary-out-of-order.log'), '--year', '2025', '--format', 'json']));
  assert.deepEqual(rep.hosts[0]!.drops.bursts.map((b) => [b.start, b.end, b.logged]), YEAR_BOUNDARY_BURSTS);
});

test('journal JSON with __proto__/constructor keys and a byte-array MESSAGE', async () => {
  const r = await cli(['analyze', fixturePath('hostile', 'journal-proto-keys-byte-message.json'), '--format', 'json']);
  assert.equal(r.code, 1);
  const rep = json(r);
  const i = rep.inputs[0]!;
  assert.equal(i.format, 'journal-json');
  // line 4: byte array with a non-number, not a kernel drop → ignored; line 5: realtime beyond 2^53 → bad-timestamp
  assert.deepEqual(lines(i), { total: 5, parsed: 3, ignored: 1, malformed: 1 });
  assert.deepEqual(i.issues.map((x) => [x.line, x.code]), [[5, 'bad-timestamp']]);
  assert.deepEqual(rep.hosts.map((h) => [h.name, h.drops.logged]), [['__proto__', 1], ['node-a', 2]]);
  const ev = rep.findings.flatMap((f) => f.evidence).find((e) => e.line === 2)!;
  assert.equal(ev.text, 'nf_conntrack: table full, dropping packet \ufffd\u001b[31m'); // bytes decoded, escape kept as data
  const t = await cli(['analyze', fixturePath('hostile', 'journal-proto-keys-byte-message.json')]);
  assertTerminalSafe(t.stdout);
  assert.match(t.stdout, /== HOST __proto__ ==/);
});

test('state words, counter names and setting names like __proto__ are just names', async () => {
  const table = json(await cli(['analyze', fixturePath('hostile', 'conntrack-L-proto-states.txt'), '--format', 'json']));
  assert.deepEqual(lines(table.inputs[0]!), { total: 5, parsed: 4, ignored: 0, malformed: 1 });
  const tb = table.hosts[0]!.table!;
  assert.equal(tb.entries, 3);
  assert.equal(tb.declaredEntries, 4);
  // (an object literal cannot hold an own __proto__ key: compare entries)
  assert.deepEqual(Object.entries(tb.byState).sort(), [['ESTABLISHED', 1], ['__proto__', 1], ['constructor', 1]]);
  assert.ok(Object.hasOwn(tb.byState, '__proto__'));

  const stats = json(await cli(['analyze', fixturePath('hostile', 'conntrack-S-proto-names.txt'), '--format', 'json']));
  assert.deepEqual(lines(stats.inputs[0]!), { total: 2, parsed: 2, ignored: 0, malformed: 0 });
  const totals = stats.hosts[0]!.counters!.totals;
  assert.ok(Object.hasOwn(totals, '__proto__'));
  assert.equal(totals['__proto__'], 10);
  assert.equal(totals['constructor'], 6);
  assert.equal(totals['drop'], 10);

  const sys = json(await cli(['analyze', fixturePath('hostile', 'sysctl-proto-names.txt'), '--format', 'json']));
  assert.deepEqual(lines(sys.inputs[0]!), { total: 6, parsed: 3, ignored: 3, malformed: 0 });
  assert.deepEqual(Object.keys(sys.hosts[0]!.settings).sort(), ['net.netfilter.nf_conntrack_buckets', 'net.netfilter.nf_conntrack_count', 'net.netfilter.nf_conntrack_max']);
});

test('HTML/Markdown/XML/:: injection in log text: text output starts no workflow command, JSON keeps it as data', async () => {
  const p = fixturePath('hostile', 'kern-markup-injection.log');
  const r = await cli(['analyze', p, '--year', '2026']);
  assert.equal(r.code, 1);
  assertTerminalSafe(r.stdout);
  for (const l of r.stdout.split('\n')) assert.doesNotMatch(l, /^::/, `a stdout line starts a workflow command: ${l}`);
  const j = await cli(['analyze', p, '--year', '2026', '--format', 'json']);
  for (const l of j.stdout.split('\n')) assert.doesNotMatch(l, /^::/);
  const rep = json(j);
  assert.deepEqual(lines(rep.inputs[0]!), { total: 6, parsed: 4, ignored: 1, malformed: 1 });
  const texts = rep.findings.flatMap((f) => f.evidence).map((e) => e.text);
  assert.ok(texts.includes('nf_conntrack: table full, dropping packet <script>alert(1)</script> <img src=x onerror=alert(2)>'));
});

test('other report formats escape injected markup (only when registered)', async () => {
  const others = FORMATS.filter((f) => f !== 'text' && f !== 'json');
  if (others.length === 0) return; // html/markdown/junit/github are being written; nothing to check yet
  for (const f of others) {
    const esc = await cli(['analyze', fixturePath('hostile', 'kern-terminal-escapes.log'), '--year', '2026', '--format', f]);
    if (f !== 'ndjson') assertTerminalSafe(esc.stdout);
    const r = await cli(['analyze', fixturePath('hostile', 'kern-markup-injection.log'), '--year', '2026', '--format', f]);
    assertCleanStderr(r);
    if (f === 'html' || f === 'junit') {
      assert.ok(!r.stdout.includes('<script>alert(1)'), `${f}: raw <script> in output`);
      assert.ok(!r.stdout.includes('<img src=x'), `${f}: raw <img> in output`);
      assert.ok(!r.stdout.includes('<testcase name="x"/>'), `${f}: injected XML element in output`);
    }
    if (f === 'markdown') assert.ok(!r.stdout.includes('[click](javascript:'), 'markdown: live link in output');
    if (f === 'junit') assert.ok(!r.stdout.includes('\f'), 'junit: a character XML 1.0 forbids');
    // a runner reads a workflow command only at the start of a line: no injected line may start one
    for (const l of r.stdout.split('\n')) {
      if (f === 'github') assert.doesNotMatch(l.replace(/^::(?:error|warning|notice)[^:]*::/, ''), /::/, `github: injected workflow command: ${l}`);
      else assert.doesNotMatch(l.trimStart(), /^::/, `${f}: a line starts a workflow command: ${l}`);
    }
    if (f !== 'ndjson') assertTerminalSafe(r.stdout.replace(/\u001b\[(?:0|1|31|33|36)m/g, ''));
  }
});
