/** Bundles end to end: one sosreport-shaped fixture as a directory, .tar.gz and .tar.xz gives one report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalysis } from '../../src/analyze.js';
import { sosMembers, writeDir, writeTarGz, writeTarXz } from '../fixtures/bundles/build.js';
import { runCli } from './run-cli.js';

test('a sosreport gives the same report as a directory, .tar.gz and .tar.xz', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-e2e-bundle-'));
  // a private TMPDIR for the bundle reader, so other test files running in parallel cannot confuse the check
  const privateTmp = mkdtempSync(join(tmpdir(), 'ctd-e2e-tmp-'));
  const oldTmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = privateTmp;
  try {
    const m = sosMembers();
    const forms = {
      dir: await writeDir(join(dir, 'sos-dir'), m),
      gz: await writeTarGz(join(dir, 'sos.tar.gz'), m),
      xz: await writeTarXz(join(dir, 'sos.tar.xz'), m),
    };
    const texts: string[] = [];
    for (const p of Object.values(forms)) {
      const r = await runAnalysis([p]);
      const prefix = p.endsWith('sos-dir') ? `${p}/` : `${p}!/`;
      texts.push(JSON.stringify(r.report).split(prefix).join('BUNDLE/'));
      const h = r.report.hosts.find((x) => x.name === 'web1.example.net');
      assert.ok(h, `host web1.example.net in ${p}: ${r.report.hosts.map((x) => x.name).join(', ')}`);
      // kern.log.2.gz, kern.log.1 and kern.log: one drop each; messages (a copy) is not read
      assert.equal(h.drops.logged, 3);
      assert.equal(h.drops.suppressed, 12);
      assert.deepEqual(h.drops.bursts.map((b) => b.start), ['2026-11-18T08:00:00Z', '2026-11-19T23:59:58Z', '2026-11-20T10:01:02Z']);
      assert.equal(h.settings['net.netfilter.nf_conntrack_max'], 262144);
      assert.equal(h.facts?.kernel, '5.14.0-427.13.1.el9_4.x86_64');
      assert.equal(h.facts?.memTotalBytes, 16318412 * 1024);
      // the per-namespace capture is its own pseudo-host
      assert.ok(r.report.hosts.some((x) => x.name === 'web1.example.net/netns:ns1'));
      // the .tailed capture is read but flagged, so the run is not complete
      assert.equal(r.report.run.complete, false);
      const tailed = r.report.inputs.find((i) => i.path.endsWith('conntrack_-L_-o_extended'));
      assert.match(tailed?.reason ?? '', /tail/);
      assert.equal(r.report.inputs.find((i) => i.path.endsWith('var/log/messages'))?.status, 'skipped');
      assert.ok(r.report.inputs.every((i) => i.path.startsWith(prefix)));
    }
    assert.equal(texts[1], texts[0]);
    assert.equal(texts[2], texts[0]);
    // every private temp area was removed
    assert.deepEqual(readdirSync(privateTmp), []);
  } finally {
    if (oldTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = oldTmp;
    rmSync(dir, { recursive: true, force: true });
    rmSync(privateTmp, { recursive: true, force: true });
  }
});

test('CLI: a bundle that cannot be read is one line and exit 2; an unsupported archive says how to convert', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-e2e-bundle-'));
  try {
    const bz = join(dir, 'upload.tar.bz2');
    await import('node:fs').then((fs) => fs.writeFileSync(bz, Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(64, 7)])));
    const r = runCli(['analyze', bz]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /upload\.tar\.bz2: .*not supported.*convert/i);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory of hosts: one analysis per host, named by their logs, and a fleet summary worst first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-e2e-fleet-'));
  try {
    const { mkdirSync, copyFileSync } = await import('node:fs');
    const { ROOT, fixturePath } = await import('../helpers.js');
    mkdirSync(join(dir, 'node-a'));
    mkdirSync(join(dir, 'node-b'));
    copyFileSync(fixturePath('kernel-log', 'alibaba-ecs-doc-messages-masked-instance-id.txt'), join(dir, 'node-a', 'messages'));
    for (const f of ['kern.log', 'sysctl-a.txt', 'conntrack-usage.log']) copyFileSync(join(ROOT, 'samples', 'incident-web-07', f), join(dir, 'node-b', f));
    const r = await runAnalysis([dir], { year: 2026 });
    assert.deepEqual(r.report.hosts.map((h) => h.name), ['i-***', 'web-07']);
    assert.deepEqual(r.report.fleet?.map((f) => [f.host, f.dropsLogged, f.peakShareOfMax, f.topFinding?.id]), [
      ['web-07', 3080, 1, 'table-at-max'],
      ['i-***', 4, null, 'table-full-drops'],
    ]);
    const { renderers } = await import('../../src/report/index.js');
    const md = renderers.markdown(r.report, {}).split('\n');
    assert.ok(md.includes('| web-07 | 3,080 | 100 % | error table-at-max |'));
    assert.ok(renderers.html(r.report, {}).includes('<h2>Fleet <span class="sub">(worst first)</span></h2>'));
    assert.match(renderers.text(r.report, {}), /^  web-07 {29}3,080     100 %  error table-at-max$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: hostile bundles end in one clear line each and exit 2, nothing written outside the temp area', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctd-e2e-hostile-'));
  try {
    const drop = 'Nov 20 10:00:00 h1 kernel: nf_conntrack: table full, dropping packet\n';
    const evil = await writeTarGz(join(dir, 'evil.tar.gz'), [
      { name: '../escape.log', data: drop },
      { name: 'var/log/kern.log', data: drop },
      { name: 'passwd', symlink: '/etc/passwd' },
    ]);
    const r = runCli(['analyze', evil, '--year', '2026', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /evil\.tar\.gz: refused 2 unsafe members \(\.\.\/escape\.log: '\.\.' component \(path traversal\); passwd: link to an absolute path outside the bundle/);
    const rep = JSON.parse(r.stdout) as { run: { complete: boolean }; inputs: { path: string; status: string }[]; hosts: { drops: { logged: number } }[] };
    assert.equal(rep.run.complete, false);
    assert.deepEqual(rep.inputs.map((i) => [i.path.split('!/')[1], i.status]), [['var/log/kern.log', 'parsed'], ['../escape.log', 'refused'], ['passwd', 'refused']]);
    assert.equal(rep.hosts[0]!.drops.logged, 1);
    assert.equal(readdirSync(join(dir, '..')).includes('escape.log'), false);
    const bomb = await writeTarGz(join(dir, 'bomb.tar.gz'), [{ name: 'var/log/kern.log', data: Buffer.alloc(8 * 1024 * 1024, 0x41) }]);
    const b = runCli(['analyze', bomb, '--max-bytes', '1M']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /bomb\.tar\.gz: stopped at the cap of 1 MiB of decompressed data \(--max-bytes\)/);
    assert.doesNotMatch(`${r.stderr}${b.stderr}`, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
