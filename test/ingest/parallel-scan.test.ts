import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { KernelEvent } from '../../src/model/records.js';
import { MAX_LINE_BYTES } from '../../src/model/line-account.js';
import { DEFAULT_CONTEXT, LineDriver, parseText, runLineParserOnFile, type FileScanOptions, type LineParser, type ParseContext } from '../../src/parsers/line-parser.js';
import type { KernelLogState } from '../../src/parsers/kernel-log/index.js';
import { kernelLogKind, kernelLogParser } from '../../src/parsers/kernel-log/index.js';
import { newAccount } from '../../src/model/line-account.js';
import type { AnyRecord } from '../../src/model/records.js';
import { parallelScanWorkers, scanRange, type ScanJob } from '../../src/ingest/parallel-scan.js';
import { newKernelRangeClassifier } from '../../src/parsers/kernel-log/prefilter.js';
import { SimdBlockScan } from '../../src/util/simd-scan.js';
import { assertBalanced, fixturePath, readFixture, seededRandom } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ctd-pscan-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

const CTX: Partial<ParseContext> = { path: 'kern.log', year: 2024 };

function serial(bytes: Buffer) {
  const r = parseText(kernelLogParser, bytes, CTX);
  assertBalanced(r.account);
  return { records: r.records, account: r.account, format: kernelLogParser.format!(r.state), assumptions: kernelLogParser.assumptions!(r.state) };
}

async function parallel(bytes: Buffer, opts: FileScanOptions) {
  const file = join(dir, `in-${fileNo++}.log`);
  writeFileSync(file, bytes);
  const records: KernelEvent[] = [];
  const r = await runLineParserOnFile(kernelLogParser, { file, path: file, noFollow: false, gunzip: true }, { sourceId: '1', path: 'kern.log', mtimeMs: null, year: 2024, tz: parseText(kernelLogParser, '', CTX).state.ctx.tz }, (e) => records.push(e), undefined, { minBytes: 0, ...opts });
  assert.ok(r !== null, 'the parallel path declined');
  assertBalanced(r.account);
  return { records, account: r.account, format: kernelLogParser.format!(r.state), assumptions: kernelLogParser.assumptions!(r.state) };
}

async function assertSame(bytes: Buffer, opts: FileScanOptions, what: string): Promise<void> {
  const want = serial(bytes);
  const got = await parallel(bytes, opts);
  assert.deepEqual(got, want, `${what} (${JSON.stringify(opts)})`);
}

const DROP = 'nf_conntrack: table full, dropping packet';
const BOOTS = ['0f3c1e2d4b5a69788796a5b4c3d2e1f0', '1a2b3c4d5e6f708192a3b4c5d6e7f809', '9c1d5e0b7a2f4c6e8d3b1a0f2e4c6d8a'];

/** A seeded log of every framing and oddity the prefilter and the splitter know, `n` lines. */
function mixedLog(seed: number, n: number): Buffer {
  const rnd = seededRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const parts: Buffer[] = [];
  if (rnd() < 0.5) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  let up = 100;
  let ts = Date.UTC(2024, 2, 1, 9, 0, 0);
  for (let i = 0; i < n; i++) {
    up += rnd() * 3;
    ts += Math.floor(rnd() * 4000);
    const d = new Date(ts);
    const stamp = `Mar  ${d.getUTCDate()} ${d.toISOString().slice(11, 19)}`;
    const host = pick(['web-07', 'db-1', 'gw']);
    const nl = rnd() < 0.1 ? '\r\n' : '\n';
    const r = rnd();
    let line: string | Buffer;
    if (r < 0.35) line = `${stamp} ${host} kernel: [${up.toFixed(6)}] eth0: link is up ${'x'.repeat(Math.floor(rnd() * 80))}`;
    else if (r < 0.5) line = `${stamp} ${host} kernel: [${up.toFixed(6)}] ${DROP}`;
    else if (r < 0.55) line = `[${up.toFixed(6)}] nf_conntrack: ${DROP}`;
    else if (r < 0.58) line = `${stamp} ${host} kernel: [${up.toFixed(6)}] net_ratelimit: ${Math.floor(rnd() * 900)} callbacks suppressed`;
    else if (r < 0.6) line = `${stamp} ${host} kernel: [${(rnd() * 5).toFixed(6)}] Linux version 5.15.0-91-generic (buildd@lcy02)`;
    else if (r < 0.62) line = pick(['-- Reboot --', `-- Boot ${pick(BOOTS)} --`, '-- Logs begin at Fri 2024-03-01 09:00:00 UTC. --', '   -- Reboot --']);
    else if (r < 0.64) line = `${stamp} ${host} kernel: nf_conntrack: table full,`; // hard-wrapped: the tail follows
    else if (r < 0.66) line = 'dropping packet';
    else if (r < 0.68) line = Buffer.concat([Buffer.from(`${stamp} ${host} kernel: `), Buffer.alloc(1 + Math.floor(rnd() * 30)), Buffer.from(DROP)]);
    else if (r < 0.69) line = Buffer.alloc(1 + Math.floor(rnd() * 200)); // a NUL-only region
    else if (r < 0.70) line = `${'conntrack '.repeat(Math.floor(MAX_LINE_BYTES / 10) + Math.floor(rnd() * 3000))}`; // too long
    else if (r < 0.71) line = `> ${stamp} ${host} kernel: TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.`;
    else if (r < 0.73) line = '';
    else if (r < 0.74) line = `root@${host}:~# dmesg | grep conntrack`;
    else {
      // journal JSON: hosts and boots change now and then; some lines carry a decoy key before the real one
      const boot = rnd() < 0.9 ? BOOTS[0]! : pick(BOOTS);
      const jh = rnd() < 0.85 ? 'web-07' : pick(['web-07', 'db-1', '__proto__']);
      const msg = rnd() < 0.2 ? DROP : rnd() < 0.1 ? '\\u001b[0m colour' : 'eth0: carrier lost';
      const decoy = rnd() < 0.03 ? '"X_HOSTNAME":"decoy",' : '';
      line = `{"__REALTIME_TIMESTAMP":"${ts}000","__MONOTONIC_TIMESTAMP":"${Math.floor(up * 1e6)}",${decoy}"_BOOT_ID":"${boot}","_TRANSPORT":"kernel","_HOSTNAME":"${jh}","MESSAGE":"${msg}"}`;
    }
    parts.push(typeof line === 'string' ? Buffer.from(line) : line, Buffer.from(nl));
  }
  if (rnd() < 0.5) parts.push(Buffer.from(`${DROP} without a newline`));
  return Buffer.concat(parts);
}

/**
 * A seeded journal export, `n` lines: mostly JSON lines of one host and boot (the runs the range
 * classifier skips at once, prefilter.ts JsonRunSkip), broken now and then by everything that must end
 * such a run or be read the general way: id changes (also to a longer host with the same start), lines
 * without host or boot, keys with blanks, decoy keys before the real ones, key names inside messages,
 * needles, escapes, byte-array messages, markers, blank and indented lines, CRLF, lines over the cap.
 */
function journalLog(seed: number, n: number): Buffer {
  const rnd = seededRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  let boot = BOOTS[0]!;
  let host = 'web-07';
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.01) boot = pick([...BOOTS, 'short']);
    else if (r < 0.02) host = pick(['web-07', 'web-070', 'web-0', 'db-1']);
    let bootField = `"_BOOT_ID":"${boot}",`;
    let hostField = `"_HOSTNAME":"${host}",`;
    let msg = '"MESSAGE":"eth0: carrier lost"';
    let pre = '';
    const q = rnd();
    if (q < 0.02) bootField = '';
    else if (q < 0.04) hostField = '';
    else if (q < 0.05) bootField = `"_BOOT_ID" : "${boot}",`;
    else if (q < 0.06) hostField = `"_HOSTNAME" :"${host}",`;
    else if (q < 0.07) pre = `"X_BOOT_ID":"${BOOTS[1]}","X_HOSTNAME":"decoy",`;
    else if (q < 0.08) msg = '"MESSAGE":"key \\"_BOOT_ID\\" and HOSTNAME\\" in text"';
    else if (q < 0.09) pre = `"MESSAGE":"see _BOOT_ID","OTHER":"BOOT BOOT_I HOSTNAM",`;
    else if (q < 0.1) msg = `"MESSAGE":"${DROP}"`;
    else if (q < 0.11) msg = '"MESSAGE":"\\u001b[0m colour"';
    else if (q < 0.115) msg = '"MESSAGE":[110,102,95,99,111,110,110,116,114,97,99,107]';
    else if (q < 0.12) hostField = `"_HOSTNAME":"${host}","_HOSTNAME":"other",`;
    else if (q < 0.125) bootField = `"_BOOT_ID":"${boot}","_BOOT_ID":"${BOOTS[2]}",`;
    else if (q < 0.135) { pre = `"X_BOOT_ID":"${boot}",`; hostField = '"_HOSTNAME":"elsewhere",'; }
    else if (q < 0.14) { pre = `"X_HOSTNAME":"${host}",`; hostField = '"_HOSTNAME":"elsewhere",'; }
    else if (q < 0.145) msg = `"MESSAGE":"${'y'.repeat(MAX_LINE_BYTES + Math.floor(rnd() * 100) - 120)}"`;
    let line = `{"__REALTIME_TIMESTAMP":"${1715594400000000 + i * 1000}",${pre}${bootField}"_TRANSPORT":"kernel",${hostField}${msg}}`;
    const w = rnd();
    if (w < 0.005) line = '-- Reboot --';
    else if (w < 0.01) line = '';
    else if (w < 0.015) line = ` ${line}`;
    out.push(line, rnd() < 0.05 ? '\r\n' : '\n');
  }
  return Buffer.from(out.join(''));
}

describe('parallel range scan (kernel-log)', () => {
  it('gives the serial outcome on every kernel-log fixture, with ranges of any size', async () => {
    const names = readdirSync(fixturePath('kernel-log')).filter((f) => f.endsWith('.txt'));
    assert.ok(names.length > 10);
    for (const name of names) {
      const bytes = readFixture('kernel-log', name);
      for (const rangeBytes of [3, 64, 997, 1 << 20]) await assertSame(bytes, { workers: 0, rangeBytes }, name);
    }
  });

  it('gives the serial outcome on seeded mixed logs (framings, JSON boots, NULs, CRLF, BOM, long lines)', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const bytes = mixedLog(seed, 400);
      for (const rangeBytes of [13, 256, 4096, 65536, 300_000]) await assertSame(bytes, { workers: 0, rangeBytes }, `seed ${seed}`);
    }
  });

  it('journal exports: runs of same-id JSON lines skipped at once give the serial outcome', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const bytes = journalLog(seed, 3000);
      const want = serial(bytes);
      assert.ok(want.records.filter((e) => e.type === 'reboot').length >= 10, `seed ${seed}: boot changes seen`);
      for (const rangeBytes of [4096, 65536, 1 << 20]) await assertSame(bytes, { workers: 0, rangeBytes }, `journal seed ${seed}`);
    }
  });

  it('journal exports: the SIMD classifier sends exactly the lines the indexOf one sends', () => {
    if (SimdBlockScan.create({ anchors: ['ab'], lineStart: [] }) === null) return; // no WebAssembly SIMD here: one path only
    for (let seed = 1; seed <= 6; seed++) {
      const file = join(dir, `verdicts-${seed}.log`);
      const bytes = journalLog(seed, 3000);
      writeFileSync(file, bytes);
      const fd = openSync(file, 'r');
      try {
        for (const rangeBytes of [4096, 1 << 20]) {
          const job: ScanJob = { file, path: file, noFollow: false, size: bytes.length, rangeBytes, count: Math.ceil(bytes.length / rangeBytes), maxLineBytes: MAX_LINE_BYTES, keepBytes: 800 };
          const simd = newKernelRangeClassifier();
          const plain = newKernelRangeClassifier(false);
          const block = Buffer.allocUnsafeSlow(128 * 1024);
          for (let i = 0; i < job.count; i++) {
            const a = scanRange(fd, job, i, simd, block);
            const b = scanRange(fd, job, i, plain, block);
            assert.deepEqual({ ...a, bytes: a.bytes.toString('latin1') }, { ...b, bytes: b.bytes.toString('latin1') }, `seed ${seed}, range ${i} of ${rangeBytes}`);
          }
        }
      } finally {
        closeSync(fd);
      }
    }
  });

  it('ranges that end exactly on a newline, a CR, or inside a CRLF', async () => {
    const line = `Mar  1 09:00:00 h kernel: [1.000000] ${DROP}`;
    const bytes = Buffer.from(`${line}\r\n${line}\n\n${line}\r\n${line}`);
    for (let rangeBytes = 1; rangeBytes <= bytes.length + 1; rangeBytes++) await assertSame(bytes, { workers: 0, rangeBytes }, `range ${rangeBytes}`);
  });

  it('a line longer than many ranges is one line-too-long issue with its first 800 bytes', async () => {
    const long = 'nf_conntrack: table full, dropping packet '.repeat(5000);
    const bytes = Buffer.from(`${DROP}\n${long}\n${DROP}\n${long}`);
    const got = await parallel(bytes, { workers: 0, rangeBytes: 4096 });
    assert.deepEqual({ ...got.account, issues: got.account.issues.map((i) => [i.line, i.code, i.text.length]) },
      { total: 4, parsed: 2, ignored: 0, malformed: 2, issues: [[2, 'line-too-long', 200], [4, 'line-too-long', 200]] });
    await assertSame(bytes, { workers: 0, rangeBytes: 4096 }, 'long lines');
  });

  it('a too-long line with no needle, inside one read block, between skipped lines, is still one line-too-long', async () => {
    // the SIMD bulk skip (util/simd-scan.ts) counts the lines between candidates at once: it must see
    // that one of them is over the cap (64 KiB) and walk them instead
    const plain = 'Mar  1 09:00:00 h kernel: [1.000000] eth0: link up';
    for (const len of [65536, 65537, 65540, 70000, 65536 + 31, 65536 + 32, 65536 + 33]) {
      const bytes = Buffer.from(`${DROP}\n${plain}\n${'a'.repeat(len)}\n${plain}\n${'b'.repeat(len - 40)}\r\n${plain}\n${DROP}\n`);
      const want = serial(bytes);
      assert.equal(want.account.malformed, (len > 65536 ? 1 : 0) + (len - 40 > 65536 ? 1 : 0), `serial, ${len}`);
      await assertSame(bytes, { workers: 0 }, `long plain line of ${len}`);
    }
  });

  it('journal JSON: a boot change on an ignored line is seen, and a decoy key forces the re-read of a range', async () => {
    const j = (boot: string, host: string, msg: string, decoy = ''): string =>
      `{"__REALTIME_TIMESTAMP":"1715594400000000",${decoy}"_BOOT_ID":"${boot}","_TRANSPORT":"kernel","_HOSTNAME":"${host}","MESSAGE":"${msg}"}`;
    const lines = [
      j(BOOTS[0]!, 'node-a', DROP), j(BOOTS[0]!, 'node-a', 'noise'), j(BOOTS[1]!, 'node-a', 'noise'), j(BOOTS[1]!, 'node-a', 'noise'),
      // the byte prefilter reads the decoy's host, line() the real one: wants() keeps accepting these lines
      j(BOOTS[2]!, 'node-a', 'noise', '"X_HOSTNAME":"decoy",'), j(BOOTS[2]!, 'node-a', 'noise', '"X_HOSTNAME":"decoy",'),
      j(BOOTS[0]!, 'node-a', 'noise', '"X_HOSTNAME":"decoy",'), j(BOOTS[0]!, 'node-a', DROP),
    ];
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const want = serial(bytes);
    assert.deepEqual(want.records.map((e) => e.type), ['drop', 'reboot', 'reboot', 'reboot', 'drop']);
    for (const rangeBytes of [50, 300, 1 << 16]) await assertSame(bytes, { workers: 0, rangeBytes }, 'journal boots');
  });

  it('the kind module: runFile gives what run gives (records, account, format, assumptions)', async () => {
    const bytes = Buffer.concat([readFixture('kernel-log', 'k8s-18604-dmesg-raw.txt'), mixedLog(5, 300)]);
    const file = join(dir, 'kind.log');
    writeFileSync(file, bytes);
    const ctx: ParseContext = { sourceId: '1', path: 'kind.log', mtimeMs: Date.UTC(2024, 5, 1), year: null, tz: parseText(kernelLogParser, '', CTX).state.ctx.tz };
    const a: AnyRecord[] = [];
    const accA = newAccount();
    const viaRun = await kernelLogKind.run((async function* () { yield bytes; })(), ctx, (r) => a.push(r), accA);
    const b: AnyRecord[] = [];
    const accB = newAccount();
    const viaFile = await kernelLogKind.runFile!({ file, path: file, noFollow: false, gunzip: true }, ctx, (r) => b.push(r), accB, { workers: 0, minBytes: 0, rangeBytes: 1000 });
    assert.deepEqual(viaFile, viaRun);
    assert.deepEqual(b, a);
    assert.deepEqual(accB, accA);
    assert.equal(await kernelLogKind.runFile!({ file, path: file, noFollow: false, gunzip: true }, ctx, () => undefined, newAccount()), null, 'declines a small file by default');
  });

  it('declines small and gzip files (the caller reads them serially)', async () => {
    const file = join(dir, 'small.log');
    writeFileSync(file, `${DROP}\n`);
    const f = { file, path: file, noFollow: false, gunzip: true };
    const ctx = { sourceId: '1', path: file, mtimeMs: null, year: 2024, tz: parseText(kernelLogParser, '', CTX).state.ctx.tz };
    assert.equal(await runLineParserOnFile(kernelLogParser, f, ctx, () => undefined), null);
    const gz = join(dir, 'big.log.gz');
    writeFileSync(gz, gzipSync(Buffer.from(`${DROP}\n`.repeat(1000))));
    assert.equal(await runLineParserOnFile(kernelLogParser, { ...f, file: gz }, ctx, () => undefined, undefined, { minBytes: 0, workers: 0 }), null);
  });

  it('with worker threads (compiled build only): the serial outcome', { skip: parallelScanWorkers() === 0 ? 'no worker script (run from sources) or one core' : false }, async () => {
    const bytes = Buffer.concat([mixedLog(99, 3000), mixedLog(100, 3000)]);
    for (const rangeBytes of [4096, 100_000]) await assertSame(bytes, { workers: 2, rangeBytes }, 'workers');
  });

  it('one worker and this thread sharing hundreds of small ranges (this thread waits when a window ahead): the serial outcome', { skip: parallelScanWorkers() === 0 ? 'no worker script (run from sources) or one core' : false }, async () => {
    const bytes = Buffer.concat([mixedLog(101, 3000), mixedLog(102, 3000)]);
    for (const rangeBytes of [512, 2048]) await assertSame(bytes, { workers: 1, rangeBytes }, 'one worker');
    // every line a candidate, and this thread waiting whenever any result is held back (the byte bound)
    const drops = Buffer.from(Array.from({ length: 40_000 }, (_, k) => `Jun  2 01:${String(Math.floor(k / 1000) % 60).padStart(2, '0')}:${String(k % 60).padStart(2, '0')} web-07 kernel: [${1000 + k}.000001] ${DROP}\n`).join(''));
    await assertSame(drops, { workers: 1, rangeBytes: 16 * 1024, pendingBytes: 1 }, 'one worker, byte bound');
  });

  it('a file dense in candidates lets the workers go after two ranges and ends on this thread: the serial outcome', { skip: parallelScanWorkers() === 0 ? 'no worker script (run from sources) or one core' : false }, async () => {
    // every line a drop line (a week of a full table): dense; one drop among 19 noise lines: not
    const line = (k: number, body: string): string => `Jun  2 ${String(Math.floor(k / 3600) % 24).padStart(2, '0')}:${String(Math.floor(k / 60) % 60).padStart(2, '0')}:${String(k % 60).padStart(2, '0')} web-07 kernel: [${1000 + k}.000001] ${body}\n`;
    const dense = Buffer.from(Array.from({ length: 30_000 }, (_, k) => line(k, DROP)).join(''));
    const sparse = Buffer.from(Array.from({ length: 30_000 }, (_, k) => line(k, k % 20 === 0 ? DROP : `eth0: link up ${k}`)).join(''));
    for (const [bytes, want] of [[dense, 1], [sparse, 0]] as const) {
      for (const workers of [1, 2]) {
        let calls = 0;
        await assertSame(bytes, { workers, rangeBytes: 64 * 1024, onDense: () => calls++ }, `${want ? 'dense' : 'sparse'}, ${workers} workers`);
        assert.equal(calls, want, `${want ? 'dense' : 'sparse'}, ${workers} workers`);
      }
    }
  });
});

describe('kernel-log bulk prefilter (nextCandidate + candidateStart)', () => {
  // the same parser without bulk skipping: wants() sees every line
  const { nextCandidate: _next, candidateStart: _start, ...rest } = kernelLogParser;
  const perLine: LineParser<KernelEvent, KernelLogState> = rest;

  function run(p: LineParser<KernelEvent, KernelLogState>, bytes: Buffer, block: number) {
    const records: KernelEvent[] = [];
    const d = new LineDriver(p, { ...DEFAULT_CONTEXT, ...CTX }, (e) => records.push(e));
    for (let i = 0; i < bytes.length; i += block) d.push(bytes.subarray(i, i + block));
    d.end();
    assertBalanced(d.account);
    return { records, account: d.account, format: p.format!(d.state) };
  }

  it('skips only lines wants() rejects: the same outcome as a per-line prefilter, in any block size', () => {
    const inputs: [string, Buffer][] = readdirSync(fixturePath('kernel-log')).filter((f) => f.endsWith('.txt')).map((f) => [f, readFixture('kernel-log', f)]);
    for (let seed = 1; seed <= 6; seed++) inputs.push([`seed ${seed}`, mixedLog(seed, 500)]);
    for (const [name, bytes] of inputs) {
      const want = run(perLine, bytes, bytes.length + 1);
      for (const block of [7, 4096, bytes.length + 1]) assert.deepEqual(run(kernelLogParser, bytes, block), want, `${name} in ${block}-byte blocks`);
    }
  });

  it('journal markers and JSON lines are found by their start (no needle in them)', () => {
    const bytes = Buffer.from(' > -- Reboot --\nnoise\r\n{"_BOOT_ID":"b1","_HOSTNAME":"h","MESSAGE":"x"}\r\n\t-- Boot 0f3c --\n{"_BOOT_ID":"b2","_HOSTNAME":"h","MESSAGE":"y"}\n');
    const r = run(kernelLogParser, bytes, 5);
    assert.deepEqual(r.records.map((e) => e.type), ['reboot', 'reboot', 'reboot']);
    assert.deepEqual({ ...r.account, issues: [] }, { total: 5, parsed: 3, ignored: 2, malformed: 0, issues: [] });
    assert.deepEqual(r, run(perLine, bytes, bytes.length));
  });
});
