import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/parsers/line-parser.js';
import { conntrackStatsParser } from '../../src/parsers/conntrack-stats/conntrack-stats.js';
import { buildCountersSection, createCountersAccumulator } from '../../src/analysis/counters.js';
import { runRules, type HostRuleInput } from '../../src/rules/engine.js';
import type { Facet, Rule } from '../../src/rules/define-rule.js';
import type { HostReport } from '../../src/model/report.js';
import { dropCounter } from '../../src/rules/drop-counter.js';
import { earlyDrops } from '../../src/rules/early-drops.js';
import { insertFailures } from '../../src/rules/insert-failures.js';
import { readFixture } from '../helpers.js';

const RULES: readonly Rule[] = [dropCounter, earlyDrops, insertFailures];

function hostFrom(text: string | Buffer, path = 'conntrack_-S'): HostRuleInput {
  const acc = createCountersAccumulator({ path });
  for (const r of parseText(conntrackStatsParser, text, { path }).records) acc.add(r);
  const digests = acc.finish();
  const built = buildCountersSection(digests);
  const host: HostReport = {
    name: 'node-07',
    drops: { logged: 0, suppressed: 0, suppressedUnattributed: 0, undated: 0, first: null, last: null, firstUptime: null, lastUptime: null, perMinute: [], bursts: [] },
    events: [],
    eventCounts: {},
    correlation: {
      clock: { anchor: 'none', bootTime: null }, sources: [], dropsLogged: 0, dropsSuppressed: 0, dropsCounter: null,
      dropsCounterKind: null, dropsUnloggedEstimate: null, burstsAtMax: null, burstsBelowMax: null, clockOffsetSeconds: null,
    },
    settings: {},
    counters: digests.length ? built.section : null,
  };
  const facets = new Set<Facet>(digests.length ? ['counters'] : []);
  return { host, facets, evidence: built.evidence };
}

function run(text: string | Buffer, path?: string) {
  return runRules(RULES, [hostFrom(text, path)]);
}

describe('counter rules', () => {
  const valid: { name: string; text: string }[] = [
    { name: 'all zero (conntrack -S)', text: 'cpu=0 found=0 invalid=3 insert=0 insert_failed=0 drop=0 early_drop=0 error=0\n' },
    { name: 'fields absent', text: 'cpu=0 found=4 invalid=3\n' },
    { name: 'lnstat first row zero', text: readFixture('conntrack-stats', 'lnstat-f-nf_conntrack-clashres-header.txt').toString('utf8') },
  ];
  for (const c of valid) {
    it(`no finding: ${c.name}`, () => {
      const { findings, skips } = run(c.text);
      assert.deepEqual(findings, []);
      assert.deepEqual(skips, []);
    });
  }

  const invalid: { name: string; file?: string; text?: string; want: [string, string, RegExp, number[]][] }[] = [
    {
      name: 'AKS node: drops, early drops and insert failures',
      file: 'aks-5.15-azure-conntrack-S-clash_resolve-early_drop.txt',
      want: [
        ['drop-counter', 'warning', /^drop counter is 5 in aks\.txt: .*since the module loaded.*failed inserts included.*upper bound/, [1, 2]],
        ['early-drops', 'warning', /^early_drop counter is 1,878,045 in aks\.txt: the table was full and the kernel evicted non-assured entries/, [1, 2]],
        ['insert-failures', 'info', /^insert_failed counter is 5 in aks\.txt: clash resolution failures \(common with UDP\/DNS on Kubernetes\)/, [1, 2]],
      ],
    },
    {
      name: '/proc/net/stat: drop and insert_failed, no early drops',
      file: 'proc-net-stat-nf_conntrack-clashres-chainlength-insert_failed-nonl.txt',
      want: [
        ['drop-counter', 'warning', /^drop counter is 839 in aks\.txt/, [2, 3]],
        ['insert-failures', 'info', /^insert_failed counter is 362 in aks\.txt/, [2, 3]],
      ],
    },
    {
      name: 'only early drops on one CPU of four',
      text: 'cpu=0 drop=0 early_drop=0\ncpu=1 drop=0 early_drop=0\ncpu=2 drop=0 early_drop=17\ncpu=3 drop=0 early_drop=0\n',
      want: [['early-drops', 'warning', /^early_drop counter is 17 in aks\.txt/, [3]]],
    },
  ];
  for (const c of invalid) {
    it(`findings: ${c.name}`, () => {
      const { findings } = run(c.file ? readFixture('conntrack-stats', c.file) : c.text!, 'aks.txt');
      assert.equal(findings.length, c.want.length, JSON.stringify(findings, null, 1));
      c.want.forEach(([id, severity, re, lines], i) => {
        const f = findings[i]!;
        assert.equal(f.id, id);
        assert.equal(f.severity, severity);
        assert.equal(f.host, 'node-07');
        assert.match(f.message, re);
        assert.doesNotMatch(f.message, /\{\{/);
        assert.deepEqual(f.evidence.map((e) => e.line), lines);
        assert.ok(f.evidence.every((e) => e.path === 'aks.txt'));
      });
    });
  }

  it('no counters input: each rule is skipped with the missing facet', () => {
    const { findings, skips } = runRules(RULES, [hostFrom('$ conntrack -C\n5\n')]);
    assert.deepEqual(findings, []);
    assert.deepEqual(skips.map((s) => [s.id, s.reason]), [['drop-counter', 'no counters input'], ['early-drops', 'no counters input'], ['insert-failures', 'no counters input']]);
  });

  it('every messageId exists, placeholders are filled, docs name a threshold', () => {
    for (const r of RULES) {
      assert.match(r.id, /^[a-z]+(?:-[a-z]+)*$/);
      assert.ok(r.docs.summary && r.docs.threshold && r.docs.remedy, r.id);
      assert.match(r.docs.threshold, />\s*0/);
      for (const [id, tmpl] of Object.entries(r.messages)) {
        assert.match(id, /^[a-z][A-Za-z]*$/);
        for (const m of tmpl.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) assert.ok(['drop', 'earlyDrop', 'insertFailed', 'path'].includes(m[1]!), `${r.id}: ${m[1]}`);
      }
    }
  });
});
