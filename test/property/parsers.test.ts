/**
 * Property tests for every input kind's LineParser (issue 8), through the real driver (LineDriver, the
 * same code runLineParser and parseText use):
 *  - arbitrary bytes and strings, and real fixture lines mutated, never throw anything but CtdError
 *    subclasses (SkipInput / InputError for whole-input cases);
 *  - the line account always balances (total = parsed + ignored + malformed, issues ≤ min(malformed, 20))
 *    and total is the number of physical lines;
 *  - records, account, format and assumptions do not depend on how the bytes are cut into blocks
 *    (random cuts, one byte per block, cuts between \r and \n and inside multi-byte UTF-8 characters);
 *  - the same input gives the same result twice.
 * Fixed seed (FC_SEED overrides) and bounded runs; fast-check puts the seed and the shrunk counterexample
 * in the assertion message, which node:test prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { CtdError } from '../../src/model/errors.js';
import { MAX_LISTED_ISSUES, type LineAccount } from '../../src/model/line-account.js';
import { DEFAULT_CONTEXT, keepRecord, LineDriver, type LineParser } from '../../src/parsers/line-parser.js';
import { kernelLogKind } from '../../src/parsers/kernel-log/index.js';
import { countTimelineKind } from '../../src/parsers/count-timeline/index.js';
import { conntrackTableKind } from '../../src/parsers/conntrack-table/index.js';
import { conntrackStatsKind } from '../../src/parsers/conntrack-stats/index.js';
import { sysctlKind } from '../../src/parsers/sysctl/index.js';
import { fixturePath, readFixture } from '../helpers.js';

const SEED = Number(process.env['FC_SEED'] ?? 20261123);
const RUNS = Number(process.env['FC_RUNS'] ?? 200);
fc.configureGlobal({ seed: SEED, numRuns: RUNS, endOnFailure: true });

/** The parsers under test, typed loosely: the test only compares what they produce. */
type AnyParser = LineParser<unknown, unknown>;
const PARSERS: readonly { readonly name: string; readonly parser: AnyParser }[] = [
  { name: 'kernel-log', parser: kernelLogKind.parser as unknown as AnyParser },
  { name: 'count-timeline', parser: countTimelineKind.parser as unknown as AnyParser },
  { name: 'conntrack-table', parser: conntrackTableKind.parser as unknown as AnyParser },
  { name: 'conntrack-stats', parser: conntrackStatsKind.parser as unknown as AnyParser },
  { name: 'sysctl', parser: sysctlKind.parser as unknown as AnyParser },
];

const FIXTURE_DIRS = ['kernel-log', 'count-timeline', 'conntrack-table', 'conntrack-stats', 'sysctl'] as const;

/** Lines of the real fixtures of one kind (bytes, without their newline). */
function fixtureLines(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const f of readdirSync(fixturePath(dir)).sort()) {
    if (f === 'SOURCES.md') continue;
    const buf = readFixture(dir, f);
    let pos = 0;
    for (let nl = buf.indexOf(10); nl !== -1 && out.length < 100_000; nl = buf.indexOf(10, pos)) {
      if (nl > pos) out.push(buf.subarray(pos, nl));
      pos = nl + 1;
    }
    if (pos < buf.length) out.push(buf.subarray(pos));
  }
  return out;
}

const LINES: Readonly<Record<string, readonly Buffer[]>> = Object.fromEntries(FIXTURE_DIRS.map((d) => [d, fixtureLines(d)]));
/** Whole fixture files per kind, each as its lines (the structure a parser's state machine expects). */
const FILES: Readonly<Record<string, readonly (readonly Buffer[])[]>> = Object.fromEntries(FIXTURE_DIRS.map((d) => [
  d,
  readdirSync(fixturePath(d)).sort().filter((f) => f !== 'SOURCES.md').map((f) => {
    const t = readFixture(d, f);
    const ls: Buffer[] = [];
    let pos = 0;
    for (let nl = t.indexOf(10); nl !== -1 && ls.length < 300; nl = t.indexOf(10, pos)) {
      ls.push(t.subarray(pos, nl));
      pos = nl + 1;
    }
    if (pos < t.length && ls.length < 300) ls.push(t.subarray(pos));
    return ls;
  }),
]));
const ALL_LINES: readonly Buffer[] = FIXTURE_DIRS.flatMap((d) => LINES[d]!);

/** Odd things to splice into a real line. */
const HOSTILE_PIECES: readonly Buffer[] = [
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '99999999999999999999999', '18446744073709551615',
  '4294967295', '-1', 'NaN', 'Infinity', '1e308', '0x10', '\u001b[31m', '\u202e', '\r', '\b', '\t', '::error::x',
  '<script>', '`', '|', '"', '{', '}', '[', ']', '=', ':', ' ', '  ', 'é', '€', '𝄞', '\u0000\u0000', 'nf_conntrack: table full, dropping packet',
  'callbacks suppressed', 'conntrack', 'cpu=0', 'entries', '[', 'Nov 20 22:30:27', '2026-11-20T22:30:27Z', '[12345.678901]',
].map((s) => Buffer.from(s, 'utf8')).concat([Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf0, 0x9d, 0x84])]);

/** A real line, possibly mutated: spliced pieces, cut, digits replaced, bytes dropped or duplicated. */
function realLine(pool: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const line = fc.integer({ min: 0, max: pool.length - 1 }).map((i) => pool[i]!);
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('splice' as const), at: fc.nat(), piece: fc.constantFrom(...HOSTILE_PIECES) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('drop' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('dup' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ op: fc.constant('digits' as const), piece: fc.constantFrom('0', '9', '99999999999999999999', '4294967296', '-5', '') }),
    fc.record({ op: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 6 }) }),
  );
  return fc.tuple(line, fc.array(mutation, { maxLength: 3 })).map(([l, muts]) => {
    let b: Buffer = Buffer.from(l);
    for (const m of muts) {
      const at = 'at' in m ? m.at % (b.length + 1) : 0;
      switch (m.op) {
        case 'splice': b = Buffer.concat([b.subarray(0, at), m.piece, b.subarray(at)]); break;
        case 'cut': b = b.subarray(0, at); break;
        case 'drop': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]); break;
        case 'dup': b = Buffer.concat([b.subarray(0, at + m.n), b.subarray(at)]); break;
        case 'digits': b = Buffer.from(b.toString('latin1').replace(/[0-9]+/, m.piece), 'latin1'); break;
        case 'bytes': b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]); break;
      }
    }
    return b;
  });
}

const EOL = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r', '');

/** A real fixture of the kind, a few of its lines mutated, replaced or dropped, line ends varied. */
function mutatedFile(files: readonly (readonly Buffer[])[], pool: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const edit = fc.record({ at: fc.nat(), line: fc.option(realLine(pool), { nil: undefined }), mutated: realLine(ALL_LINES) });
  return fc.tuple(fc.integer({ min: 0, max: files.length - 1 }), fc.array(edit, { maxLength: 4 }), EOL, fc.boolean()).map(([fi, edits, eol, lastEol]) => {
    const ls = [...files[fi]!];
    for (const e of edits) {
      if (ls.length === 0) break;
      const at = e.at % ls.length;
      // undefined: replace by a line of another fixture (mutated); else a mutated line of this kind
      ls[at] = e.line ?? e.mutated;
    }
    const sep = Buffer.from(eol === '' ? '\n' : eol);
    const body = ls.flatMap((l, i) => (i < ls.length - 1 || lastEol ? [l, sep] : [l]));
    return Buffer.concat(body);
  });
}

/** Whole inputs: random noise, random text, or real-shaped lines (of this kind, or of any kind) mixed with noise. */
function inputs(pool: readonly Buffer[], files: readonly (readonly Buffer[])[]): fc.Arbitrary<Buffer> {
  const lineArb = fc.oneof(
    { weight: 6, arbitrary: realLine(pool) },
    { weight: 2, arbitrary: realLine(ALL_LINES) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map((s) => Buffer.from(s, 'utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)) },
  );
  const structured = fc.array(fc.tuple(lineArb, EOL), { maxLength: 25 }).map((ls) => Buffer.concat(ls.flatMap(([l, e]) => [l, Buffer.from(e)])));
  return fc.oneof(
    { weight: 6, arbitrary: mutatedFile(files, pool) },
    { weight: 4, arbitrary: structured },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s, 'utf8')) },
  );
}

/** Everything a parse produces that must not depend on chunking: records, account, format, assumptions, or the error. */
interface Outcome {
  readonly records: unknown[];
  readonly account: LineAccount;
  readonly format: string | null;
  readonly assumptions: readonly string[];
  readonly error: { readonly name: string; readonly code: string; readonly message: string } | null;
}

function run(parser: AnyParser, chunks: readonly Buffer[]): Outcome {
  const records: unknown[] = [];
  // kept inside the sink: a fast path may hand out one transient record object (keepRecord)
  const d = new LineDriver(parser, DEFAULT_CONTEXT, (r) => records.push(keepRecord(r)));
  let error: Outcome['error'] = null;
  try {
    for (const c of chunks) d.push(c);
    d.end();
  } catch (e) {
    // only the documented error types may escape; anything else fails the property with its stack
    if (!(e instanceof CtdError)) throw e;
    error = { name: e.name, code: e.code, message: e.message };
  }
  // records go through JSON so that the comparison is about what the report can see (and -0 vs 0 is not noise)
  return {
    records: JSON.parse(JSON.stringify(records)) as unknown[],
    account: structuredClone(d.account),
    format: parser.format?.(d.state) ?? null,
    assumptions: parser.assumptions?.(d.state) ?? [],
    error,
  };
}

/** Physical lines as the splitter counts them: LF-terminated, plus a last line without LF. */
function physicalLines(b: Buffer): number {
  let start = 0;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) start = 3;
  let n = 0;
  for (let i = b.indexOf(10, start); i !== -1; i = b.indexOf(10, i + 1)) n++;
  const last = b.lastIndexOf(10);
  if (b.length > start && last !== b.length - 1) n++;
  return n;
}

function assertAccount(o: Outcome, input: Buffer): void {
  const a = o.account;
  assert.equal(a.total, a.parsed + a.ignored + a.malformed, `unbalanced account ${JSON.stringify({ ...a, issues: a.issues.length })}`);
  assert.ok(a.issues.length <= Math.min(a.malformed, MAX_LISTED_ISSUES), 'more issues listed than malformed lines (or over 20)');
  assert.equal(a.total, physicalLines(input), 'total is not the number of physical lines');
  for (const i of a.issues) assert.ok(i.line >= 1 && i.line <= a.total, `issue line ${i.line} out of range`);
}

/** Cut points: random ones, every \r|\n boundary, and the middle of every multi-byte UTF-8 character. */
function cuts(b: Buffer, random: readonly number[]): Buffer[] {
  const points = new Set<number>();
  for (const r of random) points.add(b.length ? r % (b.length + 1) : 0);
  for (let i = 1; i < b.length; i++) {
    if (b[i - 1] === 13 && b[i] === 10) points.add(i);
    if ((b[i]! & 0xc0) === 0x80) points.add(i); // a continuation byte: the cut falls inside a character
  }
  const sorted = [...points].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(b.subarray(prev, p)); // empty blocks are part of the test too
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

function oneByteBlocks(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}

for (const { name, parser } of PARSERS) {
  const pool = LINES[name]!;

  test(`${name}: any input → CtdError or a balanced account; chunking and repetition change nothing`, () => {
    let withRecords = 0;
    let runs = 0;
    fc.assert(
      fc.property(inputs(pool, FILES[name]!), fc.array(fc.nat(), { maxLength: 6 }), (input, random) => {
        const whole = run(parser, [input]);
        runs++;
        if (whole.records.length > 0) withRecords++;
        assertAccount(whole, input);
        assert.deepEqual(run(parser, [input]), whole, 'same input, different result');
        assert.deepEqual(run(parser, cuts(input, random)), whole, 'cut into blocks, different result');
      }),
    );
    // the arbitraries are built from real lines: a fair share of runs must reach the parser's record paths
    assert.ok(withRecords * 5 >= runs, `only ${withRecords} of ${runs} inputs gave records`);
  });

  test(`${name}: one byte per block gives the same result as one block`, () => {
    fc.assert(
      fc.property(inputs(pool, FILES[name]!), (input) => {
        assert.deepEqual(run(parser, oneByteBlocks(input)), run(parser, [input]));
      }),
      { numRuns: Math.max(1, Math.floor(RUNS / 4)) },
    );
  });
}

test('every real fixture, cut at every \\r\\n and inside every multi-byte character, parses as one block does', () => {
  for (const { name, parser } of PARSERS) {
    for (const f of readdirSync(fixturePath(name)).sort()) {
      if (f === 'SOURCES.md') continue;
      const bytes = readFixture(name, f);
      const whole = run(parser, [bytes]);
      assertAccount(whole, bytes);
      assert.deepEqual(run(parser, cuts(bytes, [7, 1000, 4095])), whole, `${name}/${f}`);
      // CRLF versions of the same file count the same lines and parse the same way
      const crlf = Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
      const c = run(parser, [crlf]);
      assert.deepEqual(c.account, whole.account, `${name}/${f} with CRLF`);
    }
  }
});
