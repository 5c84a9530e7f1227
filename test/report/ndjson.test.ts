import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderNdjson } from '../../src/report/ndjson.js';
import { hostileReport, sampleReport, SUMMARY } from './sample-report.js';
import type { Report } from '../../src/model/report.js';

function parse(s: string): { type: string; data: Record<string, unknown> }[] {
  assert.ok(s.endsWith('\n'));
  return s.slice(0, -1).split('\n').map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
}

test('ndjson: one envelope per line, in order: inputs, summary, bursts, recommendation, findings', () => {
  const lines = parse(renderNdjson(sampleReport(), {}));
  assert.deepEqual(lines.map((l) => l.type), [
    'input', 'input', 'input', 'input', 'input', 'summary', 'burst', 'burst', 'burst', 'burst', 'recommendation',
    'finding', 'finding', 'finding', 'finding',
  ]);
  for (const l of lines) assert.deepEqual(Object.keys(l), ['type', 'data']);
  assert.deepEqual(lines[5]!.data, {
    host: 'web-07', summary: SUMMARY,
    drops: { logged: 3080, suppressed: 747721, undated: 0, first: '2026-11-17T20:18:23Z', last: '2026-11-21T17:35:55Z', bursts: 4 },
    peak: { count: 65536, at: '2026-11-17T20:19:00Z', max: 65536 }, secondsAtMax: 1440, entries: 65536,
  });
  assert.deepEqual(lines[8]!.data, { host: 'web-07', index: 3, ...sampleReport().hosts[0]!.drops.bursts[2] });
  assert.equal((lines[10]!.data['nf_conntrack_max'] as { recommended: number }).recommended, 131072);
  assert.equal(lines[10]!.data['host'], 'web-07');
  assert.deepEqual(lines[0]!.data, JSON.parse(JSON.stringify(sampleReport().inputs[0])));
  assert.equal(lines[11]!.data['id'], 'table-at-max');
});

test('ndjson: several hosts are tagged; U+2028/2029 and newlines never split a line', () => {
  const r = sampleReport();
  const two: Report = { ...r, hosts: [r.hosts[0]!, { ...r.hosts[0]!, name: 'web-08', summary: 'a\u2028b\u2029c\nd', recommendations: null }] };
  const out = renderNdjson(two, {});
  assert.ok(!out.includes('\u2028') && !out.includes('\u2029'));
  const lines = parse(out);
  assert.deepEqual(lines.filter((l) => l.type === 'summary').map((l) => l.data['host']), ['web-07', 'web-08']);
  assert.deepEqual(lines.filter((l) => l.type === 'burst').map((l) => l.data['host']), ['web-07', 'web-07', 'web-07', 'web-07', 'web-08', 'web-08', 'web-08', 'web-08']);
  assert.equal(lines.find((l) => l.type === 'summary' && l.data['host'] === 'web-08')!.data['summary'], 'a\u2028b\u2029c\nd');
  assert.equal(parse(renderNdjson(hostileReport(), {})).length, 17);
});
