/** The library API as a consumer uses it: the package's own name, its exports and its types. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, renderers, FORMATS, rules, recommend, VERSION, type Report } from 'ctdoctor';
import { ROOT, fixturePath } from '../helpers.js';

test("import { analyze } from 'ctdoctor' returns the typed Report; every renderer renders it", async () => {
  const report: Report = await analyze([fixturePath('kernel-log', 'k8s-71261-dmesg-T-centos7.txt')]);
  assert.equal(report.tool.version, VERSION);
  assert.equal(report.hosts[0]!.drops.logged, 4);
  assert.deepEqual(report.hosts[0]!.drops.bursts.map((b) => [b.start, b.logged]), [['2018-11-20T22:30:22Z', 4]]);
  for (const f of FORMATS) {
    const out = renderers[f](report, { failOn: 'error' });
    assert.ok(out.length > 0, f);
  }
  assert.ok(rules.length >= 20);
  assert.equal(recommend({ host: null, settings: {}, kernel: '6.1.0', memTotalBytes: null, cpus: null, entryBytes: null, demand: { count: 100000, what: 'test', evidence: [] }, tableFull: false, table: null, kubeProxySeen: false, toolVersion: VERSION }).nf_conntrack_max.recommended, 262144);
});

test('the package ships its types (.d.ts) where package.json says', () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'src', 'index.d.ts')));
  assert.ok(existsSync(join(ROOT, 'dist', 'src', 'index.js')));
});
