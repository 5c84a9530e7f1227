import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernelAccumulator } from '../../src/analysis/kernel.js';
import { correlateDrops } from '../../src/analysis/correlate/drops.js';
import type { KernelEvent, KernelEventType } from '../../src/model/records.js';
import { DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';

const T0 = Date.UTC(2026, 10, 17, 20, 19, 0);
const BOOT = T0 - 1_000_000_000; // booted 1,000,000 s before T0

let line = 0;
function ev(type: KernelEventType, tsMs: number | null, uptimeSec: number | null, extra: Partial<KernelEvent> = {}): KernelEvent {
  line++;
  return {
    kind: 'kernel-event', type, framing: tsMs !== null ? 'syslog' : 'dmesg-raw', tsMs, uptimeSec, host: 'web-1',
    text: type === 'drop' ? 'nf_conntrack: table full, dropping packet' : `net_ratelimit: ${extra.count ?? 0} callbacks suppressed`,
    src: { sourceId: '1', lineNo: line }, ...extra,
  };
}

function digest(path: string, events: readonly KernelEvent[]) {
  const acc = createKernelAccumulator({ ...DEFAULT_CONTEXT, path });
  for (const e of events) acc.add(e);
  return acc.finish();
}

const opts = { burstGapMs: 60_000, bootTimeMs: null };

test('bursts split at gaps longer than --burst-gap; suppressed counts attributed to the burst before them', () => {
  const events = [
    ev('drop', T0, null), ev('drop', T0 + 500, null), ev('drop', T0 + 1500, null),
    ev('suppressed', T0 + 5000, null, { count: 700 }), // inside burst 1
    ev('drop', T0 + 5001, null),
    ev('drop', T0 + 200_000, null), // 195 s later: burst 2
    ev('suppressed', T0 + 240_000, null, { count: 50 }), // 40 s after burst 2: still its window
    ev('suppressed', T0 + 900_000, null, { count: 9 }), // far from everything: unattributed
  ];
  const r = correlateDrops(digest('kern.log', events), opts);
  assert.equal(r.drops.logged, 5);
  assert.equal(r.drops.suppressed, 759);
  assert.equal(r.drops.suppressedUnattributed, 9);
  assert.deepEqual(r.drops.bursts.map((b) => [b.start, b.end, b.logged, b.suppressed, b.peakPerMinute]), [
    ['2026-11-17T20:19:00Z', '2026-11-17T20:19:05.001Z', 4, 700, 4],
    ['2026-11-17T20:22:20Z', '2026-11-17T20:22:20Z', 1, 50, 1],
  ]);
  assert.equal(r.drops.first, '2026-11-17T20:19:00Z');
  assert.deepEqual(r.drops.perMinute, [{ minute: '2026-11-17T20:19:00Z', logged: 4 }, { minute: '2026-11-17T20:22:00Z', logged: 1 }]);
});

test('a suppressed line before the first drop joins the burst that follows within the gap', () => {
  const r = correlateDrops(digest('k', [ev('suppressed', T0 - 30_000, null, { count: 12 }), ev('drop', T0, null)]), opts);
  assert.equal(r.drops.bursts[0]!.suppressed, 12);
  assert.equal(r.drops.suppressedUnattributed, 0);
});

test('the same drops in kern.log (wall + uptime) and raw dmesg are counted once, dmesg anchored', () => {
  const up = (ms: number): number => (ms - BOOT) / 1000;
  const kern = [ev('drop', T0, up(T0)), ev('drop', T0 + 10, up(T0 + 10)), ev('drop', T0 + 2000, up(T0 + 2000))];
  // dmesg raw has the same three drops plus one kern.log missed (rotated away)
  const dm = [ev('drop', null, up(T0)), ev('drop', null, up(T0 + 10)), ev('drop', null, up(T0 + 2000)), ev('drop', null, up(T0 + 3000))];
  const r = correlateDrops([...digest('kern.log', kern), ...digest('dmesg', dm)], opts);
  assert.equal(r.drops.logged, 4);
  assert.equal(r.drops.bursts.length, 1);
  assert.match(r.clock.anchor, /kern\.log/);
  assert.equal(r.clock.bootTime, '2026-11-06T06:32:20Z');
  assert.deepEqual(r.sources.map((s) => [s.path, s.clock, s.dropLines, s.counted]), [['kern.log', 'wall', 3, 3], ['dmesg', 'monotonic-anchored', 4, 1]]);
});

test('unanchored monotonic drops are reported apart when wall-clock drops exist, and used when they are all there is', () => {
  const wall = digest('kern.log', [ev('drop', T0, null)]);
  const mono = digest('dmesg', [ev('drop', null, 100), ev('drop', null, 101)]);
  const both = correlateDrops([...wall, ...mono], opts);
  assert.equal(both.drops.logged, 1);
  assert.match(both.sources[1]!.note ?? '', /not added/);
  const only = correlateDrops(mono, opts);
  assert.equal(only.drops.logged, 2);
  assert.deepEqual(only.drops.bursts.map((b) => [b.start, b.startUptime, b.endUptime]), [[null, 100, 101]]);
  assert.equal(only.drops.firstUptime, 100);
  assert.match(only.clock.anchor, /relative/);
});

test('--boot-time anchors monotonic stamps', () => {
  const r = correlateDrops(digest('dmesg', [ev('drop', null, 10.5)]), { burstGapMs: 60_000, bootTimeMs: T0 });
  assert.equal(r.drops.bursts[0]!.start, '2026-11-17T20:19:10.500Z');
  assert.equal(r.clock.anchor, '--boot-time');
});

test('bursts never cross a reboot; undated drops are counted apart', () => {
  const events = [
    ev('drop', T0, null), ev('reboot', T0 + 1000, null), ev('drop', T0 + 20_000, null),
    ev('drop', null, null), ev('drop', null, null),
  ];
  const r = correlateDrops(digest('k', events), opts);
  assert.equal(r.drops.bursts.length, 2);
  assert.equal(r.drops.logged, 4);
  assert.equal(r.drops.undated, 2);
});

test('peakPerMinute is the most drops in one calendar minute', () => {
  const events = [];
  for (let i = 0; i < 30; i++) events.push(ev('drop', T0 + 50_000 + i * 300, null)); // 20:19:50 .. 20:19:58.7
  for (let i = 0; i < 40; i++) events.push(ev('drop', T0 + 60_000 + i * 500, null)); // 20:20:00 .. 20:20:19.5
  const r = correlateDrops(digest('k', events), opts);
  assert.equal(r.drops.bursts.length, 1);
  assert.equal(r.drops.bursts[0]!.logged, 70);
  assert.equal(r.drops.bursts[0]!.peakPerMinute, 40);
});

test('one line with both clocks is enough to anchor a raw dmesg that covers it; a disjoint one is not', () => {
  const up = (ms: number): number => (ms - BOOT) / 1000;
  const kern = digest('kern.log', [ev('drop', T0, up(T0))]);
  const covering = digest('dmesg', [ev('drop', null, up(T0) - 5), ev('drop', null, up(T0)), ev('drop', null, up(T0) + 5)]);
  const r = correlateDrops([...kern, ...covering], opts);
  assert.equal(r.sources[1]!.clock, 'monotonic-anchored');
  assert.equal(r.drops.logged, 3);
  const disjoint = digest('dmesg2', [ev('drop', null, up(T0) + 900_000)]);
  const r2 = correlateDrops([...kern, ...disjoint], opts);
  assert.equal(r2.sources[1]!.clock, 'monotonic');
  assert.equal(r2.drops.logged, 1);
});

test('copies in a raw dmesg are matched to the µs: two sources with different drops in one second add up', () => {
  const S = Date.UTC(2026, 10, 17, 20, 0, 0);
  const B = S - 1_000_000_000;
  const up = (t: number): number => (t - B) / 1000;
  // kern.log has A and B of second S+5; the dmesg ring buffer starts at B and also has C (rsyslog lost it)
  const kern = digest('kern.log', [S + 5_100, S + 5_500].map((t) => ev('drop', Math.floor(t / 1000) * 1000, up(t))));
  const dm = digest('dmesg', [S + 5_500, S + 5_900].map((t) => ev('drop', null, up(t))));
  const r = correlateDrops([...kern, ...dm], opts);
  assert.equal(r.drops.logged, 3);
  assert.deepEqual(r.sources.map((s) => [s.path, s.counted]), [['kern.log', 2], ['dmesg', 1]]);
});

test('copies are recognised whatever the order of the uptimes (a kern.log pasted out of order, many drops)', () => {
  const up = (ms: number): number => (ms - BOOT) / 1000;
  // 200 drops 7 ms apart, written to kern.log in a shuffled order; the dmesg has them all in order and one more
  const times = Array.from({ length: 200 }, (_, k) => T0 + 7 * k);
  const shuffled = times.map((t, k) => times[(k * 73) % times.length]!);
  assert.equal(new Set(shuffled).size, times.length);
  const kern = digest('kern.log', shuffled.map((t) => ev('drop', t, up(t))));
  const dm = digest('dmesg', [...times, T0 + 5000].map((t) => ev('drop', null, up(t))));
  const r = correlateDrops([...kern, ...dm], opts);
  assert.equal(r.drops.logged, 201);
  assert.deepEqual(r.sources.map((s) => [s.path, s.dropLines, s.counted]), [['kern.log', 200, 200], ['dmesg', 201, 1]]);
});
