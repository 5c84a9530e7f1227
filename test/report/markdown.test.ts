import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mermaidSeries, renderMarkdown } from '../../src/report/markdown.js';
import { markdownFence } from '../../src/report/sanitize.js';
import { HOSTILE, hostileReport, sampleReport } from './sample-report.js';

test('markdown: summary, bursts table, findings, inputs (exact lines)', () => {
  const md = renderMarkdown(sampleReport(), {});
  const lines = md.split('\n');
  assert.equal(lines[0], '# ctdoctor report: web-07');
  assert.equal(lines[2], 'ctdoctor 1.0.0, 5 inputs, 15,715 lines (0 malformed). Times are UTC.');
  assert.ok(lines.includes('## What happened'));
  assert.ok(lines.includes('| 1 | Nov 17 20:18:23 | Nov 17 20:25:48 | 7m25s | 900 | 218,866 | 120 | yes | samples/incident-web-07/kern.log:55 |'));
  assert.ok(lines.includes('| 3 | Nov 20 14:40:39 | Nov 20 14:52:49 | 12m10s | 1,470 | 352,526 | 120 | yes | samples/incident-web-07/kern.log:1574 |'));
  assert.ok(lines.includes('| 192.0.2.60 | 5,571 | 8.5 % |'));
  assert.ok(lines.includes('| nf\\_conntrack\\_max | 65,536 | 131,072 | demand reached the max 4 times (censored at 65,536) |'));
  assert.ok(lines.includes('| samples/incident-web-07/kern.log | kernel-log | syslog | parsed | 3,594 | 3,423 | 171 | 0 | 3,080 |'));
  assert.equal(lines.filter((l) => /^\| \*\*(error|warning|info)\*\* \|/.test(l)).length, 4);
  assert.equal(renderMarkdown(sampleReport(), {}), md, 'deterministic');
});

test('markdown: the sysctl file in an ini block', () => {
  const md = renderMarkdown(sampleReport(), {});
  assert.ok(md.includes('```ini\n# /etc/sysctl.d/90-conntrack.conf (ctdoctor)\nnet.netfilter.nf_conntrack_max = 131072\nnet.netfilter.nf_conntrack_tcp_timeout_time_wait = 30\n```\n'));
});

test('markdown: the count timeline as a Mermaid xychart-beta of at most 200 points', () => {
  const md = renderMarkdown(sampleReport(), {});
  const block = md.slice(md.indexOf('```mermaid\n'), md.indexOf('```\n', md.indexOf('```mermaid\n') + 10));
  const lines = block.split('\n');
  assert.deepEqual(lines.slice(0, 5), [
    '```mermaid',
    'xychart-beta',
    '  title "conntrack entries on web-07 (flat line: max 65536)"',
    '  x-axis "days since Nov 16 00:00:00 UTC" 0 --> 7',
    '  y-axis "entries" 0 --> 69000',
  ]);
  const values = JSON.parse(lines[5]!.replace(/^ {2}line /, '')) as number[];
  assert.equal(values.length, 200);
  assert.equal(values.filter((v) => v === 65536).length >= 4, true, 'each burst peak survives the downsampling');
  assert.equal(JSON.parse(lines[6]!.replace(/^ {2}line /, '')).length, 200);
});

test('mermaidSeries keeps each slice maximum and fills empty slices with the previous value', () => {
  const s = mermaidSeries([
    { at: '2026-01-01T00:00:00Z', count: 1 }, { at: '2026-01-01T00:01:00Z', count: 5 },
    { at: '2026-01-01T00:02:00Z', count: 3 }, { at: '2026-01-01T00:09:00Z', count: 7 }, { at: null, count: 99 },
  ], 4);
  assert.deepEqual(s, { from: Date.parse('2026-01-01T00:00:00Z'), to: Date.parse('2026-01-01T00:09:00Z'), values: [5, 5, 5, 7] }, "minutes 0-2 fall in slot 0 (max 5); slots 1-2 are empty and repeat it");
  assert.equal(mermaidSeries([{ at: null, count: 1 }]), null);
});

test('markdown: hostile text cannot break out of cells or code blocks', () => {
  const md = renderMarkdown(hostileReport(), {});
  assert.ok(!md.includes('<script'));
  assert.ok(!md.includes('\u001b'));
  assert.ok(!md.includes('\u202e'));
  // the sysctl block's fence is longer than the backtick run inside it
  assert.ok(md.includes('````ini\n'));
  assert.ok(md.includes('# ```\n# broke out\n```\n# </pre><b>bold</b>\n````\n'));
  // every table row keeps its column count (no raw | or newline from log text)
  const findings = md.split('\n').filter((l) => l.startsWith('| **'));
  for (const row of findings) assert.equal(row.split(/(?<!\\)\|/).length - 2, 4, row);
  assert.ok(md.includes('&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt; \\\\x1B\\[31mRED'));
  assert.ok(HOSTILE.fence.includes('```'));
});

test('markdownFence: a fence one longer than the longest backtick run, controls made visible', () => {
  assert.equal(markdownFence('a\n`````\nb\u001b\n', 'ini'), '``````ini\na\n`````\nb\\x1B\n``````');
  assert.equal(markdownFence('plain'), '```\nplain\n```');
});
