import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import type { TimelineSection } from '../../src/model/report.js';
import { fmtRange, renderTimelineText } from '../../src/report/text/timeline.js';
import { parseText, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import { countTimelineParser } from '../../src/parsers/count-timeline/index.js';
import { buildTimelineSection, createTimelineAccumulator } from '../../src/analysis/timeline.js';
import { readFixture } from '../helpers.js';

const WEEK: TimelineSection = {
  samples: 6, undatedSamples: 0, start: '2024-11-16T00:00:00Z', end: '2024-11-22T00:00:00Z', intervalSeconds: 60,
  peak: { count: 262144, at: '2024-11-17T20:20:00Z', path: 'conntrack-usage.log', line: 2661 },
  min: 50000, mean: 70988, median: 65000, p95: 161200, p99: 250000, stddev: 1000, max: 262144, maxSource: 'settings',
  aboveThreshold: { '75': 10800, '80': 9660, '90': 4320, '100': 1980 },
  gaps: [], resets: [], trendPerDay: 1840, fullAt: null,
  series: [
    { at: '2024-11-16T00:00:00Z', count: 50000 }, { at: '2024-11-17T00:00:00Z', count: 131072 },
    { at: '2024-11-17T20:20:00Z', count: 262144 }, { at: '2024-11-19T00:00:00Z', count: 98304 },
    { at: '2024-11-20T00:00:00Z', count: 196608 }, { at: '2024-11-22T00:00:00Z', count: 65536 },
  ],
};

const render = (s: TimelineSection, width = 80): string[] => renderTimelineText(s, { width }).map((l) => stripVTControlCharacters(l));

test('a week at 1-minute samples with the max line: exact lines', () => {
  assert.deepEqual(render(WEEK), [
    'TABLE USAGE  conntrack-usage.log: 6 samples every 1m, Nov 16-22',
    '  peak 262,144 (100 % of 262,144) Nov 17 20:20   mean 70,988   p95 161,200',
    '  time >= 80 %: 2h41m   >= 90 %: 1h12m   at max: 33m   trend +1,840/day',
    '  262,144 ┼─────────────────────────────────────────────────────────────────',
    '  229,376 ┤                     │          │',
    '  196,608 ┤                     │          │          ╭──────────╮',
    '  163,840 ┤                     │          │          │          │',
    '  131,072 ┤          ╭──────────╯          │          │          │',
    '   98,304 ┤          │                     ╰──────────╯          │',
    '   65,536 ┼──────────╯                                           ╰──────────',
    '   32,768 ┤',
    '        0 ┤',
    '           Nov 16                        Nov 17                        Nov 22',
  ]);
});

test('every line fits the width; the chart has 9 rows (height 8)', () => {
  for (const w of [80, 60, 40]) {
    const lines = render({ ...WEEK, gaps: [{ start: '2024-11-18T01:00:00Z', end: '2024-11-18T03:05:00Z', seconds: 7500 }], resets: [{ at: '2024-11-19T04:00:00Z', from: 150000, to: 1200 }], fullAt: '2024-12-30T00:00:00Z' }, w);
    for (const l of lines) assert.ok([...l].length <= w, `${w}: ${l}`);
    assert.equal(lines.filter((l) => /[┤┼]/.test(l)).length, 9);
  }
});

test('gaps, resets and the projected fill time are listed', () => {
  const lines = render({ ...WEEK, gaps: [{ start: '2024-11-18T01:00:00Z', end: '2024-11-18T03:05:00Z', seconds: 7500 }], resets: [{ at: '2024-11-19T04:00:00Z', from: 150000, to: 1200 }], fullAt: '2024-12-30T00:00:00Z' });
  assert.deepEqual(lines.slice(2, 5), [
    '  time >= 80 %: 2h41m   >= 90 %: 1h12m   at max: 33m   trend +1,840/day',
    '  full ~Dec 30 00:00 at this trend   gaps 1 (longest 2h05m at Nov 18 01:00)',
    '  resets 1 (150,000 -> 1,200 at Nov 19 04:00)',
  ]);
});

test('max unknown and undated snapshots: no durations, no chart', () => {
  const s: TimelineSection = {
    ...WEEK, samples: 3, undatedSamples: 3, start: null, end: null, intervalSeconds: null,
    peak: { count: 284, at: null, path: 'pfring.txt', line: 5 }, mean: 273.33, p95: 282.9, max: null, maxSource: null,
    aboveThreshold: null, trendPerDay: null, series: [{ at: null, count: 263 }, { at: null, count: 284 }, { at: null, count: 273 }],
  };
  assert.deepEqual(render(s), [
    'TABLE USAGE  pfring.txt: 3 samples without time stamps',
    '  peak 284   mean 273   p95 283',
    '  max unknown (no max column, settings or --max)',
  ]);
});

test('a max far above the counts is left off the chart and said so; tiny shares print <1 %', () => {
  const ctx = { ...DEFAULT_CONTEXT, path: 'metrics.txt' };
  const acc = createTimelineAccumulator(ctx);
  for (const r of parseText(countTimelineParser, readFixture('count-timeline', 'k8s-calico-rpi-node-exporter-scrape-excerpt.txt'), ctx).records) acc.add(r);
  assert.deepEqual(render(buildTimelineSection(acc.finish(), { max: null, maxSource: null }).section), [
    'TABLE USAGE  metrics.txt: 1 sample without time stamps',
    '  peak 474 (<1 % of 131,072)   mean 474   p95 474',
    '  max from the samples',
  ]);
  const dated: TimelineSection = { ...WEEK, max: 10_000_000 };
  const lines = render(dated);
  assert.equal(lines[lines.length - 1], '           (max 10,000,000 is off the chart)');
  assert.ok(!lines.some((l) => l.includes('10,000,000 ┼')));
});

test('usage-incident.log through the pipeline: heading, numbers and axis', () => {
  const ctx = { ...DEFAULT_CONTEXT, path: 'usage-incident.log' };
  const acc = createTimelineAccumulator(ctx);
  for (const r of parseText(countTimelineParser, readFixture('count-timeline', 'usage-incident.log'), ctx).records) acc.add(r);
  const lines = render(buildTimelineSection(acc.finish(), { max: 262144, maxSource: 'settings' }).section);
  assert.deepEqual(lines.slice(0, 5), [
    'TABLE USAGE  usage-incident.log: 16 samples every 1m, May 13 10:00-10:35',
    '  peak 262,144 (100 % of 262,144) May 13 10:05   mean 168,227   p95 262,144',
    '  time >= 80 %: 8m   >= 90 %: 5m   at max: 3m',
    '  gaps 1 (longest 20m at May 13 10:11)',
    '  resets 1 (150,000 -> 1,200 at May 13 10:33)',
  ]);
  assert.equal(lines[5], '  262,144 ┼───────────────────────────────────────────────────────────────');
  assert.equal(lines[lines.length - 1], '           May 13 10:00                 10:07                         10:35');
});

test('control characters in the path are made harmless', () => {
  const lines = render({ ...WEEK, peak: { ...WEEK.peak, path: 'evil\u001b[31m\u202e.log' } });
  assert.ok(!lines[0]!.includes('\u001b') && !lines[0]!.includes('\u202e'), lines[0]);
});

test('date ranges', () => {
  assert.equal(fmtRange('2024-11-16T00:00:00Z', '2024-11-22T23:00:00Z'), 'Nov 16-22');
  assert.equal(fmtRange('2024-11-28T00:00:00Z', '2024-12-02T00:00:00Z'), 'Nov 28-Dec 02');
  assert.equal(fmtRange('2024-05-13T10:00:00Z', '2024-05-13T12:30:00Z'), 'May 13 10:00-12:30');
  assert.equal(fmtRange('2024-05-13T22:00:00Z', '2024-05-14T09:00:00Z'), 'May 13 22:00-May 14 09:00');
  assert.equal(fmtRange('2024-12-28T00:00:00Z', '2025-01-03T00:00:00Z'), 'Dec 28 2024-Jan 03 2025');
});
