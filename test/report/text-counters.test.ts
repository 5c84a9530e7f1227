import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import type { CountersSection, HostFacts } from '../../src/model/report.js';
import { renderCountersText } from '../../src/report/text/counters.js';
import { formatBytes, renderSettingsText } from '../../src/report/text/settings.js';

const AKS: CountersSection = {
  cpus: 2,
  totals: { found: 1849, invalid: 169153, insert: 0, insert_failed: 5, drop: 5, early_drop: 1878045, error: 18 },
  perCpu: [
    { cpu: 0, found: 986, invalid: 89035, insert: 0, insert_failed: 4, drop: 4, early_drop: 939985, error: 1 },
    { cpu: 1, found: 863, invalid: 80118, insert: 0, insert_failed: 1, drop: 1, early_drop: 938060, error: 17 },
  ],
  path: 'sos_commands/conntrack/conntrack_-S',
};

function render(lines: string[]): string {
  return lines.map((l) => stripVTControlCharacters(l)).join('\n');
}

describe('renderCountersText', () => {
  it('key counters first, per-CPU table, caveat; 80 columns', () => {
    const out = renderCountersText(AKS, { width: 80 });
    assert.equal(render(out), [
      'COUNTERS  sos_commands/conntrack/conntrack_-S: 2 CPUs',
      '  drop                   5  early_drop     1,878,045  insert_failed          5',
      '  found              1,849  invalid          169,153  insert                 0',
      '  error                 18',
      '  cpu  drop  early_drop  insert_failed',
      '    0     4     939,985              4',
      '    1     1     938,060              1',
      '  drop: since module load, this netns, incl. failed inserts',
    ].join('\n'));
    assert.ok(out.every((l) => l.length <= 80));
  });

  it('narrow width: fewer cells per line, long path shortened from the left', () => {
    const out = renderCountersText({ ...AKS, path: `/very/long/${'x'.repeat(80)}/conntrack_-S` }, { width: 50 });
    assert.ok(out.every((l) => l.length <= 50), out.join('\n'));
    assert.match(out[0]!, /^COUNTERS  …x+\/conntrack_-S: 2 CPUs$/);
    assert.equal(out[1], '  drop                   5');
  });

  it('all zero: no per-CPU table; totals-only forms say so', () => {
    const zero: CountersSection = { cpus: 0, totals: { entries: 90, found: 3774748, drop: 0 }, perCpu: [], path: 'conntrack_-S' };
    assert.equal(render(renderCountersText(zero, { width: 80 })), [
      'COUNTERS  conntrack_-S: kernel totals',
      '  drop             0  entries         90  found    3,774,748',
      '  drop: since module load, this netns, incl. failed inserts',
    ].join('\n'));
  });

  it('more than 16 CPUs: the table is cut', () => {
    const perCpu = Array.from({ length: 20 }, (_, i) => ({ cpu: i, drop: i }));
    const out = renderCountersText({ cpus: 20, totals: { drop: 190 }, perCpu, path: 'p' }, { width: 80 });
    assert.equal(out.filter((l) => /^\s+\d+\s+\d+$/.test(l)).length, 16);
    assert.ok(out.includes('  ... 4 more CPUs'));
  });

  it('control characters in the path are made visible', () => {
    const out = renderCountersText({ ...AKS, path: 'evil\u001b[31m.txt' }, { width: 80 });
    assert.equal(out[0], 'COUNTERS  evil\\x1B[31m.txt: 2 CPUs');
  });
});

describe('renderSettingsText', () => {
  const settings = {
    'net.netfilter.nf_conntrack_buckets': 65536,
    'net.netfilter.nf_conntrack_count': 182,
    'net.netfilter.nf_conntrack_dccp_loose': 1,
    'net.netfilter.nf_conntrack_max': 262144,
    'net.netfilter.nf_conntrack_tcp_timeout_established': 432000,
  };
  const facts: HostFacts = { hostname: 'node-07', kernel: '5.15.0-91-generic', memTotalBytes: 16318412 * 1024, cpus: 8, entryBytes: 320 };

  it('short names, key settings in order, the rest counted, then host facts', () => {
    assert.equal(render(renderSettingsText(settings, facts, { width: 80 })), [
      'SETTINGS',
      '  nf_conntrack_max                      262144',
      '  nf_conntrack_count                       182',
      '  nf_conntrack_buckets                   65536',
      '  nf_conntrack_tcp_timeout_established  432000',
      '  ... 1 more in --format json',
      'HOST  node-07  kernel 5.15.0-91-generic  8 CPUs  15.6 GiB RAM  entry 320 B',
    ].join('\n'));
  });

  it('facts wrap to the width', () => {
    const out = renderSettingsText({}, facts, { width: 44 });
    assert.deepEqual(out, ['HOST  node-07  kernel 5.15.0-91-generic', '      8 CPUs  15.6 GiB RAM  entry 320 B']);
  });

  it('only unlisted settings: all are shown; nothing at all: no lines', () => {
    assert.deepEqual(renderSettingsText({ 'net.netfilter.nf_conntrack_helper': 1 }, null, { width: 80 }), ['SETTINGS', '  nf_conntrack_helper  1']);
    assert.deepEqual(renderSettingsText({}, null, { width: 80 }), []);
    assert.deepEqual(renderSettingsText({}, { hostname: null, kernel: null, memTotalBytes: null, cpus: null, entryBytes: null }, { width: 80 }), []);
  });

  it('formatBytes', () => {
    assert.equal(formatBytes(16318412 * 1024), '15.6 GiB');
    assert.equal(formatBytes(512 * 2 ** 20), '512.0 MiB');
    assert.equal(formatBytes(320), '320 B');
  });
});
