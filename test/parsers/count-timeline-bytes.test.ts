/**
 * The byte path of the count-timeline parser (`lineBytes`, classicLineBytes in count-timeline.ts) must
 * give exactly what the string path gives: the same records, account, state, format and assumptions, on
 * every fixture and on generated usage logs (fixed seed) full of near-misses of the classic shape, whole
 * and cut into small blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { CountSample } from '../../src/model/records.js';
import { countTimelineParser, type CountTimelineState } from '../../src/parsers/count-timeline/index.js';
import { DEFAULT_CONTEXT, LineDriver, type LineParser, type ParseContext } from '../../src/parsers/line-parser.js';
import { makeTimeZone } from '../../src/util/time.js';
import { fixturePath, readFixture, seededRandom } from '../helpers.js';

type P = LineParser<CountSample, CountTimelineState>;

/** The string path only. */
const stringOnly: P = { ...countTimelineParser, lineBytes: undefined };

/** The byte path, counting the lines it took. */
function counting(): { parser: P; taken: () => number } {
  let n = 0;
  const parser: P = {
    ...countTimelineParser,
    lineBytes(buf, start, end, lineNo, state) {
      const r = countTimelineParser.lineBytes!(buf, start, end, lineNo, state);
      if (r !== undefined) n++;
      return r;
    },
  };
  return { parser, taken: () => n };
}

interface Outcome { records: CountSample[]; account: unknown; state: unknown; format: string | null; assumptions: readonly string[]; error: string | null }

function run(parser: P, data: Buffer, block: number, ctx: ParseContext): Outcome {
  const records: CountSample[] = [];
  let error: string | null = null;
  const d = new LineDriver(parser, ctx, (r) => records.push(r));
  try {
    for (let i = 0; i < data.length; i += block) d.push(data.subarray(i, Math.min(data.length, i + block)));
    d.end();
  } catch (e) {
    error = (e as { code?: string }).code ?? String(e);
  }
  return { records, account: d.account, state: d.state, format: countTimelineParser.format!(d.state), assumptions: countTimelineParser.assumptions!(d.state), error };
}

/** Both paths, whole and in 4096/97/13-byte blocks; returns the lines the byte path took (whole input). */
function assertSame(data: Buffer, label: string, ctx: ParseContext = DEFAULT_CONTEXT): number {
  const want = run(stringOnly, data, data.length || 1, ctx);
  let taken = 0;
  for (const block of [data.length || 1, 4096, 97, 13]) {
    const c = counting();
    const got = run(c.parser, data, block, ctx);
    assert.deepStrictEqual(got, want, `${label} (blocks of ${block})`);
    if (block === (data.length || 1)) taken = c.taken();
  }
  return taken;
}

const FIXTURES = readdirSync(fixturePath('count-timeline')).filter((f) => f !== 'SOURCES.md').sort();

test('byte path = string path on every count-timeline fixture', () => {
  assert.ok(FIXTURES.length >= 9);
  for (const f of FIXTURES) assertSame(readFixture('count-timeline', f), f);
  // usage-incident.log: 16 dated samples, one malformed (`21O000`) line the byte path leaves to line()
  assert.equal(assertSame(readFixture('count-timeline', 'usage-incident.log'), 'usage-incident.log'), 16);
});

test('the byte path takes exactly the plain classic lines and gives their record', () => {
  const text = [
    '2024-05-13 10:00:00 123456',
    '2024-05-13 10:01:00 0000042', // leading zeros: still 42
    '2024-05-13 10:02:00 123456 262144', // max column: string path
    '2024-05-13 10:03:00 1234567890123456', // 16 digits: string path
    '2024-05-13 10:04:60 5', // leap second, read as :59
    '',
  ].join('\n');
  const c = counting();
  const got = run(c.parser, Buffer.from(text), text.length, DEFAULT_CONTEXT);
  assert.equal(c.taken(), 3);
  assert.deepEqual(got.account, { total: 5, parsed: 5, ignored: 0, malformed: 0, issues: [] });
  assert.deepEqual(got.records[0], {
    kind: 'count-sample', tsMs: Date.UTC(2024, 4, 13, 10, 0, 0), count: 123456, max: null, host: null,
    text: '2024-05-13 10:00:00 123456', src: { sourceId: '1', lineNo: 1 },
  });
  assert.equal(got.records[1]!.count, 42);
  assert.equal(got.records[2]!.max, 262144);
  assert.equal(got.records[3]!.count, 1234567890123456);
  assert.equal(got.records[4]!.tsMs, Date.UTC(2024, 4, 13, 10, 4, 59));
  assert.equal(got.format, 'classic');
  assert.deepEqual(got.assumptions, ['input: 5 time stamps without a zone read as UTC']);
  assertSame(Buffer.from(text), 'literal');
});

/** Lines around the classic shape: good ones, near-misses of every check, and other grammars. */
function generated(seed: number, lines: number): Buffer {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const two = (n: number): string => String(n).padStart(2, '0');
  let t = Date.UTC(2024, 1, 27, 22, 0, 0); // across Feb 29 of a leap year and a month end
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    t += 60_000;
    const d = new Date(t);
    const stamp = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
    const count = String(Math.floor(rnd() * 300_000));
    const r = rnd();
    if (r < 0.6) { out.push(`${stamp} ${count}`); continue; }
    out.push(pick([
      `${stamp} ${count}\r`,
      `${stamp} ${count} `,
      `${stamp}  ${count}`,
      `${stamp}\t${count}`,
      `${stamp} ${count} 262144`,
      `${stamp},${count}`,
      `${stamp} 0${count}`,
      `${stamp} ${count}9999999999999`,
      `${stamp} ${count}99999999999999999`,
      `${stamp} ${count}x`,
      `${stamp} `,
      `${stamp}`,
      `  ${stamp} ${count}`,
      `> ${stamp} ${count}`,
      `${stamp.replace(' ', 'T')} ${count}`,
      `${stamp}Z ${count}`,
      `${stamp.slice(0, 10)} 24:00:00 ${count}`,
      `${stamp.slice(0, 10)} 23:60:00 ${count}`,
      `${stamp.slice(0, 10)} 23:59:61 ${count}`,
      `${stamp.slice(0, 10)} 1O:00:00 ${count}`,
      `2023-02-29 10:00:00 ${count}`,
      `2024-02-29 10:00:00 ${count}`,
      `2024-04-31 10:00:00 ${count}`,
      `2024-13-01 10:00:00 ${count}`,
      `2024-00-10 10:00:00 ${count}`,
      `2024/05/13 10:00:00 ${count}`,
      `1715594400 ${count}`,
      `# comment ${count}`,
      `node_nf_conntrack_entries ${count}`,
      `net.netfilter.nf_conntrack_count = ${count}`,
      count,
      '',
      `${stamp} ${'9'.repeat(15)}`,
      `${stamp} ${'9'.repeat(16)}`,
    ]));
  }
  return Buffer.from(out.join('\n') + '\n');
}

test('byte path = string path on generated usage logs full of near-misses (fixed seeds)', () => {
  for (const seed of [1, 2, 3]) {
    const data = generated(seed, 3000);
    const taken = assertSame(data, `seed ${seed}`);
    assert.ok(taken > 1500, `seed ${seed}: the byte path took ${taken} lines`);
  }
});

test('byte path = string path in other zones, and after a CSV header or a JSON document began', () => {
  for (const tz of ['Europe/Berlin', '+05:30']) {
    const zone = makeTimeZone(tz);
    assert.ok(zone);
    assertSame(generated(4, 2000), tz, { ...DEFAULT_CONTEXT, tz: zone });
  }
  const csv = Buffer.from('timestamp,count\n2024-05-13 10:00:00 5\n2024-05-13 10:00:00,5\n2024-05-13 10:01:00 6\n');
  assert.equal(assertSame(csv, 'csv'), 0);
  const json = Buffer.from('{"status":"success","data":{"resultType":"matrix","result":[\n2024-05-13 10:00:00 5\n]}}\n');
  assert.equal(assertSame(json, 'json'), 0);
  // classic lines first, then other grammars: the format is the most frequent one, first seen on ties
  const mixed = Buffer.from('2024-05-13 10:00:00 5\n1715594400 6\n1715594460 7\n2024-05-13 10:03:00 8\n');
  assertSame(mixed, 'mixed');
  const c = counting();
  assert.equal(run(c.parser, mixed, mixed.length, DEFAULT_CONTEXT).format, 'classic');
  const epochFirst = Buffer.from('1715594400 6\n2024-05-13 10:00:00 5\n1715594460 7\n2024-05-13 10:03:00 8\n');
  assert.equal(run(counting().parser, epochFirst, epochFirst.length, DEFAULT_CONTEXT).format, 'epoch');
  assertSame(epochFirst, 'epoch first');
});
