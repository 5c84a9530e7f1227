import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { renderTableText, pct } from '../../src/report/text/table.js';
import type { TableSection } from '../../src/model/report.js';

const obj = (o: Record<string, number>): Record<string, number> => Object.assign(Object.create(null) as Record<string, number>, o);

const SECTION: TableSection = {
  entries: 261877, declaredEntries: 261877,
  byFamily: obj({ ipv4: 248783, ipv6: 13094 }),
  byProtocol: obj({ tcp: 212120, udp: 41900, icmp: 5238, gre: 1500, unknown: 1119 }),
  byState: obj({ TIME_WAIT: 151889, ESTABLISHED: 81182, SYN_SENT: 10475, CLOSE_WAIT: 2000 }),
  flags: { assured: 243546, unreplied: 12000, offload: 0 }, earlyDroppable: 18331, nat: 81182, zones: obj({ 0: 261877 }),
  topSources: [{ ip: '192.0.2.60', count: 22262, share: 0.085 }, { ip: '2001:db8:ffff:21::2', count: 9000, share: 0.0344 }],
  topDestinations: [{ ip: '198.51.100.10', count: 121004, share: 0.4621 }],
  topDestinationPorts: [{ protocol: 'tcp', port: 443, count: 121004, share: 0.4621 }, { protocol: 'udp', port: 53, count: 30000, share: 0.1146 }],
  topPairs: [
    { src: '192.0.2.60', dst: '198.51.100.10', protocol: 'tcp', port: 443, count: 20000, share: 0.0764 },
    { src: '2001:db8:ffff:21::2', dst: '2001:db8:ffff:22:aaaa:bbbb:cccc:1', protocol: 'gre', port: null, count: 1500, share: 0.0057 },
  ],
  approximate: false, partial: false,
  timeouts: { ESTABLISHED: { entries: 81182, idleOverHour: 40000, idleOverDay: 20000 }, TIME_WAIT: { entries: 151889, idleOverHour: 0, idleOverDay: 0 } },
  events: 0, path: 'sosreport-k8s-node-07!/sos_commands/conntrack/conntrack_-L_-o_extended',
};

test('the WHAT FILLS THE TABLE block, exact', () => {
  const out = renderTableText(SECTION, { width: 80 }).map((l) => stripVTControlCharacters(l));
  assert.deepEqual(out, [
    'WHAT FILLS THE TABLE  conntrack_-L_-o_extended: 261,877 entries',
    '  tcp 81 %  udp 16 %  icmp 2 %  other 1 %   IPv6 5 %   NAT 31 %',
    '  TIME_WAIT 58 %  ESTABLISHED 31 %  SYN_SENT 4 %   early-droppable 7 %',
    '  UNREPLIED 4.6 %',
    '  top sources          entries  share   top dest ports  entries  share',
    '  192.0.2.60            22,262  8.5 %   tcp/443         121,004   46 %',
    '  2001:db8:ffff:21::2    9,000  3.4 %   udp/53           30,000   11 %',
    '  top destinations  entries  share',
    '  198.51.100.10     121,004   46 %',
    '  top pairs (source -> destination)                             entries  share',
    '  192.0.2.60 -> 198.51.100.10 tcp/443                            20,000  7.6 %',
    '  2001:db8:ffff:21::2 -> 2001:db8:ffff:22:aaaa:bbbb:cccc:1 gre    1,500  0.6 %',
    '  ESTABLISHED idle > 1 h: 40,000 of 81,182, > 1 day: 20,000',
  ]);
  for (const l of out) assert.ok(l.length <= 80, l);
});

test('partial, truncated, approximate, events and zones are said; narrow widths stack the columns', () => {
  const s: TableSection = {
    ...SECTION, entries: 3, declaredEntries: 50, partial: true, approximate: true, events: 6,
    byProtocol: obj({ udp: 3 }), byFamily: obj({ ipv4: 3 }), byState: obj({}), flags: { assured: 0, unreplied: 3, offload: 0 }, earlyDroppable: 3, nat: 0,
    zones: obj({ 0: 2, 7: 1 }),
    topSources: [{ ip: '192.0.2.121', count: 2, share: 0.6667 }], topDestinations: [], topDestinationPorts: [{ protocol: 'udp', port: 4789, count: 3, share: 1 }], topPairs: [],
    timeouts: {}, path: 'coco.txt',
  };
  const out = renderTableText(s, { width: 50 });
  assert.deepEqual(out, [
    'WHAT FILLS THE TABLE  coco.txt: 3 entries',
    '  conntrack said 50 flow entries',
    '  filtered capture: shares are of the entries',
    '  shown, not the whole table',
    '  top lists are approximate (heavy-hitters sketch)',
    '  6 event lines (conntrack -E) not counted as',
    '  entries',
    '  udp 100 %   NAT 0 %',
    '  early-droppable 100 %  UNREPLIED 100 %',
    '  zone 0 67 %  zone 7 33 %',
    '  top sources  entries  share',
    '  192.0.2.121        2   67 %',
    '  top dest ports  entries  share',
    '  udp/4789              3  100 %',
  ]);
  for (const l of out) assert.ok(l.length <= 50, l);
  assert.equal(renderTableText(s, { width: 80 })[0], 'WHAT FILLS THE TABLE  coco.txt: 3 entries (conntrack said 50)');
});

test('an empty capture prints the title only; control characters in input text are made visible', () => {
  const s: TableSection = { ...SECTION, entries: 0, declaredEntries: null, path: 'evil\u001b[31m.txt', events: 0 };
  assert.deepEqual(renderTableText(s, { width: 80 }), ['WHAT FILLS THE TABLE  evil\\x1B[31m.txt: 0 entries']);
});

test('percent wording', () => {
  assert.deepEqual([pct(0), pct(0.0004), pct(0.085), pct(0.0999), pct(0.46), pct(1)], ['0 %', '<0.1 %', '8.5 %', '10 %', '46 %', '100 %']);
});
