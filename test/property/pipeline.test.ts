/**
 * Property tests for the whole pipeline (issue 8): ingestSource over an in-memory Source (sniffing,
 * binary check, parsing, digests) and runAnalysis + the renderers over temp files.
 *  - arbitrary bytes and mutated real fixtures never make it throw (input problems become input statuses);
 *  - every input's line account balances;
 *  - the input report and digests do not depend on how the bytes arrive in blocks (incl. cuts between
 *    \r and \n and inside multi-byte UTF-8 characters);
 *  - the same input gives a byte-identical JSON report, and the text report holds no control character
 *    (but newline) and no bidi override, whatever the log text says.
 * Fixed seed (FC_SEED overrides) and bounded runs; fast-check prints the seed and counterexample on failure.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ingestSource, runAnalysis } from '../../src/analyze.js';
import type { Source } from '../../src/ingest/source.js';
import { HEAD_BYTES } from '../../src/ingest/source.js';
import { kinds } from '../../src/parsers/index.js';
import type { DigestBag } from '../../src/analysis/registry.js';
import { buildTableSection } from '../../src/analysis/table.js';
import { renderers } from '../../src/index.js';
import type { InputReport } from '../../src/model/report.js';
import { fixturePath, readFixture } from '../helpers.js';

const SEED = Number(process.env['FC_SEED'] ?? 20261123);
const RUNS = Number(process.env['FC_RUNS'] ?? 200);
fc.configureGlobal({ seed: SEED, numRuns: RUNS, endOnFailure: true });

const DIRS = ['kernel-log', 'count-timeline', 'conntrack-table', 'conntrack-stats', 'sysctl'] as const;

/** Every real fixture, by kind, as its lines (bytes, no newline; at most 300 lines a file). */
const FILES: readonly { readonly dir: string; readonly name: string; readonly lines: readonly Buffer[] }[] = DIRS.flatMap((dir) =>
  readdirSync(fixturePath(dir)).sort().filter((f) => f !== 'SOURCES.md').map((name) => {
    const t = readFixture(dir, name);
    const lines: Buffer[] = [];
    let pos = 0;
    for (let nl = t.indexOf(10); nl !== -1 && lines.length < 300; nl = t.indexOf(10, pos)) {
      lines.push(t.subarray(pos, nl));
      pos = nl + 1;
    }
    if (pos < t.length && lines.length < 300) lines.push(t.subarray(pos));
    return { dir, name, lines };
  }));
const ALL_LINES: readonly Buffer[] = FILES.flatMap((f) => f.lines);

const PIECES: readonly Buffer[] = [
  '__proto__', 'constructor', '99999999999999999999999', '4294967295', '-1', '\u001b]0;pwned\u0007', '\u001b[2J', '\u202e', '\u2066',
  '\r', '\b\b\b', '<img src=x onerror=alert(1)>', '](javascript:alert(1))', '::error file=x::pwn', '%0A', '\u0085', '\u009b31m',
  'é', '𝄞', '\u0000\u0000\u0000', 'nf_conntrack: table full, dropping packet', '1234 callbacks suppressed',
].map((s) => Buffer.from(s, 'utf8')).concat([Buffer.from([0xff, 0xfe]), Buffer.from([0xe2, 0x80]), Buffer.from([0xc3])]);

/** A real line with up to three splices of hostile pieces or random bytes. */
const mutatedLine: fc.Arbitrary<Buffer> = fc.tuple(
  fc.integer({ min: 0, max: ALL_LINES.length - 1 }),
  fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...PIECES), fc.uint8Array({ maxLength: 4 }).map((u) => Buffer.from(u)))), { maxLength: 3 }),
).map(([i, splices]) => {
  let b: Buffer = ALL_LINES[i]!;
  for (const [at, piece] of splices) {
    const k = at % (b.length + 1);
    b = Buffer.concat([b.subarray(0, k), piece, b.subarray(k)]);
  }
  return b;
});

const EOL = fc.constantFrom('\n', '\n', '\r\n');

/** A real fixture with a few lines replaced by mutated lines (of any kind), or noise, or a mix of lines. */
const inputArb: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: FILES.length - 1 }), fc.array(fc.tuple(fc.nat(), mutatedLine), { maxLength: 4 }), EOL, fc.boolean())
      .map(([fi, edits, eol, bom]) => {
        const ls = [...FILES[fi]!.lines];
        for (const [at, l] of edits) if (ls.length) ls[at % ls.length] = l;
        const body = Buffer.concat(ls.flatMap((l) => [l, Buffer.from(eol)]));
        return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
      }),
  },
  { weight: 2, arbitrary: fc.array(fc.tuple(mutatedLine, EOL), { maxLength: 20 }).map((ls) => Buffer.concat(ls.flatMap(([l, e]) => [l, Buffer.from(e)]))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s, 'utf8')) },
);

/** An in-memory Source yielding the given blocks (a fresh iteration each call). */
function memorySource(blocks: readonly Buffer[], path = 'input.log'): Source {
  return {
    id: '1', path, origin: 'explicit', mtimeMs: null,
    async *chunks() {
      for (const b of blocks) yield b;
    },
  };
}

function cuts(b: Buffer, random: readonly number[]): Buffer[] {
  const points = new Set<number>();
  for (const r of random) points.add(b.length ? r % (b.length + 1) : 0);
  for (let i = 1; i < b.length; i++) {
    if (b[i - 1] === 13 && b[i] === 10) points.add(i);
    if ((b[i]! & 0xc0) === 0x80) points.add(i);
  }
  const sorted = [...points].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

function assertBalancedInput(i: InputReport): void {
  const l = i.lines;
  assert.equal(l.total, l.parsed + l.ignored + l.malformed, `unbalanced account of ${i.path}: ${JSON.stringify(l)}`);
  assert.ok(i.issues.length <= Math.min(l.malformed, 20));
}

/** Characters that must never reach a terminal from the text report: C0 (but \t, \n), DEL, C1, bidi controls. */
const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * A bag as data: a table digest's best capture as the section and evidence it builds (its tallies may
 * live in the capture engine's WebAssembly memory, whose bytes also hold scratch areas).
 */
function comparable(bag: DigestBag): unknown {
  return {
    ...bag,
    table: bag.table.map((d) => {
      if (d.best === null) return d;
      const built = buildTableSection([d], { settings: {} });
      return { ...d, best: { section: built.section, evidence: [...built.evidence] } };
    }),
  };
}

test('ingestSource: any bytes → a status and a balanced account; block boundaries change nothing', async () => {
  await fc.assert(
    fc.asyncProperty(inputArb, fc.array(fc.nat(), { maxLength: 6 }), async (input, random) => {
      const whole = await ingestSource(memorySource([input]), { year: 2026 }, kinds, []);
      assertBalancedInput(whole.report);
      const parts = await ingestSource(memorySource(cuts(input, random)), { year: 2026 }, kinds, []);
      assert.deepEqual(parts.report, whole.report, 'cut into blocks, different input report');
      assert.deepEqual(comparable(parts.bag), comparable(whole.bag), 'cut into blocks, different digests');
      const again = await ingestSource(memorySource([input]), { year: 2026 }, kinds, []);
      assert.deepEqual(again.report, whole.report, 'same input, different input report');
    }),
  );
});

test('ingestSource: one byte per block gives the same input report as one block', async () => {
  await fc.assert(
    fc.asyncProperty(inputArb, async (input) => {
      const blocks: Buffer[] = [];
      for (let i = 0; i < input.length; i++) blocks.push(input.subarray(i, i + 1));
      const whole = await ingestSource(memorySource([input]), { year: 2026 }, kinds, []);
      const bytes = await ingestSource(memorySource(blocks), { year: 2026 }, kinds, []);
      assert.deepEqual(bytes.report, whole.report);
    }),
    { numRuns: Math.max(1, Math.floor(RUNS / 5)) },
  );
});

const tmp = mkdtempSync(join(tmpdir(), 'ctdoctor-prop-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('runAnalysis + renderers: never throw, same input → byte-identical report, text report terminal-safe', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(inputArb, { minLength: 1, maxLength: 3 }), async (files) => {
      const paths = files.map((f, i) => {
        const p = join(tmp, `run${n}-${i}.log`);
        writeFileSync(p, f);
        utimesSync(p, new Date('2026-11-23T00:00:00Z'), new Date('2026-11-23T00:00:00Z'));
        return p;
      });
      n++;
      const a = await runAnalysis(paths, { year: 2026 });
      const b = await runAnalysis(paths, { year: 2026 });
      for (const i of a.report.inputs) assertBalancedInput(i);
      const json = renderers.json(a.report, { color: false, failOn: 'error' });
      assert.equal(renderers.json(b.report, { color: false, failOn: 'error' }), json, 'same input, different JSON report');
      JSON.parse(json);
      const text = renderers.text(a.report, { color: false, failOn: 'error' });
      const bad = UNSAFE_TEXT.exec(text);
      assert.equal(bad, null, `unsafe character U+${bad?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} in the text report`);
      for (const p of paths) rmSync(p, { force: true });
    }),
    { numRuns: Math.max(1, Math.floor(RUNS / 4)) },
  );
});

test('sniffing does not depend on block size (a first line longer than the sniffing head)', async () => {
  // A pipe delivers 64 KiB blocks, a file one 16 MiB block: both must choose the same kind.
  const drop = 'Nov 20 22:30:27 h1 kernel: nf_conntrack: table full, dropping packet\n';
  const input = Buffer.concat([Buffer.alloc(HEAD_BYTES + 4000, 'a'), Buffer.from('\n'), Buffer.from(drop.repeat(10))]);
  const whole = await ingestSource(memorySource([input]), { year: 2026 }, kinds, []);
  const blocks: Buffer[] = [];
  for (let i = 0; i < input.length; i += 65536) blocks.push(input.subarray(i, i + 65536));
  const piped = await ingestSource(memorySource(blocks), { year: 2026 }, kinds, []);
  assert.equal(whole.report.status, 'parsed');
  assert.deepEqual(piped.report, whole.report);
  assert.deepEqual(whole.report.lines, { total: 11, parsed: 10, ignored: 0, malformed: 1 });
});
