import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffReports, renderDiffJson, renderDiffText } from '../../src/report/diff.js';
import { sampleReport } from './sample-report.js';
import type { HostReport, Report } from '../../src/model/report.js';

/** The sample after the fix: max doubled, TIME_WAIT shortened, no drops, peak 40,000. */
function fixed(): Report {
  const r = sampleReport();
  const h = r.hosts[0]!;
  const after: HostReport = {
    ...h,
    drops: { ...h.drops, logged: 0, suppressed: 0, perMinute: [], bursts: [], first: null, last: null },
    settings: { ...h.settings, 'net.netfilter.nf_conntrack_max': 131072, 'net.netfilter.nf_conntrack_tcp_timeout_time_wait': 30, 'net.netfilter.nf_conntrack_count': 1 },
    timeline: { ...h.timeline!, max: 131072, peak: { ...h.timeline!.peak, count: 40000 }, aboveThreshold: { 75: 0, 80: 0, 90: 0, 100: 0 } },
    table: { ...h.table!, entries: 40000, byState: { ESTABLISHED: 16000, TIME_WAIT: 12000 }, topSources: [{ ip: '203.0.113.9', count: 2000, share: 0.05 }] },
  };
  return { ...r, hosts: [after], findings: r.findings.filter((f) => f.id === 'drop-counter') };
}

test('diff: a fix that worked', () => {
  const d = diffReports(sampleReport(), fixed());
  assert.equal(d.worse, false);
  const h = d.hosts[0]!;
  assert.deepEqual(h.dropsLogged, { before: 3080, after: 0 });
  assert.deepEqual(h.peakShareOfMax, { before: 1, after: 40000 / 131072 });
  assert.deepEqual(h.secondsAtMax, { before: 1440, after: 0 });
  assert.deepEqual(h.dominantState, { before: { name: 'TIME_WAIT', share: 38011 / 65536 }, after: { name: 'ESTABLISHED', share: 0.4 } });
  assert.deepEqual(h.settingsChanged, [
    { name: 'net.netfilter.nf_conntrack_max', before: 65536, after: 131072 },
    { name: 'net.netfilter.nf_conntrack_tcp_timeout_time_wait', before: 120, after: 30 },
  ]);
  assert.deepEqual(d.findingsRemoved, ['drops-suppressed', 'table-at-max', 'table-full-drops']);
  assert.deepEqual(d.findingsAdded, []);
  assert.equal(renderDiffText(d), [
    'ctdoctor diff: not worse',
    'host web-07',
    '  drops logged         3,080 -> 0  (-3,080)',
    '  drops suppressed     747,721 -> 0  (-747,721)',
    '  peak entries         65,536 -> 40,000',
    '  peak % of max        100 % -> 31 %',
    '  time at max          24m -> 0s',
    '  dominant state       TIME_WAIT 58 % -> ESTABLISHED 40 %',
    '  top source           192.0.2.60 8.5 % -> 203.0.113.9 5 %',
    '  settings changed',
    '    nf_conntrack_max   65536 -> 131072',
    '    nf_conntrack_tcp_timeout_time_wait 120 -> 30',
    'findings gone: drops-suppressed, table-at-max, table-full-drops',
    '',
  ].join('\n'));
  assert.deepEqual(JSON.parse(renderDiffJson(d)), JSON.parse(JSON.stringify(d)));
});

test('diff: the reverse is worse, with reasons', () => {
  const d = diffReports(fixed(), sampleReport());
  assert.equal(d.worse, true);
  assert.deepEqual(d.hosts[0]!.reasons, [
    'more drops (0 -> 750,801 logged + suppressed)',
    'higher peak (31 % -> 100 % of max)',
    'more time at max (0s -> 24m)',
  ]);
  assert.match(renderDiffText(d), /^ctdoctor diff: WORSE\n/);
  assert.match(renderDiffText(d), /\n {2}WORSE: more drops/);
});

test('diff: hosts matched by name when there are several; a new host with drops is worse', () => {
  const r = sampleReport();
  const h = r.hosts[0]!;
  const before: Report = { ...r, hosts: [h, { ...h, name: 'web-08' }] };
  const after: Report = { ...r, hosts: [{ ...h, name: 'web-08' }, { ...h, name: 'web-09' }] };
  const d = diffReports(before, after);
  assert.deepEqual(d.hosts.map((x) => [x.host, x.presence, x.worse]), [['web-08', 'both', false], ['web-09', 'after-only', true], ['web-07', 'before-only', false]]);
  assert.equal(d.worse, true);
  assert.equal(diffReports(sampleReport(), sampleReport()).worse, false);
  assert.match(renderDiffText(diffReports(sampleReport(), sampleReport())), /^ctdoctor diff: no change\n/);
});
