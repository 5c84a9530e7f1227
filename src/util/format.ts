/**
 * `x.toLocaleString('en-US')` without Intl for the numbers reports print most: a safe integer gets its
 * digits grouped by three here (`1,234,567`, `-1,234`). The first `toLocaleString` of a process loads
 * ICU's number formats, ~20-27 ms of every run on the bench machine (round 12, docs/PERFORMANCE.md);
 * anything else (a fraction, -0, NaN, ±Infinity, beyond 2^53) still goes to `toLocaleString`, so the
 * text is the same either way (test/util/format.test.ts compares both).
 */
export function groupDigits(x: number): string {
  if (!Number.isSafeInteger(x) || Object.is(x, -0)) return x.toLocaleString('en-US');
  const digits = String(x < 0 ? -x : x);
  let out = digits.length % 3 === 0 ? '' : digits.slice(0, digits.length % 3);
  for (let i = digits.length % 3; i < digits.length; i += 3) out += (out === '' ? '' : ',') + digits.slice(i, i + 3);
  return x < 0 ? `-${out}` : out;
}
