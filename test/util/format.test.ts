import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupDigits } from '../../src/util/format.js';
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
