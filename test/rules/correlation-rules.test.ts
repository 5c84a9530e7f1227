/** Cross-input rules, end to end through the real parsers: small literal inputs written to a temp dir. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/model/report.js';

async function run(files: Record<string, string>, opts: Parameters<typeof analyze>[1] = {}): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-rules-'));
  try {
    const paths = Object.entries(files).map(([name, text]) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    });
    return await analyze(paths, { year: 2026, ...opts });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A per-minute usage log from 09:00 to 14:59 at 1,000, with 10:00..10:09 at max (4,096). */
function usage(): string {
  const lines: string[] = [];
  for (let h = 9; h < 15; h++) {
    for (let m = 0; m < 60; m++) {
      const full = h === 10 && m < 10;
      lines.push(`2026-11-20 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00 ${full ? 4096 : 1000} 4096`);
    }
  }
  return lines.join('\n') + '\n';
}

const drop = (hhmmss: string): string => `Nov 20 ${hhmmss} node-a kernel: nf_conntrack: table full, dropping packet\n`;
const ids = (r: Report): string[] => r.findings.map((f) => f.id);

test('bursts at max: no correlation warning, bursts[].atMax true', async () => {
  const r = await run({ 'usage.log': usage(), 'kern.log': drop('10:03:00') + drop('10:03:01') });
  const h = r.hosts[0]!;
  assert.deepEqual(h.drops.bursts.map((b) => b.atMax), [true]);
  assert.equal(h.correlation.burstsAtMax, 1);
  assert.equal(h.correlation.burstsBelowMax, 0);
  assert.ok(!ids(r).includes('drops-below-max'));
  assert.ok(!ids(r).includes('clock-offset-likely'));
});

test('logs stamped two hours off: clock-offset-likely with the shift', async () => {
  // the kernel log was written in UTC+2 but read as UTC: its bursts sit two hours after the peak
  const r = await run({ 'usage.log': usage(), 'kern.log': drop('12:03:00') + drop('12:03:30') });
  const h = r.hosts[0]!;
  assert.equal(h.correlation.burstsBelowMax, 1);
  assert.equal(h.correlation.clockOffsetSeconds, -7200);
  assert.ok(ids(r).includes('clock-offset-likely'));
  assert.ok(!ids(r).includes('drops-below-max'));
  assert.match(r.findings.find((f) => f.id === 'clock-offset-likely')!.message, /-2 h/);
});

test('drops while the timeline shows room and no shift explains it: drops-below-max', async () => {
  const r = await run({ 'usage.log': usage(), 'kern.log': drop('10:03:00') + drop('13:30:00') });
  const h = r.hosts[0]!;
  assert.deepEqual(h.drops.bursts.map((b) => b.atMax), [true, false]);
  assert.equal(h.correlation.clockOffsetSeconds, null);
  assert.ok(ids(r).includes('drops-below-max'));
});

test('drop counter: two snapshots give a delta; the unlogged rest is a finding', async () => {
  const s1 = 'cpu=0 found=1 invalid=0 insert=0 insert_failed=0 drop=100 early_drop=0 error=0 search_restart=0\n';
  const s2 = 'cpu=0 found=1 invalid=0 insert=0 insert_failed=0 drop=5100 early_drop=0 error=0 search_restart=0\n';
  const r = await run({ 'kern.log': drop('10:03:00') + drop('10:03:01'), 'stats.txt': `# conntrack -S\n${s1}# conntrack -S\n${s2}` });
  const c = r.hosts[0]!.correlation;
  assert.equal(c.dropsCounterKind, 'delta');
  assert.equal(c.dropsCounter, 5000);
  assert.equal(c.dropsUnloggedEstimate, 4998);
  assert.ok(ids(r).includes('drops-unlogged'));
});

test('settings against the boot line: settings-mismatch', async () => {
  const r = await run({
    'dmesg.txt': '[   33.034402] nf_conntrack version 0.5.0 (16384 buckets, 65536 max)\n',
    'sysctl.txt': 'net.netfilter.nf_conntrack_max = 262144\nnet.netfilter.nf_conntrack_buckets = 65536\n',
  });
  assert.equal(r.hosts[0]!.settings['net.netfilter.nf_conntrack_max'], 262144);
  const f = r.findings.find((x) => x.id === 'settings-mismatch');
  assert.ok(f);
  assert.equal(f.evidence.length, 4);
});

test('memory over budget: a warning and the summary puts demand reduction first', async () => {
  const r = await run({
    'sysctl.txt': 'net.netfilter.nf_conntrack_max = 1048576\nnet.netfilter.nf_conntrack_count = 1048500\n',
    'meminfo.txt': 'MemTotal:        2041236 kB\n',
  });
  const h = r.hosts[0]!;
  assert.equal(h.recommendations?.nf_conntrack_max.recommended, 2097152);
  assert.equal(h.recommendations?.overBudget, true);
  assert.ok(ids(r).includes('memory-over-budget'));
  assert.match(h.summary ?? '', /Reduce demand first/);
});
