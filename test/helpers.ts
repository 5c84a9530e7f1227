/** Shared test helpers: fixture paths that work from test/*.ts (tsx) and dist/test/*.js (compiled). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LineAccount } from '../src/model/line-account.js';
import { CtdError } from '../src/model/errors.js';
import { keepRecord } from '../src/parsers/line-parser.js';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'fixtures'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('project root not found');
    dir = up;
  }
}

export const ROOT = findRoot();

export function fixturePath(...parts: string[]): string {
  return join(ROOT, 'test', 'fixtures', ...parts);
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts));
}

/** total === parsed + ignored + malformed, and issues never exceed malformed. */
export function assertBalanced(acct: LineAccount): void {
  assert.equal(acct.total, acct.parsed + acct.ignored + acct.malformed, `unbalanced account ${JSON.stringify({ ...acct, issues: acct.issues.length })}`);
  assert.ok(acct.issues.length <= acct.malformed);
}

export function assertCtdError(fn: () => unknown, expected: { name?: string; code: string }): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CtdError, `expected a CtdError, got ${String(e)}`);
    assert.equal(e.code, expected.code);
    if (expected.name) assert.equal(e.name, expected.name);
    return;
  }
  assert.fail(`expected ${expected.code} to be thrown`);
}

export async function assertCtdErrorAsync(fn: () => Promise<unknown>, expected: { name?: string; code: string }): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof CtdError, `expected a CtdError, got ${String(e)}`);
    assert.equal(e.code, expected.code);
    if (expected.name) assert.equal(e.name, expected.name);
    return;
  }
  assert.fail(`expected ${expected.code} to be thrown`);
}

/** mulberry32 (src/util/random.ts): "random" test inputs are the same on every run. */
export { seededRandom } from '../src/util/random.js';

/**
 * Records as the plain objects the string paths build (see keepRecord in src/parsers/line-parser.ts):
 * call it INSIDE a sink for a parser with a transient fast path (its entry object is refilled per line).
 */
export function plainRecords<R>(records: readonly R[]): R[] {
  return records.map((r) => keepRecord(r));
}
