import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failsAt, renderJunit } from '../../src/report/junit.js';
import { hostileReport, sampleReport } from './sample-report.js';
import type { Report } from '../../src/model/report.js';

const RULES = [
  { id: 'table-full-drops', severity: 'error', summary: 'drops because the table was full' },
  { id: 'usage-high', severity: 'warning', summary: 'usage near max' },
];

test('junit: one suite per host, one testcase per rule, failures at --fail-on, skips skipped', () => {
  const xml = renderJunit(sampleReport(), { rules: RULES });
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ctdoctor" tests="6" failures="2" errors="0" skipped="1" time="0">\n  <testsuite name="web-07" tests="6" failures="2" errors="0" skipped="1" time="0">\n'));
  const names = [...xml.matchAll(/<testcase classname="ctdoctor\.web-07" name="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(names, ['table-full-drops', 'usage-high', 'drop-counter', 'drops-suppressed', 'table-at-max', 'timeline-gaps']);
  assert.match(xml, /<testcase classname="ctdoctor\.web-07" name="usage-high" time="0">\n {6}<system-out>passed: usage near max<\/system-out>\n {4}<\/testcase>/);
  assert.match(xml, /name="timeline-gaps" time="0">\n {6}<skipped message="needs countSamples"\/>/);
  assert.match(xml, /name="table-full-drops" time="0">\n {6}<failure message="3,080 &quot;table full&quot; drops logged in 4 bursts [^"]*" type="error">3,080 &quot;table full&quot;[^<]*\n {2}samples\/incident-web-07\/kern\.log:55 {2}nf_conntrack: table full, dropping packet\n/);
  assert.ok(xml.endsWith('  </testsuite>\n</testsuites>\n'));
});

test('junit: --fail-on warning fails the warning rule too; never fails nothing', () => {
  assert.match(renderJunit(sampleReport(), { failOn: 'warning' }), /<testsuites name="ctdoctor" tests="5" failures="3" errors="0" skipped="1"/);
  assert.match(renderJunit(sampleReport(), { failOn: 'info' }), /failures="4"/);
  assert.match(renderJunit(sampleReport(), { failOn: 'never' }), /<testsuites name="ctdoctor" tests="5" failures="0"/);
  assert.equal(failsAt('warning', 'error'), false);
  assert.equal(failsAt('error', 'warning'), true);
});

test('junit: hostile text is valid XML 1.0 (no forbidden characters, markup escaped)', () => {
  const xml = renderJunit(hostileReport(), {});
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\u202e]/);
  assert.ok(!xml.includes('<script'));
  assert.match(xml, /&lt;script&gt;window\.__pwned=1&lt;\/script&gt; \\x1B\[31mRED\\x1B\[0m &lt;\/pre&gt;&lt;b&gt;bold&lt;\/b&gt; evil\\u202Egnp\.exe/);
  assert.match(xml, /nul\\x00hereend/);
});

test('junit: no hosts gives one suite; host-less findings go to the only host', () => {
  const r = sampleReport();
  const none: Report = { ...r, hosts: [], findings: [{ ...r.findings[0]!, host: null }], skips: [] };
  assert.match(renderJunit(none, {}), /<testsuite name="ctdoctor" tests="1" failures="1"/);
  const one: Report = { ...r, findings: [{ ...r.findings[0]!, host: null }], skips: [] };
  assert.match(renderJunit(one, {}), /<testsuites name="ctdoctor" tests="1" failures="1" errors="0" skipped="0" time="0">\n {2}<testsuite name="web-07"/);
});
