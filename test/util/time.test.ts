import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTimeZone, monthIndex, parseDurationMs, formatDuration, isoUtc } from '../../src/util/time.js';

test('fixed offsets and IANA zones convert local stamps to UTC, across DST', () => {
  const plus530 = makeTimeZone('+05:30')!;
  assert.equal(isoUtc(plus530.localToUtc(Date.UTC(2026, 0, 1, 12, 0))), '2026-01-01T06:30:00Z');
  const berlin = makeTimeZone('Europe/Berlin')!;
  assert.equal(isoUtc(berlin.localToUtc(Date.UTC(2026, 0, 15, 12, 0))), '2026-01-15T11:00:00Z'); // CET
  assert.equal(isoUtc(berlin.localToUtc(Date.UTC(2026, 6, 15, 12, 0))), '2026-07-15T10:00:00Z'); // CEST
  assert.equal(makeTimeZone('Mars/Olympus'), null);
  assert.equal(makeTimeZone('UTC')!.isUtc, true);
});

test('months, durations', () => {
  assert.equal(monthIndex('Nov'), 10);
  assert.equal(monthIndex('okt'), 9);
  assert.equal(monthIndex('xyz'), -1);
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('60'), 60_000);
  assert.equal(parseDurationMs('abc'), null);
  assert.equal(formatDuration(405_000), '6m45s');
  assert.equal(formatDuration(9_660_000), '2h41m');
});
