import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import { conntrackTableParser } from '../../src/parsers/conntrack-table/index.js';
import { buildTableSection, createTableAccumulator } from '../../src/analysis/table.js';
import type { HostReport } from '../../src/model/report.js';
import type { Facet, Rule } from '../../src/rules/define-rule.js';
import { runRules } from '../../src/rules/engine.js';
import { timeWaitDominant } from '../../src/rules/time-wait-dominant.js';
import { unrepliedDominant } from '../../src/rules/unreplied-dominant.js';
import { sourceOutsizedShare } from '../../src/rules/source-outsized-share.js';
import { establishedTimeoutDefault } from '../../src/rules/established-timeout-default.js';
import { captureTruncated } from '../../src/rules/capture-truncated.js';
import { capturePartial } from '../../src/rules/capture-partial.js';
import { readFixture } from '../helpers.js';

const RULES: readonly Rule[] = [timeWaitDominant, unrepliedDominant, sourceOutsizedShare, establishedTimeoutDefault, captureTruncated, capturePartial];

const NO_CORRELATION = {
  clock: { anchor: 'none', bootTime: null }, sources: [], dropsLogged: 0, dropsSuppressed: 0, dropsCounter: null, dropsCounterKind: null,
  dropsUnloggedEstimate: null, burstsAtMax: null, burstsBelowMax: null, clockOffsetSeconds: null,
} as const;
const EMPTY_DROPS = { logged: 0, suppressed: 0, suppressedUnattributed: 0, undated: 0, first: null, last: null, firstUptime: null, lastUptime: null, perMinute: [], bursts: [] };

/** Literal capture → real parser → accumulator → section → the rules. */
function run(text: string | Buffer, settings: Record<string, number> = {}, rules: readonly Rule[] = RULES) {
  const ctx = { ...DEFAULT_CONTEXT, path: 'capture.txt' };
  const acc = createTableAccumulator(ctx);
  for (const r of parseText(conntrackTableParser, text, ctx).records) acc.add(r);
  const built = buildTableSection(acc.finish(), { settings });
  const host: HostReport = { name: 'gw-test-01', drops: EMPTY_DROPS, events: [], eventCounts: {}, correlation: NO_CORRELATION, settings, table: built.section };
  return runRules(rules, [{ host, facets: new Set<Facet>(['table', 'settings']), evidence: built.evidence }]);
}

function tw(n: number, src = '192.0.2.1'): string[] {
  return Array.from({ length: n }, (_, i) => `tcp      6 ${30 + (i % 90)} TIME_WAIT src=${src} dst=198.51.100.1 sport=${20000 + i} dport=80 src=198.51.100.1 dst=${src} sport=80 dport=${20000 + i} [ASSURED] mark=0 use=1`);
}
function est(n: number, timeout: number, src = '192.0.2.2'): string[] {
  return Array.from({ length: n }, (_, i) => `tcp      6 ${timeout} ESTABLISHED src=${src} dst=198.51.100.2 sport=${30000 + i} dport=443 src=198.51.100.2 dst=${src} sport=443 dport=${30000 + i} [ASSURED] mark=0 use=1`);
}
function unrep(n: number, src = '203.0.113.50'): string[] {
  return Array.from({ length: n }, (_, i) => `tcp      6 100 SYN_SENT src=${src} dst=198.51.100.3 sport=${40000 + i} dport=22 [UNREPLIED] src=198.51.100.3 dst=${src} sport=22 dport=${40000 + i} mark=0 use=1`);
}
const lines = (...parts: string[][]): string => `${parts.flat().join('\n')}\n`;
const ids = (r: ReturnType<typeof run>): string[] => r.findings.map((f) => f.id).sort();

interface Case { readonly name: string; readonly text: string | Buffer; readonly settings?: Record<string, number>; readonly ids: readonly string[] }

const CASES: readonly Case[] = [
  // time-wait-dominant: >= 50 % TIME_WAIT
  { name: 'TIME_WAIT exactly half', text: lines(tw(5), est(5, 1000)), ids: ['time-wait-dominant'] },
  { name: 'TIME_WAIT just under half', text: lines(tw(4), est(5, 1000)), ids: [] },
  // unreplied-dominant
  { name: 'UNREPLIED 6 of 10', text: lines(unrep(6), est(4, 1000)), ids: ['unreplied-dominant'] },
  { name: 'UNREPLIED 4 of 10', text: lines(unrep(4), est(6, 1000)), ids: [] },
  // source-outsized-share: >= 25 % and >= 100 entries
  { name: 'one source 100 of 400', text: lines(tw(100, '192.0.2.9'), est(75, 1000, '192.0.2.10'), est(75, 1000, '192.0.2.11'), est(75, 1000, '192.0.2.12'), est(75, 1000, '192.0.2.13')), ids: ['source-outsized-share'] },
  { name: 'one source 99 of 99: too few entries', text: lines(est(99, 1000, '192.0.2.9')), ids: [] },
  { name: 'top source 100 of 401: under 25 %', text: lines(tw(100, '192.0.2.9'), est(75, 1000, '192.0.2.10'), est(75, 1000, '192.0.2.11'), est(75, 1000, '192.0.2.12'), est(76, 1000, '192.0.2.13')), ids: [] },
  // established-timeout-default
  { name: 'ESTABLISHED idle > 1 day, an entry with > 1 day left proves the 5-day default', text: lines(est(1, 431000), est(2, 200000, '192.0.2.3'), est(7, 1000, '192.0.2.4')), ids: ['established-timeout-default'] },
  { name: 'ESTABLISHED idle > 1 day but nothing proves T > 1 day', text: lines(est(3, 80000), est(7, 1000, '192.0.2.4')), ids: [] },
  { name: 'settings say 432000', text: lines(est(3, 80000), est(7, 1000, '192.0.2.4')), settings: { 'net.netfilter.nf_conntrack_tcp_timeout_established': 432000 }, ids: ['established-timeout-default'] },
  { name: 'settings say 86400', text: lines(est(1, 431000), est(2, 200000, '192.0.2.3'), est(7, 1000, '192.0.2.4')), settings: { 'net.netfilter.nf_conntrack_tcp_timeout_established': 86400 }, ids: [] },
  // capture-truncated
  { name: 'trailer says more than read', text: `${lines(est(3, 1000))}conntrack v1.4.6 (conntrack-tools): 4 flow entries have been shown.\n`, ids: ['capture-truncated'] },
  { name: 'trailer matches', text: `${lines(est(3, 1000))}conntrack v1.4.6 (conntrack-tools): 3 flow entries have been shown.\n`, ids: [] },
  // capture-partial: and share-based rules stay quiet on a partial capture
  { name: 'filtered capture, all TIME_WAIT and UNREPLIED', text: `root@gw-test-01:~# conntrack -L | grep 198.51.100\n${lines(tw(60, '192.0.2.9'), unrep(70, '192.0.2.9'))}conntrack v1.4.6 (conntrack-tools): 5000 flow entries have been shown.\n`, ids: ['capture-partial'] },
  { name: 'real: coco grep capture', text: readFixture('conntrack-table', 'coco-2015-udp-vxlan-unreplied-trailer-first.txt'), ids: ['capture-partial'] },
  { name: 'real: k8s 91216 TIME_WAIT excerpt', text: readFixture('conntrack-table', 'k8s-91216-tcp-dns-time_wait-truncated-first-line.txt'), ids: ['time-wait-dominant'] },
  { name: 'real: french lab complete capture', text: readFixture('conntrack-table', 'french-nat-lab-L-no-mark-blank-lines.txt'), ids: ['time-wait-dominant'] },
  { name: 'real: luci capture (ESTABLISHED 2 h left, no proof of 5 days)', text: readFixture('conntrack-table', 'openwrt-luci-5909-acct-offload-L.txt'), ids: [] },
];

for (const c of CASES) {
  test(`rules: ${c.name}`, () => {
    assert.deepEqual(ids(run(c.text, c.settings)), [...c.ids].sort());
  });
}

test('messages and evidence are filled', () => {
  const r = run(lines(tw(6), est(4, 1000)));
  const f = r.findings.find((x) => x.id === 'time-wait-dominant')!;
  assert.equal(f.severity, 'warning');
  assert.equal(f.message, '60 % of 10 entries are TIME_WAIT (timeout 120s)');
  assert.deepEqual(f.evidence.map((e) => e.line), [1]);

  const s = run(lines(tw(100, '192.0.2.9'), est(75, 1000, '192.0.2.10'), est(75, 1000, '192.0.2.11'), est(75, 1000, '192.0.2.12'), est(75, 1000, '192.0.2.13')));
  assert.equal(s.findings.find((x) => x.id === 'source-outsized-share')!.message, 'one source, 192.0.2.9, holds 25 % of the table (100 of 400 entries)');

  const e = run(lines(est(1, 431000), est(2, 200000, '192.0.2.3'), est(7, 1000, '192.0.2.4'))).findings[0]!;
  assert.equal(e.severity, 'info');
  assert.match(e.message, /^9 of 10 ESTABLISHED entries have been idle for more than a day/);
  assert.deepEqual(e.evidence.map((x) => x.line), [1]);

  const t = run(`${lines(est(3, 1000))}conntrack v1.4.6 (conntrack-tools): 4 flow entries have been shown.\n`).findings[0]!;
  assert.equal(t.message, 'conntrack declared 4 flow entries but 3 were read: the capture is incomplete');
  assert.deepEqual(t.evidence, [{ path: 'capture.txt', line: 4, text: 'conntrack v1.4.6 (conntrack-tools): 4 flow entries have been shown.' }]);

  const p = run(readFixture('conntrack-table', 'coco-2015-udp-vxlan-unreplied-trailer-first.txt')).findings[0]!;
  assert.equal(p.message, 'the table capture capture.txt is filtered (3 entries shown): shares of the whole table are not computed from it');
  assert.equal(p.evidence[0]!.line, 1);
});

test('every rule documents its threshold, and every message placeholder gets filled', () => {
  for (const rule of RULES) {
    assert.match(rule.id, /^[a-z]+(?:-[a-z]+)*$/);
    assert.ok(rule.docs.threshold.length > 10, rule.id);
    assert.deepEqual(rule.requires, ['table']);
  }
  const all = [
    run(lines(tw(6), est(4, 1000))),
    run(lines(tw(100, '192.0.2.9'), unrep(160, '192.0.2.9'), est(1, 431000), est(2, 200000, '192.0.2.3'))),
    run(`${lines(est(3, 1000))}conntrack v1.4.6 (conntrack-tools): 4 flow entries have been shown.\n`),
    run(readFixture('conntrack-table', 'coco-2015-udp-vxlan-unreplied-trailer-first.txt')),
  ].flatMap((r) => r.findings);
  for (const f of all) assert.doesNotMatch(f.message, /\{\{/, f.message);
  assert.deepEqual([...new Set(all.map((f) => f.id))].sort(), RULES.map((r) => r.id).sort());
});

test('without a table input every rule is skipped', () => {
  const host: HostReport = { name: 'h', drops: EMPTY_DROPS, events: [], eventCounts: {}, correlation: NO_CORRELATION, settings: {} };
  const r = runRules(RULES, [{ host, facets: new Set<Facet>(), evidence: new Map() }]);
  assert.equal(r.findings.length, 0);
  assert.equal(r.skips.length, RULES.length);
});
