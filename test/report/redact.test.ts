import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactReport } from '../../src/report/redact.js';
import { renderHtml } from '../../src/report/html.js';
import { hostileReport, sampleReport } from './sample-report.js';
import type { Report } from '../../src/model/report.js';

test('redact: addresses and host names become consistent pseudonyms everywhere', () => {
  const r = redactReport(sampleReport());
  const json = JSON.stringify(r);
  assert.doesNotMatch(json, /web-07|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8/i);
  const h = r.hosts[0]!;
  assert.equal(h.name, 'host-1');
  assert.equal(h.facts!.hostname, 'host-1');
  assert.equal(r.inputs[0]!.host, 'host-1');
  assert.equal(r.inputs[0]!.path, 'samples/incident-host-1/kern.log');
  assert.deepEqual(h.table!.topSources.map((s) => s.ip), ['198.18.0.1', '100::1', '198.18.0.2']);
  assert.deepEqual(h.table!.topDestinations.map((s) => s.ip), ['198.18.0.3']);
  assert.equal(h.table!.topPairs[0]!.src, '198.18.0.1');
  assert.equal(h.table!.topPairs[0]!.dst, '198.18.0.3');
  assert.match(h.summary!, /one client, 198\.18\.0\.1 \(8\.5 %\)/);
  assert.equal(r.findings[0]!.host, 'host-1');
  // numbers and times untouched
  assert.equal(h.drops.logged, 3080);
  assert.equal(h.drops.bursts[0]!.start, '2026-11-17T20:18:23Z');
  assert.equal(h.timeline!.series.length, 504);
  assert.equal(r.run.assumptions.length, 2);
  assert.deepEqual(redactReport(sampleReport()), r, 'deterministic');
  assert.equal(Object.getPrototypeOf(h.settings), null, 'null-prototype maps stay so');
});

test('redact: spellings of one IPv6 address share a pseudonym; pseudonyms never collide with originals', () => {
  const r = sampleReport();
  const ev = (text: string): Report['findings'][number] => ({ id: 'x', severity: 'info', host: null, message: text, evidence: [] });
  const odd: Report = {
    ...r,
    findings: [
      ev('src=2001:db8::1 dst=2001:0db8:0:0::1 and 198.18.0.1 at 20:19:09 mac 52:54:00:12:34:56 v4.15.0'),
      ev('WEB-07.example.com said hi; web-070 is another box; ::ffff:192.0.2.7'),
    ],
  };
  const out = redactReport(odd);
  // 192.0.2.60 (first in the JSON) → 198.18.0.1 is impossible: 198.18.0.1 is an original, so it is skipped
  const m0 = out.findings[0]!.message;
  assert.match(m0, /^src=100::(\w+) dst=100::\1 and (198\.18\.0\.\d+) at 20:19:09 mac 52:54:00:12:34:56 v4\.15\.0$/);
  assert.notEqual(/and (\S+) at/.exec(m0)![1], '198.18.0.1');
  const m1 = out.findings[1]!.message;
  assert.match(m1, /^host-1\.example\.com said hi; web-070 is another box; 100::\w+$/);
});

test('redact: hostile text survives as text and still renders', () => {
  const r = redactReport(hostileReport());
  const html = renderHtml(r, {});
  assert.ok(!html.includes('<script>'));
  assert.doesNotMatch(html, /web-07|192\.0\.2\./);
});
