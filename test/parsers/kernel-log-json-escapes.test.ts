/**
 * Journal JSON lines wanted only for their `\u` escapes: a line whose escapes all sit in its one MESSAGE,
 * and whose decoded MESSAGE holds no needle, is skipped without parsing the whole line (issue 7). Every
 * other case must still parse the line: an escaped needle in the MESSAGE, an escape in another field or
 * a key, a second MESSAGE key (JSON.parse keeps the last), an undecodable MESSAGE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/parsers/line-parser.js';
import { kernelLogParser } from '../../src/parsers/kernel-log/index.js';

const BOOT = '0f3c2b5a9d8e4c1b8a7f6e5d4c3b2a10';
function line(fields: string): string {
  return `{"__REALTIME_TIMESTAMP":"1715594400123456","_BOOT_ID":"${BOOT}","_HOSTNAME":"node-a","_TRANSPORT":"kernel",${fields}}`;
}

function outcome(text: string): { types: string[]; parsed: number; ignored: number; malformed: number } {
  const r = parseText(kernelLogParser, `${text}\n`, { path: 'journal.json' });
  return { types: r.records.map((e) => e.type), parsed: r.account.parsed, ignored: r.account.ignored, malformed: r.account.malformed };
}

test('an escaped MESSAGE without a needle is skipped; one that decodes to a drop is a drop', () => {
  assert.deepEqual(outcome(line('"MESSAGE":"\\u001b[1mhello\\u001b[0m world"')), { types: [], parsed: 0, ignored: 1, malformed: 0 });
  // the needle itself written with escapes: only decoding finds it
  assert.deepEqual(outcome(line('"MESSAGE":"nf_\\u0063onntrack: table full, dropping packet"')), { types: ['drop'], parsed: 1, ignored: 0, malformed: 0 });
  assert.deepEqual(outcome(line('"MESSAGE":"nf_\\u0063onntrack: table full, dropping packet \\u00e9"')), { types: ['drop'], parsed: 1, ignored: 0, malformed: 0 });
});

test('escapes outside the one MESSAGE, or a second MESSAGE, take the full parse (JSON.parse keeps the last key)', () => {
  // an escaped key that JSON.parse turns into a second MESSAGE, whose escaped text is a drop
  assert.deepEqual(outcome(line('"MESSAGE":"x","MESS\\u0041GE":"nf_\\u0063onntrack: table full, dropping packet"')), { types: ['drop'], parsed: 1, ignored: 0, malformed: 0 });
  // two plain MESSAGE keys: the last one counts
  assert.deepEqual(outcome(line('"MESSAGE":"\\u001b","MESSAGE":"nf_\\u0063onntrack: table full, dropping packet"')), { types: ['drop'], parsed: 1, ignored: 0, malformed: 0 });
  // an escape in another field only: parsed, nothing found
  assert.deepEqual(outcome(line('"SYSLOG_IDENTIFIER":"k\\u0065rnel","MESSAGE":"hello"')), { types: [], parsed: 0, ignored: 1, malformed: 0 });
  // an escaped quote inside the MESSAGE does not end it early: the escaped needle after it is still read
  assert.deepEqual(outcome(line('"MESSAGE":"nf_\\u0063onntrack: table full, dropping packet \\"x\\""')), { types: ['drop'], parsed: 1, ignored: 0, malformed: 0 });
  assert.deepEqual(outcome(line('"MESSAGE":"a \\"b\\" c \\u001b"')), { types: [], parsed: 0, ignored: 1, malformed: 0 });
});

test('a broken line wanted only for its escapes stays ignored, as the full parse leaves it', () => {
  assert.deepEqual(outcome('{"MESSAGE":"\\u001b[1m oops'), { types: [], parsed: 0, ignored: 1, malformed: 0 });
  assert.deepEqual(outcome('{"MESSAGE":"\\uZZZZ"}'), { types: [], parsed: 0, ignored: 1, malformed: 0 });
});

test('the same decisions when the boot is already known: the byte prefilter decides (serial and in range workers)', async () => {
  // after a first line of the same host and boot, a line wanted only for its escapes never reaches
  // line(): prefilter.ts escapesOnlyInPlainMessage reads the MESSAGE from the bytes
  const warm = line('"MESSAGE":"hello"');
  const cases: [string, string[]][] = [
    [line('"MESSAGE":"\\u001b[1mhello\\u001b[0m world"'), []],
    [line('"MESSAGE":"nf_\\u0063onntrack: table full, dropping packet"'), ['drop']],
    [line('"MESSAGE":"x","MESS\\u0041GE":"nf_\\u0063onntrack: table full, dropping packet"'), ['drop']],
    [line('"MESSAGE":"\\u001b","MESSAGE":"nf_\\u0063onntrack: table full, dropping packet"'), ['drop']],
    [line('"MESSAGE" : "nf_\\u0063onntrack: table full, dropping packet"'), ['drop']],
    [line('"SYSLOG_IDENTIFIER":"k\\u0065rnel","MESSAGE":"hello"'), []],
    [line('"MESSAGE":"nf_\\u0063onntrack: table full, dropping packet \\"x\\""'), ['drop']],
    [line('"MESSAGE":"a \\"b\\" c \\u001b"'), []],
    [line('"MESSAGE":"net_ratelimit: 466 callbacks \\u0073uppressed"'), ['suppressed']],
  ];
  for (const [text, types] of cases) {
    const r = parseText(kernelLogParser, `${warm}\n${text}\n`, { path: 'journal.json' });
    assert.deepEqual(r.records.map((e) => e.type), types, text);
    assert.deepEqual([r.account.parsed, r.account.ignored], [types.length > 0 ? 1 : 0, types.length > 0 ? 1 : 2], text);
  }
  const { escapesOnlyInPlainMessage } = await import('../../src/parsers/kernel-log/prefilter.js');
  for (const [text, types] of cases) {
    const b = Buffer.from(text);
    const only = escapesOnlyInPlainMessage(b, 0, b.length);
    // true only where the escapes sit in the one MESSAGE and hide no needle
    if (types.length > 0) assert.equal(only, false, text);
  }
  assert.equal(escapesOnlyInPlainMessage(Buffer.from(cases[0]![0]), 0, cases[0]![0].length), true);
  assert.equal(escapesOnlyInPlainMessage(Buffer.from(cases[5]![0]), 0, cases[5]![0].length), false, 'an escape outside the MESSAGE');
  // bounded to the line: a MESSAGE after `end` does not count
  const two = Buffer.from(`${cases[0]![0]}\n${cases[0]![0]}`);
  assert.equal(escapesOnlyInPlainMessage(two, 0, cases[0]![0].length), true);
});

test('on a line without needle bytes, the escape check without JSON.parse answers as JSON.parse does (seeded MESSAGE values)', async () => {
  const { escapesOnlyInPlainMessage, KERNEL_LOG_NEEDLES } = await import('../../src/parsers/kernel-log/prefilter.js');
  const { seededRandom } = await import('../helpers.js');
  const rnd = seededRandom(29);
  // pieces: plain text, needle fragments, escapes of needle characters and of others, JSON's simple
  // escapes, raw control bytes, invalid escapes, non-ASCII, cut escapes
  const pieces = ['hello ', 'conn', 'track', 'onntrack', 'supp', 'ress', 'uppress', 'Linux', ' vers', 'version', 'ion', 'SYN', ' flood', 'flooding', 'ing', 'x', '\\u0073',
    '\\u001b', '\\u001B[0m', '\\u0063', '\\u0020', '\\u004e', '\\u006E', '\\u00e9', '\\ud83d\\ude00', '\\n', '\\t', '\\"', '\\\\', '\\/',
    '\\b', '\\f', '\\r', '\u0001', '\t', '\\x41', '\\u12', '\\u00zz', 'é', '日本', '\\'];
  let fast = 0;
  let checked = 0;
  for (let n = 0; n < 20000; n++) {
    let value = '';
    const k = 1 + Math.floor(rnd() * 8);
    for (let j = 0; j < k; j++) value += pieces[Math.floor(rnd() * pieces.length)];
    const text = `{"_BOOT_ID":"b","MESSAGE":"${value}"}`;
    const b = Buffer.from(text);
    if (!b.includes('\\u') || KERNEL_LOG_NEEDLES.some((nd) => b.includes(nd))) continue; // what staticVerdict sends on
    checked++;
    const want = escapesOnlyInPlainMessage(b, 0, b.length);
    const got = escapesOnlyInPlainMessage(b, 0, b.length, true);
    assert.equal(got, want, text);
    if (want) fast++;
  }
  assert.ok(checked > 3000 && fast > 500, `checked ${checked}, plain ${fast}`);
});
