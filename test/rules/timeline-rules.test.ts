import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import { countTimelineParser } from '../../src/parsers/count-timeline/index.js';
import { buildTimelineSection, createTimelineAccumulator } from '../../src/analysis/timeline.js';
import type { HostReport } from '../../src/model/report.js';
import type { Facet, Rule } from '../../src/rules/define-rule.js';
import { interpolate, runRules } from '../../src/rules/engine.js';
import { usageHigh } from '../../src/rules/usage-high.js';
import { tableAtMax } from '../../src/rules/table-at-max.js';
import { timelineGaps } from '../../src/rules/timeline-gaps.js';
import { usageReset } from '../../src/rules/usage-reset.js';
import { readFixture } from '../helpers.js';

const RULES: readonly Rule[] = [usageHigh, tableAtMax, timelineGaps, usageReset];

/** Literal input → parser → accumulator → section → rules, as the pipeline does. */
function run(text: string | Buffer, opts: { max?: number | null; maxOverride?: number | null; path?: string; facets?: Facet[] } = {}) {
  const ctx = { ...DEFAULT_CONTEXT, path: opts.path ?? 'usage.log' };
  const { records } = parseText(countTimelineParser, text, ctx);
  const acc = createTimelineAccumulator(ctx);
  for (const r of records) acc.add(r);
  const built = buildTimelineSection(acc.finish(), { max: opts.max ?? null, maxSource: opts.max ? 'settings' : null });
  // the timeline rules read only host.timeline; the rest of HostReport belongs to other stages
  const host = { name: null, timeline: built.section } as Partial<HostReport> as HostReport;
  return runRules(RULES, [{ host, facets: new Set(opts.facets ?? ['timeline']), evidence: built.evidence }], { maxOverride: opts.maxOverride ?? null });
}

const minutes = (counts: readonly number[], max?: number): string =>
  counts.map((c, i) => `2024-05-13 10:${String(i).padStart(2, '0')}:00 ${c}${max ? ` ${max}` : ''}`).join('\n') + '\n';

// ----------------------------------------------------------------------------- valid: no finding
const VALID: readonly { name: string; text: string; max?: number }[] = [
  { name: 'peak under 80 % of the max column', text: minutes([100, 700, 799], 1000) },
  { name: 'no max known anywhere (rules cannot judge)', text: minutes([100, 5000, 99999]) },
  { name: 'real k8s scrape: 474 of 131072', text: readFixture('count-timeline', 'k8s-calico-rpi-node-exporter-scrape-excerpt.txt').toString() },
  { name: 'settings max makes 799 low', text: minutes([100, 700, 799]), max: 1000 },
];

for (const v of VALID) {
  test(`valid: ${v.name}`, () => {
    const { findings, skips } = run(v.text, { max: v.max ?? null });
    assert.deepEqual(findings, []);
    assert.deepEqual(skips, []);
  });
}

// ----------------------------------------------------------------------------- invalid: findings
test('usage-high warning at 80 %, with the time at or above 80 %', () => {
  const { findings } = run(minutes([100, 800, 850, 500], 1000));
  assert.deepEqual(findings.map((f) => [f.id, f.severity]), [['usage-high', 'warning']]);
  assert.equal(findings[0]!.message, 'conntrack usage peaked at 850 entries, 85.0 % of max 1,000 (2024-05-13T10:02:00Z); 2m at or above 80 %');
  assert.deepEqual(findings[0]!.evidence.map((e) => e.line), [3, 4]); // peak line, then the line with the latest max column
});

test('usage-high error at 90 % (89.99 % stays a warning)', () => {
  const err = run(minutes([100, 900, 500], 1000)).findings;
  assert.deepEqual(err.map((f) => [f.id, f.severity]), [['usage-high', 'error']]);
  assert.match(err[0]!.message, /90\.0 % of max 1,000 .*; 1m at or above 90 %$/);
  const warn = run(minutes([100, 8999], 10000)).findings;
  assert.deepEqual(warn.map((f) => [f.id, f.severity, f.message.includes('89.9 %')]), [['usage-high', 'warning', true]]);
});

test('usage-incident.log with max 262144 from settings: table-at-max, usage-high, gaps and reset', () => {
  const { findings } = run(readFixture('count-timeline', 'usage-incident.log'), { max: 262144, path: 'usage-incident.log' });
  assert.deepEqual(findings.map((f) => [f.id, f.severity]), [
    ['table-at-max', 'error'], ['usage-high', 'error'], ['timeline-gaps', 'info'], ['usage-reset', 'info'],
  ]);
  const [atMax, high, gaps, reset] = findings;
  assert.equal(atMax!.message, 'the conntrack table was full: 262,144 entries of max 262,144 (2024-05-13T10:05:00Z); 3m at max');
  assert.deepEqual(atMax!.evidence.map((e) => [e.path, e.line]), [['usage-incident.log', 7], ['usage-incident.log', 8], ['usage-incident.log', 9]]);
  assert.equal(high!.message, 'conntrack usage peaked at 262,144 entries, 100.0 % of max 262,144 (2024-05-13T10:05:00Z); 5m at or above 90 %');
  assert.equal(gaps!.message, 'the usage timeline has 1 gap(s) longer than twice its 1m interval; the longest is 20m from 2024-05-13T10:11:00Z to 2024-05-13T10:31:00Z');
  assert.deepEqual(gaps!.evidence.map((e) => e.line), [13]);
  assert.equal(reset!.message, 'the conntrack count fell from 150,000 to 1,200 (2024-05-13T10:33:00Z): a reboot, module reload or table flush');
});

test('table-at-max near max (98 %) fires without a time at max', () => {
  const { findings } = run(minutes([100, 985, 300], 1000));
  const f = findings.find((x) => x.id === 'table-at-max')!;
  assert.equal(f.severity, 'error');
  assert.equal(f.message, 'the conntrack table came within 2 % of max: 985 entries of 1,000 (98.5 %, 2024-05-13T10:01:00Z); a sampled count just under max usually means the table was full between samples');
  assert.deepEqual(f.evidence.map((e) => e.line), [2, 3]);
});

test('undated snapshots at max: messages without durations', () => {
  const { findings } = run('net.netfilter.nf_conntrack_count = 65536\nnet.netfilter.nf_conntrack_max = 65536\n');
  assert.deepEqual(findings.map((f) => f.message), [
    'the conntrack table was full: 65,536 entries of max 65,536 (an undated sample)',
    'conntrack usage peaked at 65,536 entries, 100.0 % of max 65,536 (an undated sample)',
  ]);
});

test('--max overrides the section max: percent against it, durations left out', () => {
  const { findings } = run(minutes([100, 800, 500], 100000), { maxOverride: 850 });
  assert.deepEqual(findings.map((f) => [f.id, f.severity, f.message]), [
    ['usage-high', 'error', 'conntrack usage peaked at 800 entries, 94.1 % of max 850 (2024-05-13T10:01:00Z)'],
  ]);
});

test('without a timeline input every rule is skipped', () => {
  const { findings, skips } = run(minutes([1, 2]), { facets: [] });
  assert.deepEqual(findings, []);
  assert.deepEqual(skips.map((s) => s.id).sort(), ['table-at-max', 'timeline-gaps', 'usage-high', 'usage-reset']);
});

test('every messageId placeholder is filled by the data the rules give', () => {
  for (const r of RULES) {
    for (const [id, tpl] of Object.entries(r.messages)) {
      assert.match(id, /^[a-z][A-Za-z]*$/);
      for (const m of tpl.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) assert.ok(m[1], `${r.id}.${id}`);
    }
    assert.ok(r.docs.threshold.length > 0 && r.docs.summary.length > 0 && r.docs.remedy.length > 0);
    assert.deepEqual(r.requires, ['timeline']);
  }
  // and no finding of the fixtures keeps a raw placeholder
  const all = [
    ...run(readFixture('count-timeline', 'usage-incident.log'), { max: 262144 }).findings,
    ...run(minutes([100, 985, 300], 1000)).findings,
    ...run(minutes([100, 850], 1000)).findings,
    ...run('net.netfilter.nf_conntrack_count = 65536\nnet.netfilter.nf_conntrack_max = 65536\n').findings,
    ...run('net.netfilter.nf_conntrack_count = 5000\nnet.netfilter.nf_conntrack_count = 3\nnet.netfilter.nf_conntrack_count = 4000\nnet.netfilter.nf_conntrack_count = 1\n').findings,
  ];
  assert.ok(all.length >= 7);
  for (const f of all) assert.doesNotMatch(f.message, /\{\{/, f.message);
  assert.equal(interpolate('{{a}}', { a: 1 }), '1');
});

test('usage-reset counts further falls', () => {
  const { findings } = run('net.netfilter.nf_conntrack_count = 5000\nnet.netfilter.nf_conntrack_count = 3\nnet.netfilter.nf_conntrack_count = 4000\nnet.netfilter.nf_conntrack_count = 1\n');
  assert.deepEqual(findings.map((f) => f.message), ['the conntrack count fell from 5,000 to 3 (undated samples): a reboot, module reload or table flush; 1 more fall(s) to near zero']);
  assert.deepEqual(findings[0]!.evidence.map((e) => e.line), [2, 4]);
});

test('real Nagios perfdata: 57 % of max is not high; the fall to 8,862 in input order is a reset (info)', () => {
  const { findings } = run(readFixture('count-timeline', 'nagios-check_conntrack-perfdata-before-after.txt'), { path: 'nagios.txt' });
  assert.deepEqual(findings.map((f) => [f.id, f.severity, f.message]), [
    ['usage-reset', 'info', 'the conntrack count fell from 151,335 to 8,862 (undated samples): a reboot, module reload or table flush'],
  ]);
  assert.deepEqual(findings[0]!.evidence, [{ path: 'nagios.txt', line: 4, text: 'CONNTRACK OK: 3% state used (8862/262144)|count=8862;209715;235929;0;262144' }]);
});
