import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKernelAccumulator, R_COUNT, R_FIRST, R_LAST, R_LINE, ROW, TEXTS_KEPT } from '../../src/analysis/kernel.js';
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

function digest(path: string, events: readonly KernelEvent[], burstGapMs?: number) {
  const acc = createKernelAccumulator({ ...DEFAULT_CONTEXT, path, ...(burstGapMs !== undefined ? { burstGapMs } : {}) });
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

/** A digest's wall rows as [second, count, first ms, last ms, line]. */
function wallRows(d: ReturnType<typeof digest>[number]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < d.wallDrops.n; i++) {
    const b = d.wallDrops.buf.subarray(i * ROW, i * ROW + ROW);
    out.push([Math.floor(b[R_FIRST]! / 1000), b[R_COUNT]!, b[R_FIRST]!, b[R_LAST]!, b[R_LINE]!]);
  }
  return out;
}

test('a day of drops every second keeps one 32-byte row a second and the texts of burst starts only', () => {
  // three bursts of 30,000 s, 20,000 s and 1 s, an hour apart, one drop a second (the kernel's rate limit)
  const events: KernelEvent[] = [];
  const starts: number[] = [];
  let t = T0;
  for (const len of [30_000, 20_000, 1]) {
    starts.push(line + 1);
    for (let i = 0; i < len; i++) events.push(ev('drop', t + i * 1000 + 250, null, { text: `drop ${t + i * 1000}` }));
    t += len * 1000 + 3_600_000;
  }
  const [d] = digest('kern.log', events, 60_000);
  assert.equal(d!.wallDrops.n, 50_001);
  assert.deepEqual([...d!.texts.keys()], starts);
  const r = correlateDrops([d!], opts);
  assert.equal(r.drops.logged, 50_001);
  assert.deepEqual(r.drops.bursts.map((b) => [b.start, b.end, b.logged, b.line]), [
    ['2026-11-17T20:19:00.250Z', '2026-11-18T04:38:59.250Z', 30_000, starts[0]],
    ['2026-11-18T05:39:00.250Z', '2026-11-18T11:12:19.250Z', 20_000, starts[1]],
    ['2026-11-18T12:12:20.250Z', '2026-11-18T12:12:20.250Z', 1, starts[2]],
  ]);
  assert.deepEqual(r.evidence.get('drops.bursts')!.map((e) => e.text), [`drop ${T0}`, `drop ${T0 + 33_600_000}`, `drop ${T0 + 57_200_000}`]);
  assert.equal(r.drops.perMinute.length, 500 + 334 + 1);
  assert.deepEqual(r.drops.perMinute[0], { minute: '2026-11-17T20:19:00Z', logged: 60 });
});

test('drops read out of order are sorted and merged per second (also when the row array fills and is compacted)', () => {
  // 5,000 drops over 300 seconds in a scrambled order: rows are made as lines come and merged on the way
  const first = line + 1;
  const times = Array.from({ length: 5000 }, (_, k) => T0 + ((k * 7919) % 5000) * 60);
  const [d] = digest('kern.log', times.map((ms) => ev('drop', ms, null)), 60_000);
  const expected = new Map<number, number[]>();
  times.forEach((ms, k) => {
    const sec = Math.floor(ms / 1000);
    const row = expected.get(sec);
    if (!row) expected.set(sec, [sec, 1, ms, ms, first + k]);
    else {
      row[1]!++;
      row[2] = Math.min(row[2]!, ms);
      row[3] = Math.max(row[3]!, ms);
    }
  });
  assert.deepEqual(wallRows(d!), [...expected.values()].sort((a, b) => a[0]! - b[0]!));
  assert.equal(d!.wallDrops.sorted, true);
  const r = correlateDrops([d!], opts);
  assert.deepEqual(r.drops.bursts.map((b) => [b.start, b.end, b.logged, b.line]), [['2026-11-17T20:19:00Z', '2026-11-17T20:23:59.940Z', 5000, first]]);
  assert.deepEqual(r.drops.perMinute.map((m) => m.logged), [1000, 1000, 1000, 1000, 1000]);
});

test(`hostile order: a log whose every drop is out of order keeps at most ${TEXTS_KEPT} texts and counts everything`, () => {
  // seconds 0, 100000, 1, 100001, ...: each line opens a row out of order
  const events: KernelEvent[] = [];
  for (let i = 0; i < 12_000; i++) events.push(ev('drop', T0 + (i % 2 ? 100_000_000 : 0) + Math.floor(i / 2) * 1000, null));
  const [d] = digest('k', events, 60_000);
  assert.equal(d!.texts.size, TEXTS_KEPT);
  assert.equal(d!.wallDrops.n, 12_000);
  const r = correlateDrops([d!], opts);
  assert.equal(r.drops.logged, 12_000);
  assert.deepEqual(r.drops.bursts.map((b) => b.logged), [6000, 6000]);
});

test('the first drop after a reboot keeps its text; a burst cut by another input\'s reboot is cited by line alone', () => {
  const drops = [ev('drop', T0, null, { text: 'before' }), ev('reboot', T0 + 10_000, null), ev('drop', T0 + 20_000, null, { text: 'after' })];
  const r = correlateDrops(digest('journal', drops, 60_000), opts);
  assert.deepEqual(r.evidence.get('drops.bursts')!.map((e) => e.text), ['before', 'after']);
  // kern.log (no reboot marker of its own) and a journal that saw its first drop and the reboot: the burst after it starts
  // at a kern.log line that followed the one before within the gap, so its text was not kept
  const kern = digest('kern.log', [ev('drop', T0, null, { text: 'k1' }), ev('drop', T0 + 20_000, null, { text: 'k2' })], 60_000);
  const afterLine = line;
  const journal = digest('journal', [ev('drop', T0, null), ev('reboot', T0 + 10_000, null)], 60_000);
  const r2 = correlateDrops([...kern, ...journal], opts);
  assert.deepEqual(r2.drops.bursts.map((b) => [b.path, b.line]), [['kern.log', afterLine - 1], ['kern.log', afterLine]]);
  assert.deepEqual(r2.evidence.get('drops.bursts')!.map((e) => [e.line, e.text]), [[afterLine - 1, 'k1'], [afterLine, '']]);
});

test('suppressed lines: copies in another source within 2 s count once, whatever their number', () => {
  // kern.log and the journal both log "N callbacks suppressed" every 10 s for a day (N always 10): the
  // journal's copies are 1.5 s later; 3 of the journal's lines are its own (3 s off the nearest copy)
  const kern: KernelEvent[] = [];
  const journal: KernelEvent[] = [];
  for (let i = 0; i < 8640; i++) {
    kern.push(ev('drop', T0 + i * 10_000, null), ev('suppressed', T0 + i * 10_000 + 1, null, { count: 10 }));
    journal.push(ev('suppressed', T0 + i * 10_000 + 1 + (i % 3000 === 7 ? 5000 : 1500), null, { count: 10 }));
  }
  const r = correlateDrops([...digest('kern.log', kern, 60_000), ...digest('journal', journal, 60_000)], opts);
  assert.equal(r.drops.suppressed, (8640 + 3) * 10);
  assert.equal(r.drops.suppressedUnattributed, 0);
  assert.deepEqual(r.drops.bursts.map((b) => [b.logged, b.suppressed]), [[8640, 86_430]]);
});

test('a burst start that only the merged stamps make (another source won the second before) keeps its text', () => {
  // kern.log: second 20:19:00 (last drop at .900) and 59.5 s later: one burst in kern.log alone. The journal
  // has two drops in 20:19:00, the last at .100, so it wins that second, and the merged gap is 60.3 s
  const kern = digest('kern.log', [ev('drop', T0 + 900, null, { text: 'k1' }), ev('drop', T0 + 60_400, null, { text: 'k2' })], 60_000);
  const k2 = line;
  const journal = digest('journal', [ev('drop', T0 + 50, null, { text: 'j1' }), ev('drop', T0 + 100, null, { text: 'j2' })], 60_000);
  const r = correlateDrops([...kern, ...journal], opts);
  assert.deepEqual(r.drops.bursts.map((b) => [b.start, b.path, b.logged]), [['2026-11-17T20:19:00.050Z', 'journal', 2], ['2026-11-17T20:20:00.400Z', 'kern.log', 1]]);
  assert.deepEqual(r.evidence.get('drops.bursts')!.map((e) => [e.path, e.line, e.text]), [['journal', k2 + 1, 'j1'], ['kern.log', k2, 'k2']]);
});
