import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import { conntrackTableParser } from '../../src/parsers/conntrack-table/index.js';
import { buildTableSection, createTableAccumulator, timeoutInForce, timeoutKey, RemainingHistogram } from '../../src/analysis/table.js';
import type { TableDigest } from '../../src/analysis/table.js';
import { BoundedTally, CappedCounter } from '../../src/analysis/heavy-hitters.js';
import { readFixture } from '../helpers.js';

const DIR = 'conntrack-table';

function digest(text: string | Buffer, path = 'capture.txt', sourceId = '1', exactKeys?: number): TableDigest[] {
  const ctx = { ...DEFAULT_CONTEXT, path, sourceId };
  const acc = createTableAccumulator(ctx, exactKeys === undefined ? {} : { exactKeys });
  const { records } = parseText(conntrackTableParser, text, ctx);
  for (const r of records) acc.add(r);
  return [...acc.finish()];
}

const plain = (o: object): unknown => JSON.parse(JSON.stringify(o));

test('synthetic extended capture: every section number counted by hand', () => {
  const built = buildTableSection(digest(readFixture(DIR, 'synthetic-extended-mixed.txt'), 'conntrack_-L_-o_extended'), { settings: {} });
  const s = built.section;
  assert.equal(s.entries, 13);
  assert.equal(s.declaredEntries, 13);
  assert.equal(Object.getPrototypeOf(s.byProtocol), null);
  assert.deepEqual(plain(s.byFamily), { ipv4: 11, ipv6: 2 });
  assert.deepEqual(plain(s.byProtocol), { tcp: 8, udp: 2, dccp: 1, icmp: 1, unknown: 1 });
  assert.deepEqual(plain(s.byState), { ESTABLISHED: 4, TIME_WAIT: 2, SYN_SENT: 1 });
  assert.deepEqual(s.flags, { assured: 9, unreplied: 2, offload: 1 });
  assert.equal(s.earlyDroppable, 3);
  assert.equal(s.nat, 1);
  assert.deepEqual(plain(s.zones), { 0: 11, 5: 1, 7: 1 });
  assert.deepEqual(s.topSources.slice(0, 3), [
    { ip: '192.0.2.10', count: 5, share: 0.3846 },
    { ip: '2001:db8::1', count: 2, share: 0.1538 },
    { ip: '192.0.2.11', count: 1, share: 0.0769 },
  ]);
  assert.equal(s.topSources.length, 8);
  assert.deepEqual(s.topDestinations.map((d) => [d.ip, d.count]), [
    ['198.51.100.20', 3], ['198.51.100.21', 2], ['198.51.100.53', 2], ['2001:db8::2', 2],
    ['198.51.100.22', 1], ['198.51.100.30', 1], ['203.0.113.5', 1], ['203.0.113.9', 1],
  ]);
  assert.deepEqual(s.topDestinationPorts, [
    { protocol: 'tcp', port: 443, count: 5, share: 0.3846 },
    { protocol: 'tcp', port: 80, count: 2, share: 0.1538 },
    { protocol: 'udp', port: 53, count: 2, share: 0.1538 },
    { protocol: 'dccp', port: 5004, count: 1, share: 0.0769 },
    { protocol: 'tcp', port: 22, count: 1, share: 0.0769 },
  ]);
  assert.deepEqual(s.topPairs.slice(0, 2), [
    { src: '192.0.2.10', dst: '198.51.100.20', protocol: 'tcp', port: 443, count: 2, share: 0.1538 },
    { src: '2001:db8::1', dst: '2001:db8::2', protocol: 'tcp', port: 443, count: 2, share: 0.1538 },
  ]);
  assert.ok(s.topPairs.some((p) => p.protocol === 'unknown' && p.port === null));
  assert.equal(s.approximate, false);
  assert.equal(s.partial, false);
  assert.equal(s.events, 0);
  assert.equal(s.path, 'conntrack_-L_-o_extended');
  assert.deepEqual(Object.keys(s.timeouts), ['ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'dccp/OPEN', 'icmp', 'udp', 'udp/stream', 'unknown']);
  assert.deepEqual(s.timeouts['ESTABLISHED'], { entries: 4, idleOverHour: 3, idleOverDay: 3 });
  assert.deepEqual(s.timeouts['TIME_WAIT'], { entries: 2, idleOverHour: 0, idleOverDay: 0 });
  // idle = T - remaining: with kube-proxy's 86400, entries with < 64800 s left are idle > 6 h
  assert.equal(built.idleOver('ESTABLISHED', 21600, 86400), 2);
  assert.equal(built.idleOver('ESTABLISHED', 86400), 3);
  assert.equal(built.idleOver('TIME_WAIT', 0), 2);
  assert.equal(built.idleOver('TIME_WAIT', 60), 0, 'remaining 100 and 60 under T = 120: idle 20 and 60, neither over 60');
  assert.equal(built.idleOver('TIME_WAIT', 0, 180), 2);
  assert.equal(built.idleOver('TIME_WAIT', 60, 180), 2, 'T = 180: idle 80 and 120');
  assert.equal(built.idleOver('NOPE', 0), 0);
  assert.equal(built.idleOver('dccp/OPEN', 0), 0, 'no known timeout for dccp OPEN');

  assert.deepEqual(built.evidence.get('table.capture'), [{ path: 'conntrack_-L_-o_extended', line: 15, text: 'conntrack v1.4.6 (conntrack-tools): 13 flow entries have been shown.' }]);
  assert.equal(built.evidence.get('table.topSource')![0]!.line, 2);
  assert.equal(built.evidence.get('table.state.TIME_WAIT')![0]!.line, 4);
  assert.ok(built.evidence.get('table.state.TIME_WAIT')![0]!.text.includes('100 TIME_WAIT'));
  assert.equal(built.evidence.get('table.established.dayLeft')![0]!.line, 2);
  assert.equal(built.evidence.get('table.flag.UNREPLIED')![0]!.line, 6);
  assert.equal(built.evidence.has('table.truncated'), false);
  assert.equal(built.evidence.has('table.partial'), false);
});

test('settings change the timeout in force', () => {
  const d = digest(readFixture(DIR, 'synthetic-extended-mixed.txt'));
  const built = buildTableSection(d, { settings: { 'net.netfilter.nf_conntrack_tcp_timeout_established': 7260 } });
  // T = 7260: idle > 1 h means remaining < 3660: none of 431000, 300000, 7200, 7100
  assert.deepEqual(built.section.timeouts['ESTABLISHED'], { entries: 4, idleOverHour: 0, idleOverDay: 0 });
  assert.equal(timeoutInForce('TIME_WAIT', {}), 120);
  assert.equal(timeoutInForce('udp/stream', { 'net.netfilter.nf_conntrack_udp_timeout_stream': 180 }), 180);
  assert.equal(timeoutInForce('unknown', {}), 600);
  assert.equal(timeoutInForce('SYN_SENT2', {}), 120);
  assert.equal(timeoutKey('udp', null, true), 'udp/stream');
  assert.equal(timeoutKey('sctp', 'ESTABLISHED', true), 'sctp/ESTABLISHED');
});

test('the largest non-partial capture of a paste is used; trailer mismatch evidence', () => {
  const built = buildTableSection(digest(readFixture(DIR, 'centos-iptables-training-proc-and-L-secctx.txt')), { settings: {} });
  assert.equal(built.section.entries, 5);
  assert.equal(built.section.declaredEntries, 5);
  assert.equal(built.section.partial, false);
  assert.deepEqual(plain(built.section.byProtocol), { tcp: 3, udp: 2 });
  assert.equal(built.evidence.get('table.capture')![0]!.line, 9);

  const trunc = buildTableSection(digest('tcp      6 100 TIME_WAIT src=192.0.2.1 dst=198.51.100.2 sport=1 dport=80 src=198.51.100.2 dst=192.0.2.1 sport=80 dport=1 [ASSURED] use=1\nconntrack v1.4.6 (conntrack-tools): 40 flow entries have been shown.\n'), { settings: {} });
  assert.equal(trunc.section.declaredEntries, 40);
  assert.equal(trunc.evidence.get('table.truncated')![0]!.line, 2);
});

test('only partial captures: the largest partial one, flagged partial', () => {
  const built = buildTableSection(digest(readFixture(DIR, 'coco-2015-udp-vxlan-unreplied-trailer-first.txt')), { settings: {} });
  assert.equal(built.section.partial, true);
  assert.equal(built.section.entries, 3);
  assert.equal(built.section.declaredEntries, 50);
  assert.equal(built.section.flags.unreplied, 3);
  assert.equal(built.evidence.get('table.partial')![0]!.line, 1);
});

test('several inputs of one host: the best capture wins, events are summed', () => {
  const a = digest(readFixture(DIR, 'french-nat-lab-L-no-mark-blank-lines.txt'), 'a.txt', '1');
  const b = digest(readFixture(DIR, 'openwrt-luci-5909-acct-offload-L.txt'), 'b.txt', '2');
  const c = digest(readFixture(DIR, 'centos-iptables-training-conntrack-E-events.txt'), 'c.txt', '3');
  const built = buildTableSection([...a, ...b, ...c], { settings: {} });
  assert.equal(built.section.path, 'b.txt');
  assert.equal(built.section.entries, 3);
  assert.equal(built.section.events, 6);
  assert.equal(buildTableSection([], { settings: {} }).section.entries, 0);
});

test('events are not entries', () => {
  const d = digest(readFixture(DIR, 'docker-bridge-nat-conntrack-E-extended-id-clash.txt'));
  assert.equal(d[0]!.events, 6);
  const s = buildTableSection(d, { settings: {} }).section;
  assert.equal(s.entries, 0);
  assert.equal(s.events, 6);
});

test('beyond the exact key limit a sketch takes over: approximate, heavy hitters kept', () => {
  const lines: string[] = [];
  // 30 entries from one source, then 60 distinct sources once each: 90 entries, capacity 20
  for (let i = 0; i < 30; i++) lines.push(`tcp      6 100 TIME_WAIT src=203.0.113.9 dst=198.51.100.1 sport=${1000 + i} dport=80 src=198.51.100.1 dst=203.0.113.9 sport=80 dport=${1000 + i} [ASSURED] use=1`);
  for (let i = 0; i < 60; i++) lines.push(`udp      17 20 src=192.0.2.${i} dst=198.51.100.1 sport=${2000 + i} dport=53 src=198.51.100.1 dst=192.0.2.${i} sport=53 dport=${2000 + i} use=1`);
  const s = buildTableSection(digest(lines.join('\n'), 'x', '1', 20), { settings: {} }).section;
  assert.equal(s.entries, 90);
  assert.equal(s.approximate, true);
  assert.equal(s.topSources[0]!.ip, '203.0.113.9');
  assert.ok(s.topSources[0]!.count >= 30);
  assert.deepEqual(plain(s.byProtocol), { udp: 60, tcp: 30 });
  const exact = buildTableSection(digest(lines.join('\n')), { settings: {} }).section;
  assert.equal(exact.approximate, false);
  assert.deepEqual(exact.topSources[0], { ip: '203.0.113.9', count: 30, share: 0.3333 });
});

test('BoundedTally and CappedCounter', () => {
  const t = new BoundedTally(3);
  for (const k of ['a', 'a', 'a', 'b', 'b', 'c', 'd', 'a']) t.add(k);
  assert.equal(t.approximate, true);
  assert.equal(t.total, 8);
  assert.equal(t.size, 3);
  assert.deepEqual(t.top(1).map((x) => [x.key, x.count, x.err]), [['a', 4, 0]]);
  const e = new BoundedTally(10);
  for (const k of ['x', 'y', 'y', '__proto__']) e.add(k);
  assert.deepEqual(e.top(5).map((x) => [x.key, x.count]), [['y', 2], ['__proto__', 1], ['x', 1]]);
  const c = new CappedCounter(2);
  for (const k of ['p', 'q', 'r', 's', 'p']) c.add(k);
  assert.deepEqual(plain(c.toObject()), { p: 2, '(other)': 2, q: 1 });
});

test('BoundedTally past its capacity: a new key takes the counter longest at the smallest count', () => {
  // capacity 3, traced by hand (heavy-hitters.ts): a, b, c count 1 each (slots 0, 1, 2). d: the sketch
  // starts with one bucket of count 1 holding a, b, c in slot order; d takes a's counter (count 2, err 1).
  // e takes b's (count 2, err 1; the count-2 bucket is now d, e). c counted: 2, at the end (d, e, c).
  // f: the smallest bucket is count 2, its first counter d's: f gets 3, err 2.
  const t = new BoundedTally(3);
  for (const k of ['a', 'b', 'c', 'd', 'e', 'c', 'f']) t.add(k);
  assert.deepEqual(t.top(3).map((x) => [x.key, x.count, x.err]), [['f', 3, 2], ['c', 2, 0], ['e', 2, 1]]);
  assert.equal(t.get('a') + t.get('b') + t.get('d'), 0);
  // a key counted again moves behind the others of its new count: g takes e's counter, not c's
  t.add('g');
  assert.deepEqual(t.top(3).map((x) => [x.key, x.count, x.err]), [['f', 3, 2], ['g', 3, 2], ['c', 2, 0]]);
});

test('RemainingHistogram answers exactly at minute resolution', () => {
  const h = new RemainingHistogram();
  for (const r of [0, 59, 60, 3599, 3600, 431999, 10_000_000]) h.add(r);
  assert.equal(h.count, 7);
  assert.equal(h.idleOver(0, 3600), 4);          // remaining < 3600
  assert.equal(h.idleOver(3540, 3600), 2);       // remaining < 60
  assert.equal(h.idleOver(3600, 3600), 0);
  assert.equal(h.idleOver(86400, 432000), 5);    // remaining < 345600
});

test('a 100k-entry capture is folded without keeping entries', () => {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) lines.push(`tcp      6 ${i % 120} TIME_WAIT src=192.0.2.${i % 200} dst=198.51.100.${i % 7} sport=${1024 + (i % 60000)} dport=443 src=198.51.100.${i % 7} dst=192.0.2.${i % 200} sport=443 dport=${1024 + (i % 60000)} [ASSURED] use=1`);
  const s = buildTableSection(digest(lines.join('\n')), { settings: {} }).section;
  assert.equal(s.entries, 100_000);
  assert.equal(s.topSources[0]!.count, 500);
  assert.equal(s.topDestinations[0]!.count, 14286);
  assert.deepEqual(s.timeouts['TIME_WAIT'], { entries: 100_000, idleOverHour: 0, idleOverDay: 0 });
});
