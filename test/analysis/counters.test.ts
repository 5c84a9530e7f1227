import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/parsers/line-parser.js';
import { conntrackStatsParser } from '../../src/parsers/conntrack-stats/conntrack-stats.js';
import {
  buildCountersSection, counterDelta, createCountersAccumulator, deltaTotals, MAX_SNAPSHOTS, snapshotTotals, type CountersDigest,
} from '../../src/analysis/counters.js';
import { readFixture } from '../helpers.js';

function digestOf(text: string | Buffer, path = 'conntrack_-S'): CountersDigest[] {
  const acc = createCountersAccumulator({ path });
  for (const r of parseText(conntrackStatsParser, text, { path }).records) acc.add(r);
  return [...acc.finish()];
}
function plain<T extends object>(o: T): T {
  return { ...o };
}

describe('counters analysis', () => {
  it('AKS conntrack -S: totals summed over 2 CPUs, per-CPU rows, evidence of the largest lines', () => {
    const d = digestOf(readFixture('conntrack-stats', 'aks-5.15-azure-conntrack-S-clash_resolve-early_drop.txt'), 'aks.txt');
    const { section, evidence } = buildCountersSection(d);
    assert.equal(section.cpus, 2);
    assert.equal(section.path, 'aks.txt');
    assert.deepEqual(plain(section.totals), {
      found: 986 + 863, invalid: 89035 + 80118, insert: 0, insert_failed: 5, drop: 5, early_drop: 939985 + 938060,
      error: 18, search_restart: 2329761182 + 2313195993, clash_resolve: 770239427 + 771663566, chaintoolong: 0,
    });
    assert.deepEqual(section.perCpu.map((r) => [r['cpu'], r['drop'], r['early_drop']]), [[0, 4, 939985], [1, 1, 938060]]);
    assert.deepEqual(Object.keys(section.perCpu[0]!)[0], 'cpu');
    assert.deepEqual(evidence.get('counters.drop')!.map((e) => [e.path, e.line]), [['aks.txt', 1], ['aks.txt', 2]]);
    assert.deepEqual(evidence.get('counters.early_drop')!.map((e) => e.line), [1, 2]);
    assert.deepEqual(evidence.get('counters.insert_failed')!.map((e) => e.line), [1, 2]);
    assert.match(evidence.get('counters.source')![0]!.text, /^conntrack-S: cpu=0/);
  });

  it('/proc/net/stat: entries is never summed; evidence ordered by value', () => {
    const d = digestOf(readFixture('conntrack-stats', 'proc-net-stat-nf_conntrack-clashres-chainlength-insert_failed-nonl.txt'), 'stat');
    const { section, evidence } = buildCountersSection(d);
    assert.equal(section.totals['entries'], 4046);
    assert.equal(section.totals['drop'], 472 + 367);
    assert.equal(section.totals['insert_failed'], 200 + 162);
    assert.equal(section.totals['invalid'], 8);
    assert.deepEqual(evidence.get('counters.drop')!.map((e) => e.line), [2, 3]);
    assert.equal(evidence.has('counters.early_drop'), false);
  });

  it('totals-only forms (legacy -S, lnstat) have no per-CPU rows', () => {
    const legacy = buildCountersSection(digestOf(readFixture('conntrack-stats', 'k8s-56903-conntrack-S-legacy-proc-format-nonroot.txt')));
    assert.equal(legacy.section.cpus, 0);
    assert.deepEqual(legacy.section.perCpu, []);
    assert.equal(legacy.section.totals['found'], 3774748);
    assert.equal(legacy.section.totals['entries'], 90);
    const ln = buildCountersSection(digestOf(readFixture('conntrack-stats', 'lnstat-f-nf_conntrack-clashres-header.txt')));
    assert.equal(ln.section.totals['invalid'], 3113180);
    assert.match(ln.evidence.get('counters.source')![0]!.text, /^lnstat: /);
  });

  it('several snapshots in one input are kept; the section describes the last', () => {
    const text = 'cpu=0 drop=1 early_drop=0\ncpu=1 drop=2 early_drop=0\ncpu=0 drop=5 early_drop=3\ncpu=1 drop=4294967295 early_drop=0\n';
    const d = digestOf(text);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.snapshots.length, 2);
    assert.equal(d[0]!.host, null);
    const { section } = buildCountersSection(d);
    assert.equal(section.totals['drop'], 5 + 4294967295);
    assert.equal(section.totals['early_drop'], 3);
    // delta per CPU: cpu0 1→5 = 4, cpu1 2→2^32−1 = 4294967293
    assert.deepEqual(plain(deltaTotals(d[0]!.snapshots[0]!, d[0]!.snapshots[1]!)), { drop: 4 + 4294967293, early_drop: 3 });
  });

  it('the last input with counters wins; inputs without counters give no digest', () => {
    const a = digestOf('cpu=0 drop=7\n', 'first');
    const b = digestOf('$ conntrack -C\n12\n', 'count-only');
    assert.deepEqual(b, []);
    const c = digestOf('cpu=0 drop=9\ncpu=1 drop=1\n', 'second');
    const { section } = buildCountersSection([...a, ...c, ...b]);
    assert.equal(section.path, 'second');
    assert.equal(section.totals['drop'], 10);
  });

  it('counterDelta handles one 32-bit wrap', () => {
    assert.equal(counterDelta(10, 25), 15);
    assert.equal(counterDelta(4294967290, 5), 11);
  });

  it('snapshotTotals keeps the largest entries value', () => {
    assert.deepEqual(plain(snapshotTotals({ form: 'proc-stat', rows: [
      { cpu: 0, fields: { entries: 10, drop: 1 }, line: 2, text: '' },
      { cpu: 1, fields: { entries: 12, drop: 2 }, line: 3, text: '' },
    ] })), { entries: 12, drop: 3 });
  });

  it('memory is bounded: the first and the latest snapshots are kept', () => {
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(`cpu=0 drop=${i}`);
    const d = digestOf(lines.join('\n'));
    assert.equal(d[0]!.snapshots.length, MAX_SNAPSHOTS);
    assert.equal(d[0]!.droppedSnapshots, 200 - MAX_SNAPSHOTS);
    assert.equal(d[0]!.snapshots[0]!.rows[0]!.fields['drop'], 0);
    assert.equal(d[0]!.snapshots[MAX_SNAPSHOTS - 1]!.rows[0]!.fields['drop'], 199);
  });

  it('no digests: an empty section', () => {
    const { section, evidence } = buildCountersSection([]);
    assert.equal(section.cpus, 0);
    assert.deepEqual(Object.keys(section.totals), []);
    assert.equal(evidence.size, 0);
  });
});
