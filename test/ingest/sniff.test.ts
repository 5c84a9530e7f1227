/** Every real sample is recognised by content as its own kind; source code and prose are not inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseKind, headLines } from '../../src/ingest/sniff.js';
import { kinds } from '../../src/parsers/index.js';
import { SNIFF_LINES } from '../../src/parsers/kind.js';
import { ROOT, fixturePath } from '../helpers.js';

function sniffFile(path: string, name: string): string | null {
  const lines = headLines(readFileSync(path).subarray(0, 4 * 1024 * 1024), true, SNIFF_LINES);
  return chooseKind(kinds, lines, name)?.kind ?? null;
}

/** Real pastes holding two kinds: they sniff as the kind of their first lines (and are read as a session). */
const MIXED: Readonly<Record<string, string>> = {
  // TAP-prefixed `conntrack -L` then `conntrack -S` output, no command lines: the counters win on score
  'kselftest-reverse-clash-hash-prefixed-L-and-S.txt': 'conntrack-stats',
  // `conntrack -L unconfirmed`, `-L dying`, `-C`: opens with capture commands
  'netfilter-devel-conntrack-C-vs-L-ubuntu1804.txt': 'conntrack-table',
};

for (const kind of ['kernel-log', 'count-timeline', 'conntrack-table', 'conntrack-stats', 'sysctl']) {
  test(`every ${kind} fixture sniffs as ${kind}`, () => {
    const files = readdirSync(fixturePath(kind)).filter((f) => f !== 'SOURCES.md');
    assert.ok(files.length >= 5);
    const wrong = files.map((f) => [f, sniffFile(fixturePath(kind, f), f)] as const).filter(([f, k]) => k !== (MIXED[f] ?? kind));
    assert.deepEqual(wrong, []);
  });
}

test('source code, JSON and prose are not recognised as inputs', () => {
  for (const p of ['src/parsers/count-timeline/csv.ts', 'src/analyze.ts', 'package.json', 'README.md', 'docs/ARCHITECTURE.md', 'node_modules/yargs/build/lib/yargs-factory.js']) {
    assert.equal(sniffFile(join(ROOT, p), p.split('/').pop()!), null, p);
  }
});
