/** The whole pipeline in-process: chunking never changes a report, reports match the schema, the library API works. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { analyze, ingestSource } from '../../src/analyze.js';
import type { Source } from '../../src/ingest/source.js';
import { kinds } from '../../src/parsers/index.js';
import { ROOT, fixturePath } from '../helpers.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'report.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function chunkedSource(bytes: Buffer, seed: number): Source {
  let s = seed;
  const rand = (): number => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
  return {
    id: '1', path: 'kern.log', origin: 'explicit', mtimeMs: null,
    async *chunks() {
      for (let i = 0; i < bytes.length;) {
        const n = 1 + Math.floor(rand() * 700);
        yield bytes.subarray(i, i + n);
        i += n;
      }
    },
  };
}

test('the same file in random chunk sizes gives identical digests and accounts', async () => {
  const bytes = readFileSync(join(ROOT, 'samples', 'incident-web-07', 'kern.log'));
  const whole = await ingestSource({ ...chunkedSource(bytes, 1), chunks: async function* () { yield bytes; } }, { year: 2026 }, kinds, []);
  for (const seed of [7, 42, 1234]) {
    const parts = await ingestSource(chunkedSource(bytes, seed), { year: 2026 }, kinds, []);
    assert.deepEqual(parts.report, whole.report);
    assert.deepEqual(parts.bag, whole.bag);
  }
  assert.equal(whole.report.dropLines, 3080);
  assert.equal(whole.report.lines.total, bytes.toString('utf8').split('\n').length - 1);
});

test('reports of the sample and of real fixtures validate against docs/report.schema.json', async () => {
  const dir = join(ROOT, 'samples', 'incident-web-07');
  const reports = [
    await analyze([join(dir, 'kern.log'), join(dir, 'dmesg.txt'), join(dir, 'conntrack-usage.log'), join(dir, 'conntrack_-S.txt'), join(dir, 'sysctl-a.txt'), join(dir, 'meminfo.txt'), join(dir, 'uname-a.txt')], { year: 2026 }),
    await analyze([fixturePath('kernel-log', 'c1000k-blog-dmesg-ratelimit.txt')]),
    await analyze([fixturePath('kernel-log', 'sre-handbook-centos63-dmesg-no-timestamp-period.txt'), join(ROOT, 'missing.log')]),
  ];
  for (const r of reports) {
    const ok = validate(JSON.parse(JSON.stringify(r)));
    assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 1));
  }
});

test('library API: analyze() returns the typed report with the counts a person counts by hand', async () => {
  const r = await analyze([fixturePath('kernel-log', 'ubuntuforums-2011-hardy-haproxy-printk-messages-suppressed.txt')], { year: 2011 });
  assert.equal(r.schemaVersion, 1);
  const h = r.hosts[0]!;
  assert.equal(h.name, 'vn197');
  assert.equal(h.drops.logged, 5);
  assert.equal(h.drops.suppressed, 4489 + 4374 + 4733 + 4613 + 3815);
  assert.equal(h.drops.bursts.length, 1);
  assert.equal(h.drops.bursts[0]!.start, '2011-03-21T16:57:39Z');
  assert.deepEqual(r.findings.map((f) => [f.id, f.severity]), [['table-full-drops', 'error'], ['drops-suppressed', 'info']]);
});

test('the sample incident: drops counted once across kern.log and dmesg, as the generator recorded', async () => {
  const truth = JSON.parse(readFileSync(join(ROOT, 'samples', 'incident-web-07.truth.json'), 'utf8')) as Record<string, number>;
  const dir = join(ROOT, 'samples', 'incident-web-07');
  const r = await analyze([join(dir, 'kern.log'), join(dir, 'dmesg.txt')], { year: 2026 });
  const h = r.hosts[0]!;
  assert.equal(r.hosts.length, 1);
  assert.equal(h.drops.logged, truth['loggedDrops']);
  assert.equal(h.drops.suppressed, truth['suppressedLogged']);
  assert.equal(h.drops.bursts.length, truth['incidents']);
  assert.deepEqual(h.correlation.sources.map((s) => [s.clock, s.dropLines]), [['wall', 3080], ['monotonic-anchored', 1770]]);
});

test('worker threads (--jobs 1) give a report byte-identical to a serial run (--jobs 0)', async () => {
  const { runAnalysis } = await import('../../src/analyze.js');
  const paths = [join(ROOT, 'samples', 'incident-web-07'), fixturePath('kernel-log', 'alibaba-ecs-doc-messages-masked-instance-id.txt')];
  const serial = await runAnalysis(paths, { year: 2026, jobs: 0 });
  const parallel = await runAnalysis(paths, { year: 2026, jobs: 1 });
  assert.equal(JSON.stringify(parallel.report), JSON.stringify(serial.report));
  assert.equal(serial.report.hosts.find((h) => h.name === 'web-07')?.drops.logged, 3080);
});
