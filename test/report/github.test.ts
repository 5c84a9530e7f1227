import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderGithub } from '../../src/report/github.js';
import { hostileReport, sampleReport } from './sample-report.js';
import type { Report } from '../../src/model/report.js';

test('github: one annotation per finding, severity mapped, file/line from the first evidence', () => {
  assert.equal(renderGithub(sampleReport(), {}), [
    '::error file=samples/incident-web-07/conntrack-usage.log,line=2660,title=table-at-max (web-07)::the conntrack table was full: 65,536 entries of max 65,536 (2026-11-17T20:19:00Z); 24m at max',
    '::error file=samples/incident-web-07/kern.log,line=55,title=table-full-drops (web-07)::3,080 "table full" drops logged in 4 bursts (2026-11-17T20:18:23Z to 2026-11-21T17:35:55Z), 747,721 more suppressed by rate limiting',
    '::warning file=samples/incident-web-07/conntrack_-S.txt,line=1,title=drop-counter (web-07)::drop counter is 752,042 in samples/incident-web-07/conntrack_-S.txt',
    '::notice file=samples/incident-web-07/kern.log,line=65,title=drops-suppressed (web-07)::rate limiting hid 747,721 messages: the log shows 0.4 %25 of the drops it reports (3,080 logged)',
    '',
  ].join('\n'));
});

test('github: properties and data escaped; no log text starts a command', () => {
  const out = renderGithub(hostileReport(), {});
  const lines = out.slice(0, -1).split('\n');
  assert.equal(lines.length, 5);
  for (const l of lines) assert.match(l, /^::(error|warning|notice) /);
  assert.equal(lines[4], '::warning file=samples/incident-web-07/kern.log,line=77,title=table-full-drops (web-07)::hostile: <script>window.__pwned=1</script> 100%25 done%0D%0A: :error: :pwned');
  const r = sampleReport();
  const odd: Report = { ...r, findings: [{ id: 'x', severity: 'info', host: null, message: 'm', evidence: [{ path: 'a:b,c%d\ne', line: null, text: '' }] }] };
  assert.equal(renderGithub(odd, {}), '::notice file=a%3Ab%2Cc%25d%0Ae,title=x::m\n');
  const bare: Report = { ...r, findings: [{ id: 'y', severity: 'error', host: null, message: 'no evidence', evidence: [] }] };
  assert.equal(renderGithub(bare, {}), '::error title=y::no evidence\n');
});
