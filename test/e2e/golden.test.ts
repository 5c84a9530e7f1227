/**
 * Golden end-to-end tests: the built CLI on fixtures and samples. Each golden file holds the command,
 * the exit code, stdout and stderr. `UPDATE_GOLDEN=1 npm test` rewrites them (review the diff!).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';
import { runCli } from './run-cli.js';

interface Case {
  readonly name: string;
  readonly args: readonly string[];
}

const CASES: readonly Case[] = [
  { name: 'incident-kern-log.text', args: ['analyze', 'samples/incident-web-07/kern.log', '--year', '2026'] },
  { name: 'incident-kern-log.json', args: ['analyze', 'samples/incident-web-07/kern.log', '--year', '2026', '--format', 'json'] },
  { name: 'incident-kern-and-dmesg.text', args: ['analyze', 'samples/incident-web-07/kern.log', 'samples/incident-web-07/dmesg.txt', '--year', '2026'] },
  { name: 'incident-all-inputs.text', args: ['analyze', 'samples/incident-web-07/kern.log', 'samples/incident-web-07/dmesg.txt', 'samples/incident-web-07/conntrack-usage.log', 'samples/incident-web-07/conntrack_-L.txt.gz', 'samples/incident-web-07/conntrack_-S.txt', 'samples/incident-web-07/sysctl-a.txt', 'samples/incident-web-07/meminfo.txt', 'samples/incident-web-07/uname-a.txt', '--year', '2026'] },
  { name: 'incident-all-inputs.json', args: ['analyze', 'samples/incident-web-07/kern.log', 'samples/incident-web-07/dmesg.txt', 'samples/incident-web-07/conntrack-usage.log', 'samples/incident-web-07/conntrack_-L.txt.gz', 'samples/incident-web-07/conntrack_-S.txt', 'samples/incident-web-07/sysctl-a.txt', 'samples/incident-web-07/meminfo.txt', 'samples/incident-web-07/uname-a.txt', '--year', '2026', '--format', 'json'] },
  { name: 'aws-tengine-ratelimit.text', args: ['analyze', 'test/fixtures/kernel-log/aws-tengine-kernlog-tail-f-ratelimit-author-marker.txt', '--year', '2020'] },
  { name: 'c1000k-dmesg-raw.json', args: ['analyze', 'test/fixtures/kernel-log/c1000k-blog-dmesg-ratelimit.txt', '--format', 'json'] },
  { name: 'sre-handbook-undated.text', args: ['analyze', 'test/fixtures/kernel-log/sre-handbook-centos63-dmesg-no-timestamp-period.txt'] },
  { name: 'asuswrt-expectation.text', args: ['analyze', 'test/fixtures/kernel-log/asuswrt-gnuton-207-expectation-table-full.txt', '--year', '2021'] },
  { name: 'missing-file.text', args: ['analyze', 'test/fixtures/does-not-exist.log'] },
  { name: 'bad-flag.text', args: ['analyze', 'samples/incident-web-07/kern.log', '--burst-gap', 'soon'] },
];

function render(c: Case): string {
  const r = runCli(c.args);
  return `$ ctdoctor ${c.args.join(' ')}\n# exit ${r.code}\n# stdout\n${r.stdout}# stderr\n${r.stderr}`;
}

for (const c of CASES) {
  test(`golden: ${c.name}`, () => {
    const file = join(ROOT, 'test', 'golden', `${c.name}.golden`);
    const actual = render(c);
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
      if (process.env['CI'] && !existsSync(file)) assert.fail(`missing golden file ${file}`);
      writeFileSync(file, actual);
      return;
    }
    assert.equal(actual, readFileSync(file, 'utf8'));
  });
}

test('every text report fits 80 columns', () => {
  for (const c of CASES.filter((x) => x.name.endsWith('.text'))) {
    const r = runCli(c.args);
    for (const [i, line] of r.stdout.split('\n').entries()) {
      assert.ok([...line].length <= 80, `${c.name} line ${i + 1} has ${[...line].length} columns: ${line}`);
    }
  }
});
