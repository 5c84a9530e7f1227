import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineDriver, parseText, DEFAULT_CONTEXT, type LineParser } from '../../src/parsers/line-parser.js';
import { assertBalanced } from '../helpers.js';

interface Rec { readonly n: number; readonly line: number }
// A toy parser: numbers are records, '#' lines are ignored, "bad" is malformed, "two" yields two records.
const toy: LineParser<Rec, { seen: number }> = {
  kind: 'count-timeline',
  init: () => ({ seen: 0 }),
  line(text, lineNo, s) {
    s.seen++;
    if (text.startsWith('#') || text === '') return 'skip';
    if (text === 'bad') return { malformed: 'unparsed' };
    if (text === 'two') return [{ n: 2, line: lineNo }, { n: 2, line: lineNo }];
    const n = Number(text);
    return Number.isFinite(n) ? { n, line: lineNo } : { malformed: 'bad-number', detail: `not a number: ${text}` };
  },
};

test('every line is parsed, ignored or malformed; the first issues are listed', () => {
  const { records, account } = parseText(toy, '# head\n1\nbad\n\ntwo\nxyz');
  assert.deepEqual(records.map((r) => r.line), [2, 5, 5]);
  assertBalanced(account);
  assert.deepEqual({ ...account, issues: account.issues.length }, { total: 6, parsed: 2, ignored: 2, malformed: 2, issues: 2 });
  assert.deepEqual(account.issues, [{ line: 3, code: 'unparsed', text: 'bad' }, { line: 6, code: 'bad-number', text: 'not a number: xyz' }]);
});

test('NUL runs are dropped; a line of only NULs is one malformed binary region', () => {
  const buf = Buffer.concat([Buffer.from('1\n'), Buffer.alloc(300, 0), Buffer.from('\n\0\0\x002\n3\n')]);
  const { records, account } = parseText(toy, buf);
  assert.deepEqual(records.map((r) => r.n), [1, 2, 3]);
  assert.equal(account.malformed, 1);
  assert.equal(account.issues[0]!.code, 'binary-region');
  assert.equal(account.issues[0]!.line, 2);
  assertBalanced(account);
});

test('lines over 64 KiB are cut and counted malformed', () => {
  const { account } = parseText(toy, `1\n${'9'.repeat(70 * 1024)}\n2\n`);
  assert.equal(account.parsed, 2);
  assert.equal(account.malformed, 1);
  assert.equal(account.issues[0]!.code, 'line-too-long');
});

test('only the first 20 malformed lines are listed, all are counted', () => {
  const { account } = parseText(toy, 'bad\n'.repeat(25));
  assert.equal(account.malformed, 25);
  assert.equal(account.issues.length, 20);
});

test('any chunking gives the same records and account', () => {
  const text = Buffer.from('# é\n1\r\n\0\0bad\n22\ntwo\n3', 'utf8');
  const whole = parseText(toy, text);
  for (let size = 1; size <= text.length; size++) {
    const recs: Rec[] = [];
    const d = new LineDriver(toy, DEFAULT_CONTEXT, (r) => recs.push(r));
    for (let i = 0; i < text.length; i += size) d.push(text.subarray(i, i + size));
    d.end();
    assert.deepEqual(recs, whole.records, `chunk size ${size}`);
    assert.deepEqual(d.account, whole.account, `chunk size ${size}`);
  }
});
