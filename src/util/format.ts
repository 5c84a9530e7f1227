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

/** Characters whose order in ICU's collation (what `localeCompare` uses) is their code-unit order: `-./`, digits, `a`-`z`. */
function plainForCollation(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 45 && c <= 47))) return false;
  }
  return true;
}

/**
 * `a.localeCompare(b)`'s sign, without Intl when both strings hold only lowercase letters, digits and
 * `-./` (host names, rule ids, most paths): each of those has its own primary weight in ICU's root
 * collation, in code-unit order, so the plain comparison orders them the same way. The first
 * `localeCompare` of a process builds ICU's collator, ~10-15 ms of a run (round 12); anything else still
 * goes to it (test/util/format.test.ts compares both).
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  if (plainForCollation(a) && plainForCollation(b)) return a < b ? -1 : 1;
  return a.localeCompare(b);
}
