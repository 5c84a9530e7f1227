import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareText, groupDigits } from '../../src/util/format.js';
import { seededRandom } from '../helpers.js';

describe('groupDigits', () => {
  it('is toLocaleString("en-US") on edges and on seeded numbers of every size', () => {
    const xs = [0, -0, 1, -1, 9, 12, 123, 999, 1000, -1000, 1001, 12345, 999999, 1000000, 1234567, -1234567,
      2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1.5, -2.5, 0.0005, 1234.5678, NaN, Infinity, -Infinity];
    const rnd = seededRandom(7);
    for (let i = 0; i < 20000; i++) {
      const mag = 10 ** Math.floor(rnd() * 17);
      const v = Math.floor(rnd() * mag) * (rnd() < 0.3 ? -1 : 1);
      xs.push(v, v + 0.5);
    }
    for (const x of xs) assert.equal(groupDigits(x), x.toLocaleString('en-US'), String(x));
    assert.equal(groupDigits(1234567), '1,234,567');
  });
});

describe('compareText', () => {
  it('has the sign of localeCompare on seeded strings, plain and not', () => {
    const rnd = seededRandom(11);
    const plain = 'abcxyz0189-./';
    const other = `${plain}AZ_ :,éE\u00e9\u0065\u0301~`;
    const word = (alphabet: string): string => Array.from({ length: Math.floor(rnd() * 8) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    let fast = 0;
    for (let i = 0; i < 30000; i++) {
      const alphabet = rnd() < 0.7 ? plain : other;
      const a = word(alphabet);
      const b = rnd() < 0.2 ? a : rnd() < 0.5 ? a + word(alphabet) : word(alphabet);
      if (/^[a-z0-9./-]*$/.test(a) && /^[a-z0-9./-]*$/.test(b)) fast++;
      assert.equal(Math.sign(compareText(a, b)), Math.sign(a.localeCompare(b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    assert.ok(fast > 15000, String(fast));
    // where code units and the collation disagree, the collation wins
    assert.ok(compareText('B', 'a') > 0 && compareText('_x', '-x') < 0);
  });
});
