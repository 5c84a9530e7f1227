import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import type { ParseContext } from '../../src/parsers/line-parser.js';
import type { CountSample } from '../../src/model/records.js';
import { countTimelineParser } from '../../src/parsers/count-timeline/index.js';
import { linearRegression, mean, medianSorted, quantileSorted, standardDeviation } from 'simple-statistics';
import { buildTimelineSection, createTimelineAccumulator, regression } from '../../src/analysis/timeline.js';
import type { TimelineDigest } from '../../src/analysis/timeline.js';
import { readFixture, seededRandom } from '../helpers.js';

function digestsOf(text: string | Buffer, path = 'input', sourceId = '1'): readonly TimelineDigest[] {
  const ctx: ParseContext = { ...DEFAULT_CONTEXT, path, sourceId };
  const { records } = parseText(countTimelineParser, text, ctx);
  const acc = createTimelineAccumulator(ctx);
  for (const r of records) acc.add(r);
  return acc.finish();
}

const NO_MAX = { max: null, maxSource: null } as const;

test('usage-incident.log with max 262144 from settings: every number by hand', () => {
  const [d] = digestsOf(readFixture('count-timeline', 'usage-incident.log'), 'usage-incident.log');
  const { section: t, evidence } = buildTimelineSection([d!], { max: 262144, maxSource: 'settings' });
  assert.equal(t.samples, 16);
  assert.equal(t.undatedSamples, 0);
  assert.equal(t.start, '2024-05-13T10:00:00Z');
  assert.equal(t.end, '2024-05-13T10:35:00Z');
  // 15 intervals: thirteen of 1 min, one of 2 min (the malformed line), one of 20 min → median 60 s
  assert.equal(t.intervalSeconds, 60);
  assert.deepEqual(t.peak, { count: 262144, at: '2024-05-13T10:05:00Z', path: 'usage-incident.log', line: 7 });
  assert.equal(t.min, 1200);
  assert.equal(t.mean, 168227); // 2,691,632 / 16
  assert.equal(t.median, 195000); // (190000 + 200000) / 2
  assert.equal(t.p95, 262144);
  assert.equal(t.p99, 262144);
  const counts = [100000, 150000, 200000, 220000, 240000, 262144, 262144, 262144, 250000, 230000, 190000, 160000, 150000, 1200, 5000, 9000];
  const mean = counts.reduce((a, b) => a + b) / counts.length;
  const sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length);
  assert.equal(t.stddev, Math.round(sd * 100) / 100);
  assert.equal(t.max, 262144);
  assert.equal(t.maxSource, 'settings');
  // each sample stands for the time to the next one, capped at 120 s; the last one for 60 s.
  // ≥ 75 % (196,608): 200000, 220000, 240000, 3 × 262144, 250000 (60 s each) + 230000 (120 s) = 540 s
  // ≥ 80 % (209,715.2): 480 s; ≥ 90 % (235,929.6): 240000, 3 × 262144, 250000 = 300 s; 100 %: 180 s
  assert.deepEqual(t.aboveThreshold, { '75': 540, '80': 480, '90': 300, '100': 180 });
  assert.deepEqual(t.gaps, [{ start: '2024-05-13T10:11:00Z', end: '2024-05-13T10:31:00Z', seconds: 1200 }]);
  assert.deepEqual(t.resets, [{ at: '2024-05-13T10:33:00Z', from: 150000, to: 1200 }]);
  // 35 minutes of data: under an hour, no trend
  assert.equal(t.trendPerDay, null);
  assert.equal(t.fullAt, null);
  assert.equal(t.series.length, 16);
  assert.deepEqual(t.series[5], { at: '2024-05-13T10:05:00Z', count: 262144 });

  assert.deepEqual(evidence.get('timeline.peak'), [{ path: 'usage-incident.log', line: 7, text: '2024-05-13 10:05:00 262144' }]);
  assert.deepEqual(evidence.get('timeline.atMax')!.map((e) => e.line), [7, 8, 9]);
  assert.deepEqual(evidence.get('timeline.gaps'), [{ path: 'usage-incident.log', line: 13, text: '2024-05-13 10:11:00 190000' }]);
  assert.deepEqual(evidence.get('timeline.resets'), [{ path: 'usage-incident.log', line: 17, text: '2024-05-13 10:33:00 1200' }]);
  assert.equal(evidence.get('timeline.max'), undefined);
});

test('without any max: aboveThreshold and fullAt are null', () => {
  const [d] = digestsOf(readFixture('count-timeline', 'usage-incident.log'));
  const { section: t, evidence } = buildTimelineSection([d!], NO_MAX);
  assert.equal(t.max, null);
  assert.equal(t.maxSource, null);
  assert.equal(t.aboveThreshold, null);
  assert.equal(evidence.get('timeline.atMax'), undefined);
});

test('max column is used when opts.max is null (latest sample carrying one), with its evidence line', () => {
  const text = '2024-05-13 10:00:00 100 65536\n2024-05-13 10:01:00 200 131072\n2024-05-13 10:02:00 300\n';
  const { section: t, evidence } = buildTimelineSection(digestsOf(text, 'u.log'), NO_MAX);
  assert.equal(t.max, 131072);
  assert.equal(t.maxSource, 'column');
  assert.deepEqual(evidence.get('timeline.max'), [{ path: 'u.log', line: 2, text: '2024-05-13 10:01:00 200 131072' }]);
  // opts.max wins over the column
  assert.equal(buildTimelineSection(digestsOf(text), { max: 1000, maxSource: '--max' }).section.max, 1000);
});

test('trend: +1,440 entries a day over 2 hours, full when the line reaches max', () => {
  // one sample every 10 minutes, +10 each: 1 entry a minute = 1,440 a day
  const lines: string[] = [];
  for (let i = 0; i <= 12; i++) lines.push(`${1715594400 + i * 600} ${1000 + i * 10} 2440`);
  const { section: t } = buildTimelineSection(digestsOf(lines.join('\n')), NO_MAX);
  assert.equal(t.trendPerDay, 1440);
  assert.equal(t.intervalSeconds, 600);
  // 1,440 entries more after exactly one day from the first sample
  assert.equal(t.fullAt, '2024-05-14T10:00:00Z');
  assert.equal(t.gaps.length, 0);
  assert.deepEqual(t.aboveThreshold, { '75': 0, '80': 0, '90': 0, '100': 0 });
});

test('falling trend → no fullAt; under 2 dated samples → no trend and no interval', () => {
  const { section: t } = buildTimelineSection(digestsOf('1715594400 5000 9000\n1715601600 1000 9000\n'), NO_MAX);
  assert.equal(t.trendPerDay, -48000);
  assert.equal(t.fullAt, null);
  const one = buildTimelineSection(digestsOf('1715594400 5000 9000\n'), NO_MAX).section;
  assert.equal(one.intervalSeconds, null);
  assert.equal(one.trendPerDay, null);
  assert.deepEqual(one.aboveThreshold, { '75': 0, '80': 0, '90': 0, '100': 0 });
});

test('undated samples count for peak and distribution, not for durations; resets in input order', () => {
  const [d] = digestsOf(readFixture('count-timeline', 'pfring-521-count-vs-proc-lines-snapshots.txt'), 'pfring.txt');
  const { section: t, evidence } = buildTimelineSection([d!], { max: 300, maxSource: '--max' });
  assert.equal(t.samples, 3);
  assert.equal(t.undatedSamples, 3);
  assert.equal(t.start, null);
  assert.equal(t.intervalSeconds, null);
  assert.deepEqual(t.peak, { count: 284, at: null, path: 'pfring.txt', line: 5 });
  assert.equal(t.min, 263);
  assert.equal(t.mean, 273.33);
  assert.equal(t.median, 273);
  assert.deepEqual(t.aboveThreshold, { '75': 0, '80': 0, '90': 0, '100': 0 });
  assert.deepEqual(t.series, [{ at: null, count: 263 }, { at: null, count: 284 }, { at: null, count: 273 }]);
  // 284/300 = 94.7 % < 98 %: nothing at max
  assert.equal(evidence.get('timeline.atMax'), undefined);
  const r = buildTimelineSection(digestsOf('net.netfilter.nf_conntrack_count = 5000\nnet.netfilter.nf_conntrack_count = 20\n'), NO_MAX).section;
  assert.deepEqual(r.resets, [{ at: null, from: 5000, to: 20 }]);
});

test('digests of one host merge in time order; the larger count wins at one instant', () => {
  const a = digestsOf('2024-05-13 10:00:00 10\n2024-05-13 10:02:00 30\n', 'a.log', '1');
  const b = digestsOf('2024-05-13 10:01:00 20\n2024-05-13 10:02:00 35\n2024-05-13 10:03:00 5\n', 'b.log', '2');
  const { section: t, evidence } = buildTimelineSection([...a, ...b], NO_MAX);
  assert.equal(t.samples, 4);
  assert.deepEqual(t.series.map((p) => [p.at!.slice(11, 16), p.count]), [['10:00', 10], ['10:01', 20], ['10:02', 35], ['10:03', 5]]);
  assert.deepEqual(t.peak, { count: 35, at: '2024-05-13T10:02:00Z', path: 'b.log', line: 2 });
  assert.deepEqual(evidence.get('timeline.peak'), [{ path: 'b.log', line: 2, text: '2024-05-13 10:02:00 35' }]);
});

test('accumulator: one digest per host, other record kinds ignored, arrays compact', () => {
  const acc = createTimelineAccumulator({ ...DEFAULT_CONTEXT, path: 'g.csv' });
  const { records } = parseText(countTimelineParser, readFixture('count-timeline', 'grafana-series-joined.csv'));
  for (const r of records) acc.add(r);
  acc.add({ kind: 'sysctl-setting', name: 'net.netfilter.nf_conntrack_max', value: 1, rawName: 'x', text: 'x', src: { sourceId: '1', lineNo: 1 } });
  const ds = acc.finish();
  assert.deepEqual(ds.map((d) => [d.host, d.tsMs.length, d.undatedCounts.length]), [['web1.example', 4, 0], ['192.0.2.12', 3, 0]]);
  const web1 = buildTimelineSection([ds[0]!], NO_MAX).section;
  assert.equal(web1.max, 65536);
  assert.equal(web1.maxSource, 'column');
  // 65536 at 10:10 stands for 300 s (5-minute samples)
  assert.equal(web1.aboveThreshold!['100'], 300);
});

test('series keeps each bucket maximum and its time when there are more than 500 samples', () => {
  const samples: string[] = [];
  for (let i = 0; i < 1000; i++) samples.push(`${1715594400 + i * 60} ${i === 777 ? 99999 : i % 10}`);
  const { section: t } = buildTimelineSection(digestsOf(samples.join('\n')), NO_MAX);
  assert.equal(t.series.length, 500);
  assert.deepEqual(t.series[388], { at: new Date((1715594400 + 777 * 60) * 1000).toISOString().replace('.000Z', 'Z'), count: 99999 });
  assert.equal(t.samples, 1000);
});

test('a host called __proto__ is a digest like any other', () => {
  const acc = createTimelineAccumulator(DEFAULT_CONTEXT);
  const s: CountSample = { kind: 'count-sample', tsMs: 1, count: 5, max: null, host: '__proto__', text: 'x', src: { sourceId: '1', lineNo: 1 } };
  acc.add(s);
  assert.deepEqual(acc.finish().map((d) => d.host), ['__proto__']);
});

test('no digests → an empty section', () => {
  const { section } = buildTimelineSection([], { max: 5, maxSource: '--max' });
  assert.equal(section.samples, 0);
  assert.equal(section.max, 5);
});

// ---------------------------------------------------------------------------- round 6 (issue 7): same numbers

/** The statistics as the straightforward version computed them: sort, simple-statistics, an array per point. */
function reference(digests: readonly TimelineDigest[], max: number | null): Record<string, unknown> {
  const dated: { ts: number; c: number; seq: number }[] = [];
  for (const d of digests) for (let i = 0; i < d.tsMs.length; i++) dated.push({ ts: d.tsMs[i]!, c: d.counts[i]!, seq: dated.length });
  dated.sort((a, b) => a.ts - b.ts || b.c - a.c || a.seq - b.seq);
  const merged = dated.filter((x, i) => i === 0 || dated[i - 1]!.ts !== x.ts);
  const all = [...merged.map((x) => x.c), ...digests.flatMap((d) => [...d.undatedCounts])];
  const sorted = [...all].sort((a, b) => a - b);
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const n = merged.length;
  const dts = merged.slice(1).map((x, i) => x.ts - merged[i]!.ts).sort((a, b) => a - b);
  const medianMs = n >= 2 ? medianSorted(dts) : null;
  let secs: number[] | null = null;
  if (max !== null) {
    secs = [0, 0, 0, 0];
    const cap = medianMs !== null ? 2 * medianMs : 0;
    for (let i = 0; i < n; i++) {
      const w = medianMs === null ? 0 : i + 1 < n ? Math.min(merged[i + 1]!.ts - merged[i]!.ts, cap) : medianMs;
      ['75', '80', '90', '100'].forEach((t, k) => { if (merged[i]!.c >= (Number(t) / 100) * max) secs![k]! += w; });
    }
  }
  const trend = n >= 2 && merged[n - 1]!.ts - merged[0]!.ts >= 3_600_000
    ? r2(linearRegression(merged.map((x) => [(x.ts - merged[0]!.ts) / 86_400_000, x.c])).m) : null;
  return {
    samples: all.length, min: sorted[0], mean: r2(mean(all)), median: r2(medianSorted(sorted)),
    p95: r2(quantileSorted(sorted, 0.95)), p99: r2(quantileSorted(sorted, 0.99)),
    stddev: r2(all.length > 1 ? standardDeviation(all) : 0), intervalSeconds: medianMs === null ? null : medianMs / 1000,
    aboveThreshold: secs && { '75': secs[0]! / 1000, '80': secs[1]! / 1000, '90': secs[2]! / 1000, '100': secs[3]! / 1000 },
    trendPerDay: trend,
  };
}

function pickStats(t: ReturnType<typeof buildTimelineSection>['section']): Record<string, unknown> {
  const { samples, min, mean: m, median, p95, p99, stddev, intervalSeconds, aboveThreshold, trendPerDay } = t;
  return { samples, min, mean: m, median, p95, p99, stddev, intervalSeconds, aboveThreshold, trendPerDay };
}

/** Epoch-stamped samples (times out of order and repeated when `shuffle`) and bare undated counts. */
function randomLog(rnd: () => number, n: number, shape: (i: number) => number, shuffle: boolean, undated: number): string {
  const lines: string[] = [];
  let t = 1_700_000_000;
  for (let i = 0; i < n; i++) {
    t += shuffle ? Math.floor(rnd() * 5) * 30 - 30 : rnd() < 0.01 ? 3600 : 60;
    lines.push(`${t} ${shape(i)}`);
  }
  for (let i = 0; i < undated; i++) lines.push(String(shape(i)));
  return lines.join('\n') + '\n';
}

test('statistics (quickselect, one-pass regression, merge fast path) equal the sort-based ones exactly', () => {
  const rnd = seededRandom(6);
  const shapes: ((i: number) => number)[] = [
    () => Math.floor(rnd() * 262144), // random
    () => Math.floor(rnd() * 4), // few distinct values
    (i) => i * 7, // rising
    (i) => 1_000_000 - i * 3, // falling
    (i) => (i % 97) * 1000, // sawtooth
    (i) => Math.abs(2000 - i) * 13 + 0.5, // organ pipe, fractional
    () => 131072, // constant
  ];
  for (const [k, shape] of shapes.entries()) {
    for (const n of [1, 2, 3, 10, 101, 4000]) {
      for (const shuffle of [false, true]) {
        const a = digestsOf(randomLog(rnd, n, shape, shuffle, k % 3 === 0 ? 5 : 0), 'a.log', '1');
        const b = digestsOf(randomLog(rnd, Math.ceil(n / 3), shape, shuffle, 0), 'b.log', '2');
        for (const ds of [a, [...a, ...b]]) {
          for (const max of [null, 200_000]) {
            const got = pickStats(buildTimelineSection(ds, { max, maxSource: max === null ? null : 'settings' }).section);
            assert.deepStrictEqual(got, reference(ds, max), `shape ${k}, n ${n}, shuffle ${shuffle}, ${ds.length} digests, max ${max}`);
          }
        }
      }
    }
  }
});

test('regression() gives linearRegression()\'s bits', () => {
  const rnd = seededRandom(7);
  for (const n of [1, 2, 5, 1000]) {
    const ts = new Float64Array(n);
    const counts = new Float64Array(n);
    let t = 1_715_594_400_000;
    for (let i = 0; i < n; i++) { t += 1 + Math.floor(rnd() * 600_000); ts[i] = t; counts[i] = Math.floor(rnd() * 1e6) / (rnd() < 0.5 ? 1 : 7); }
    const pts = Array.from(ts, (x, i) => [(x - ts[0]!) / 86_400_000, counts[i]!]);
    assert.deepStrictEqual(regression(ts, counts, ts[0]!), linearRegression(pts));
  }
});

test('-0 among the counts: min is what a sort gives (the quickselect path steps aside)', () => {
  const base = digestsOf('1715594400 5\n1715594460 0\n1715594520 3\n')[0]!;
  const d: TimelineDigest = { ...base, counts: Float64Array.from([5, -0, 3]) };
  const t = buildTimelineSection([d], NO_MAX).section;
  assert.ok(Object.is(t.min, -0));
  assert.equal(t.median, 3);
});
