import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseText, runLineParser, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import type { CountSample } from '../../src/model/records.js';
import { newAccount, ZERO_ACCOUNT } from '../../src/model/line-account.js';
import { countTimelineKind, countTimelineParser, sniffCountTimeline } from '../../src/parsers/count-timeline/index.js';
import { makeTimeZone } from '../../src/util/time.js';
import { assertBalanced, assertCtdError, fixturePath, readFixture } from '../helpers.js';

const P = countTimelineParser;
const ms = (iso: string): number => Date.parse(iso);

function parse(text: string | Buffer, ctx = {}) {
  const r = parseText(P, text, ctx);
  assertBalanced(r.account);
  return r;
}
/** Records without the evidence fields, for compact comparisons. */
function brief(records: readonly CountSample[]) {
  return records.map((r) => ({ tsMs: r.tsMs, count: r.count, max: r.max, host: r.host, line: r.src.lineNo }));
}
const acct = (a: { total: number; parsed: number; ignored: number; malformed: number }) => ({ total: a.total, parsed: a.parsed, ignored: a.ignored, malformed: a.malformed });

// ----------------------------------------------------------------------------- literal samples
const CLASSIC_WITH_MAX = `2024-05-13 10:00:00 123456 262144
2024-05-13 10:01:00 124010 262144
`;
const ISO_EPOCH_DATE = `2024-05-13T10:00:00+02:00 1000
2024-05-13T08:01:00Z,1100
1715587320 1200
1715587380000;1300;65536
Mon May 13 08:04:00 UTC 2024 1400
2024-05-13 08:05:00 count=1500 max=65536
`;
const TELEGRAF = `conntrack,host=gw1.example ip_conntrack_count=464i,ip_conntrack_max=262144i 1615233542000000000
cpu,host=gw1.example usage_idle=99.5 1615233542000000000
conntrack,cpu=all,host=gw1.example drop=0i,early_drop=0i 1615233542000000000
conntrack,host=gw1.example ip_conntrack_count=4x4i 1615233552000000000
`;
const PROM_SERIES = `# HELP node_nf_conntrack_entries_limit Maximum size of connection tracking table.
node_nf_conntrack_entries_limit{instance="192.0.2.7:9100"} 65536 1715594400000
node_nf_conntrack_entries{instance="192.0.2.7:9100"} 4.74e+02 1715594400000
node_nf_conntrack_entries{instance="192.0.2.7:9100"} 480 1715594460000
node_nf_conntrack_entries{instance="192.0.2.8:9100",nodename="edge2.example"} 90 1715594460000
node_nf_conntrack_entries{instance="192.0.2.7:9100"} NaN 1715594520000
node_load1 0.5
`;
const CSV_QUOTED = `timestamp,count,max,note
2024-05-13 10:00:00,100,1000,ok
2024-05-13 10:01:00,200,1000,"spans
two lines"
2024-05-13 10:02:00,abc,1000,bad count
2024-05-13 10:03:00,300,1000,"a ""quoted"" note"
`;
const TSV = 'time\tentries\tlimit\n1715594400\t10\t100\n\n1715594460\t20\t100\n';
const GRAFANA_LONG = `"Series";"Time";"Value"
"node_nf_conntrack_entries{instance=""web1.example:9100""}";"2024-05-13T10:00:00+02:00";1200
"node_nf_conntrack_entries{instance=""web1.example:9100""}";"2024-05-13T10:01:00+02:00";1300
"node_nf_conntrack_entries_limit{instance=""web1.example:9100""}";"2024-05-13T10:01:00+02:00";65536
`;
const QUERY_ONE_LINE = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"node_nf_conntrack_entries","nodename":"db1.example","instance":"192.0.2.9:9100"},"value":[1715594400.5,"777"]}]}}\n';
const KERNEL_LOG = 'May 13 10:00:00 web1 kernel: nf_conntrack: table full, dropping packet\nMay 13 10:00:01 web1 kernel: nf_conntrack: table full, dropping packet\n';

// ----------------------------------------------------------------------------- real samples
test('real: k8s node_exporter scrape → one undated sample with the limit as max', () => {
  const r = parse(readFixture('count-timeline', 'k8s-calico-rpi-node-exporter-scrape-excerpt.txt'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 18, parsed: 2, ignored: 16 });
  assert.deepEqual(brief(r.records), [{ tsMs: null, count: 474, max: 131072, host: null, line: 12 }]);
  assert.equal(r.records[0]!.text, 'node_nf_conntrack_entries 474');
  assert.equal(P.format!(r.state), 'prometheus');
});

test('real: old node_exporter scrape (gauge naming) → 32 of 65536', () => {
  const r = parse(readFixture('count-timeline', 'old-node-exporter-gauge-naming-scrape-excerpt.txt'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 14, parsed: 2, ignored: 12 });
  assert.deepEqual(brief(r.records), [{ tsMs: null, count: 32, max: 65536, host: null, line: 8 }]);
});

test('real: OpenWrt curl paste with 4-space indentation and a prompt line', () => {
  const r = parse(readFixture('count-timeline', 'openwrt-node-exporter-lua-curl-metrics-indented.txt'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 11, parsed: 2, ignored: 9 });
  assert.deepEqual(brief(r.records), [{ tsMs: null, count: 288, max: 16384, host: null, line: 5 }]);
  assert.equal(r.records[0]!.text, '    node_nf_conntrack_entries 288');
});

test('real: markdown-quoted scrape (">" on every line, fences inside)', () => {
  const r = parse(readFixture('count-timeline', 'openwrt-node-exporter-lua-metrics-ru-blog-quoted.txt'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 19, parsed: 2, ignored: 17 });
  assert.deepEqual(brief(r.records), [{ tsMs: null, count: 806, max: 31744, host: null, line: 5 }]);
});

test('real: Nagios check_conntrack perfdata, two undated samples with max from the 5th perfdata field', () => {
  const r = parse(readFixture('count-timeline', 'nagios-check_conntrack-perfdata-before-after.txt'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 4, parsed: 2, ignored: 2 });
  assert.deepEqual(brief(r.records), [
    { tsMs: null, count: 151335, max: 262144, host: null, line: 2 },
    { tsMs: null, count: 8862, max: 262144, host: null, line: 4 },
  ]);
  assert.equal(P.format!(r.state), 'nagios');
});

test('real: PF_RING sysctl snapshots → three undated counts; wc output and prompts ignored', () => {
  const r = parse(readFixture('count-timeline', 'pfring-521-count-vs-proc-lines-snapshots.txt'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 9, parsed: 3, ignored: 6 });
  assert.deepEqual(r.records.map((x) => [x.count, x.src.lineNo, x.tsMs]), [[263, 2, null], [284, 5, null], [273, 8, null]]);
  assert.equal(P.format!(r.state), 'snapshot');
});

test('every real timeline fixture sniffs as count-timeline with confidence ≥ 0.8', () => {
  const files = readdirSync(fixturePath('count-timeline')).filter((f) => f !== 'SOURCES.md');
  assert.ok(files.length >= 9);
  for (const f of files) {
    const head = readFixture('count-timeline', f).toString('utf8').split('\n').slice(0, 64);
    assert.ok(sniffCountTimeline(head, f) >= 0.8, f);
  }
});

test('sniff: other kinds that mention nf_conntrack_count or pipes stay low', () => {
  // `ls /proc/sys/net/netfilter` columns, a shell pipe with key=value, a sysctl dump holding the count once
  assert.equal(sniffCountTimeline(['nf_conntrack_count                  nf_conntrack_frag6_timeout'], 'notes.txt'), 0);
  assert.equal(sniffCountTimeline(['cat /proc/net/nf_conntrack | grep zone=1', 'ipv4     2 tcp      6 src=192.0.2.7 dst=192.0.2.8 sport=56290 dport=5001 [OFFLOAD] mark=0 zone=1 use=3'], 'x.txt'), 0);
  assert.ok(sniffCountTimeline(['net.netfilter.nf_conntrack_buckets = 16384', 'net.netfilter.nf_conntrack_count = 65422', 'net.netfilter.nf_conntrack_max = 65536'], 'sysctl.txt') < 0.5);
  assert.ok(sniffCountTimeline(['2024-05-13 10:00:00 1', '2024-05-13 10:01:00 2'], 'x') >= 0.8);
  assert.ok(sniffCountTimeline(['timestamp,count', '2024-05-13 10:00:00,1'], 'x') >= 0.8);
  assert.ok(sniffCountTimeline(['conntrack,host=gw1.example ip_conntrack_count=464i,ip_conntrack_max=262144i 1615233542000000000'], 'x') >= 0.8);
  assert.ok(sniffCountTimeline(QUERY_ONE_LINE.split('\n'), 'x') >= 0.9);
});

// ----------------------------------------------------------------------------- invented fixtures
test('usage-incident.log: 16 samples, the malformed count on line 12, comment and blank ignored', () => {
  const r = parse(readFixture('count-timeline', 'usage-incident.log'));
  assert.deepEqual(acct(r.account), { total: 19, parsed: 16, ignored: 2, malformed: 1 });
  assert.deepEqual(r.account.issues, [{ line: 12, code: 'bad-number', text: '2024-05-13 10:10:00 21O000' }]);
  assert.equal(r.records.length, 16);
  assert.deepEqual(brief(r.records.slice(0, 1)), [{ tsMs: ms('2024-05-13T10:00:00Z'), count: 100000, max: null, host: null, line: 2 }]);
  assert.deepEqual(brief(r.records.slice(-1)), [{ tsMs: ms('2024-05-13T10:35:00Z'), count: 9000, max: null, host: null, line: 19 }]);
  assert.equal(P.format!(r.state), 'classic');
  assert.deepEqual(P.assumptions!(r.state), ['input: 16 time stamps without a zone read as UTC']);
});

test('Grafana "series joined by time" CSV: one host per instance, limit columns as max, empty cell skipped', () => {
  const r = parse(readFixture('count-timeline', 'grafana-series-joined.csv'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 5, parsed: 5 });
  const web1 = brief(r.records.filter((x) => x.host === 'web1.example'));
  const ip = brief(r.records.filter((x) => x.host === '192.0.2.12'));
  assert.deepEqual(web1.map((x) => [x.count, x.max, x.line]), [[52000, 65536, 2], [60000, 65536, 3], [65536, 65536, 4], [64000, 65536, 5]]);
  assert.deepEqual(ip.map((x) => [x.count, x.max, x.line]), [[12000, 131072, 2], [12500, 131072, 3], [13000, 131072, 5]]);
  assert.equal(web1[2]!.tsMs, ms('2024-05-13T10:10:00Z'));
  assert.equal(P.format!(r.state), 'grafana-csv');
});

test('pretty-printed query_range JSON: every line parsed, one host per instance, NaN skipped with a note', () => {
  const r = parse(readFixture('count-timeline', 'query-range-pretty.json'));
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 44, parsed: 44 });
  assert.deepEqual(brief(r.records), [
    { tsMs: ms('2024-05-13T10:00:00Z'), count: 120000, max: 131072, host: 'web1.example', line: 7 },
    { tsMs: ms('2024-05-13T10:01:00Z'), count: 125000, max: 131072, host: 'web1.example', line: 7 },
    { tsMs: ms('2024-05-13T10:02:00Z'), count: 131072, max: 131072, host: 'web1.example', line: 7 },
    { tsMs: ms('2024-05-13T10:00:00Z'), count: 800, max: null, host: '2001:db8::12', line: 19 },
    { tsMs: ms('2024-05-13T10:02:00Z'), count: 900, max: null, host: '2001:db8::12', line: 19 },
  ]);
  assert.equal(r.records[0]!.text, 'node_nf_conntrack_entries{instance="web1.example:9100",job="node"} 120000 @1715594400');
  assert.equal(P.format!(r.state), 'prometheus-json');
  assert.deepEqual(P.assumptions!(r.state), ['input: 1 values of the query response were not numbers (NaN/Inf) and were skipped']);
});

// ----------------------------------------------------------------------------- literal grammars
test('classic lines with a third max column', () => {
  const r = parse(CLASSIC_WITH_MAX);
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 2, parsed: 2 });
  assert.deepEqual(brief(r.records), [
    { tsMs: ms('2024-05-13T10:00:00Z'), count: 123456, max: 262144, host: null, line: 1 },
    { tsMs: ms('2024-05-13T10:01:00Z'), count: 124010, max: 262144, host: null, line: 2 },
  ]);
});

test('zone-less stamps are read in ctx.tz; ISO with a zone, epoch s/ms and date(1) are not', () => {
  const tz = makeTimeZone('+02:00')!;
  const r = parse(ISO_EPOCH_DATE, { tz, path: 'usage.log' });
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 6, parsed: 6 });
  assert.deepEqual(r.records.map((x) => [x.tsMs, x.count, x.max]), [
    [ms('2024-05-13T08:00:00Z'), 1000, null],
    [ms('2024-05-13T08:01:00Z'), 1100, null],
    [ms('2024-05-13T08:02:00Z'), 1200, null],
    [ms('2024-05-13T08:03:00Z'), 1300, 65536],
    [ms('2024-05-13T08:04:00Z'), 1400, null],
    // the only zone-less stamp: 08:05 at +02:00 is 06:05 UTC
    [ms('2024-05-13T06:05:00Z'), 1500, 65536],
  ]);
  assert.deepEqual(P.assumptions!(r.state), ['usage.log: 1 time stamps without a zone read as +02:00']);
});

test('bad time and bad count are malformed with their codes and line numbers', () => {
  const r = parse('2024-05-13 10:00:00 5\n2024-13-45 10:00:00 6\n2024-05-13 25:00:00 7\n2024-05-13 10:1O:00 8\n2024-05-13 10:03:00 -9\n2024-05-13 10:04:00\n');
  assert.deepEqual(acct(r.account), { total: 6, parsed: 1, ignored: 0, malformed: 5 });
  assert.deepEqual(r.account.issues.map((i) => [i.line, i.code]), [[2, 'bad-timestamp'], [3, 'bad-timestamp'], [4, 'bad-timestamp'], [5, 'bad-number'], [6, 'bad-number']]);
});

test('Telegraf line protocol: host tag, integer fields, ns stamps; other measurements and stats ignored', () => {
  const r = parse(TELEGRAF);
  assert.deepEqual(acct(r.account), { total: 4, parsed: 1, ignored: 2, malformed: 1 });
  assert.deepEqual(brief(r.records), [{ tsMs: 1615233542000, count: 464, max: 262144, host: 'gw1.example', line: 1 }]);
  assert.deepEqual(r.account.issues.map((i) => [i.line, i.code]), [[4, 'bad-number']]);
  assert.equal(P.format!(r.state), 'telegraf');
});

test('Prometheus series: limit before entries, labels name hosts (nodename beats instance), NaN is malformed', () => {
  const r = parse(PROM_SERIES);
  assert.deepEqual(acct(r.account), { total: 7, parsed: 4, ignored: 2, malformed: 1 });
  assert.deepEqual(brief(r.records), [
    { tsMs: 1715594400000, count: 474, max: 65536, host: '192.0.2.7', line: 3 },
    { tsMs: 1715594460000, count: 480, max: null, host: '192.0.2.7', line: 4 },
    { tsMs: 1715594460000, count: 90, max: null, host: 'edge2.example', line: 5 },
  ]);
  assert.deepEqual(r.account.issues.map((i) => [i.line, i.code]), [[6, 'bad-number']]);
});

test('sysctl snapshot: count then max merge into one undated sample; a bare number is a snapshot', () => {
  const r = parse('net.netfilter.nf_conntrack_count = 65422\nnet.netfilter.nf_conntrack_max = 65536\n412\n');
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 3, parsed: 3 });
  assert.deepEqual(r.records.map((x) => [x.count, x.max, x.src.lineNo]), [[65422, 65536, 1], [412, null, 3]]);
});

test('CSV with header: columns by name, a quoted field spanning two lines, a bad count', () => {
  const r = parse(CSV_QUOTED);
  // header (parsed), 3 good records (one spans lines 3-4, both counted parsed), one bad count
  assert.deepEqual(acct(r.account), { total: 6, parsed: 5, ignored: 0, malformed: 1 });
  assert.deepEqual(r.account.issues.map((i) => [i.line, i.code]), [[5, 'bad-number']]);
  assert.deepEqual(r.records.map((x) => [x.count, x.max, x.src.lineNo]), [[100, 1000, 2], [200, 1000, 3], [300, 1000, 6]]);
  assert.equal(r.records[1]!.text, '2024-05-13 10:01:00,200,1000,"spans\ntwo lines"');
  assert.equal(P.format!(r.state), 'csv');
});

test('CSV: a quoted field that never closes is dropped with a note; a broken quote is bad-csv', () => {
  const r = parse('time,count\n2024-05-13 10:00:00,5\n2024-05-13 10:01:00,"6\n');
  assert.deepEqual(acct(r.account), { total: 3, parsed: 3, ignored: 0, malformed: 0 });
  assert.equal(r.records.length, 1);
  assert.match(P.assumptions!(r.state).join('\n'), /line 3 has a quoted field that never closes/);
  const b = parse('time,count\n2024-05-13 10:00:00,5\n2024-05-13 10:01:00,6"x"\n');
  assert.deepEqual(b.account.issues.map((i) => [i.line, i.code]), [[3, 'bad-csv']]);
});

test('TSV with epoch times and a blank line', () => {
  const r = parse(TSV);
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 4, parsed: 3, ignored: 1 });
  assert.deepEqual(r.records.map((x) => [x.tsMs, x.count, x.max]), [[1715594400000, 10, 100], [1715594460000, 20, 100]]);
});

test('older Grafana export (Series;Time;Value): limit rows become the max of the held count', () => {
  const r = parse(GRAFANA_LONG);
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 4, parsed: 4 });
  assert.deepEqual(brief(r.records), [
    { tsMs: ms('2024-05-13T08:00:00Z'), count: 1200, max: null, host: 'web1.example', line: 2 },
    { tsMs: ms('2024-05-13T08:01:00Z'), count: 1300, max: 65536, host: 'web1.example', line: 3 },
  ]);
});

test('one-line instant query JSON: nodename names the host', () => {
  const r = parse(QUERY_ONE_LINE);
  assert.deepEqual(r.account, { ...ZERO_ACCOUNT, total: 1, parsed: 1 });
  assert.deepEqual(brief(r.records), [{ tsMs: 1715594400500, count: 777, max: null, host: 'db1.example', line: 1 }]);
});

test('a host label called __proto__ is just a name', () => {
  const r = parse('node_nf_conntrack_entries{instance="__proto__"} 5\nconntrack,host=constructor ip_conntrack_count=6i\n');
  assert.deepEqual(r.records.map((x) => x.host), ['constructor', '__proto__']);
});

// ----------------------------------------------------------------------------- whole-input outcomes
test('empty input → SkipInput CTD_INPUT_EMPTY', () => {
  assertCtdError(() => parseText(P, ''), { name: 'SkipInput', code: 'CTD_INPUT_EMPTY' });
  assertCtdError(() => parseText(P, '\n  \n'), { name: 'SkipInput', code: 'CTD_INPUT_EMPTY' });
});

test('wrong input (a kernel log) → InputError CTD_INPUT_UNRECOGNIZED', () => {
  assertCtdError(() => parseText(P, KERNEL_LOG), { name: 'InputError', code: 'CTD_INPUT_UNRECOGNIZED' });
  assert.equal(sniffCountTimeline(KERNEL_LOG.split('\n'), 'messages'), 0);
});

test('JSON that does not parse → InputError CTD_INPUT_CORRUPT; an error response or no series → SkipInput', () => {
  assertCtdError(() => parseText(P, '{"status":"success","data":{"result":[\n'), { name: 'InputError', code: 'CTD_INPUT_CORRUPT' });
  assertCtdError(() => parseText(P, '{"status":"error","errorType":"bad_data","error":"parse error"}\n'), { name: 'SkipInput', code: 'CTD_INPUT_NOT_APPLICABLE' });
  assertCtdError(() => parseText(P, '{"status":"success","data":{"resultType":"matrix","result":[]}}\n'), { name: 'SkipInput', code: 'CTD_INPUT_EMPTY' });
  assertCtdError(() => parseText(P, '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"node_load1"},"values":[[1,"1"]]}]}}\n'), { name: 'InputError', code: 'CTD_INPUT_UNRECOGNIZED' });
});

// ----------------------------------------------------------------------------- stream = sync
test('streaming in 7-byte blocks gives the same records and account as parseText', async () => {
  for (const f of ['usage-incident.log', 'grafana-series-joined.csv', 'query-range-pretty.json', 'openwrt-node-exporter-lua-metrics-ru-blog-quoted.txt']) {
    const buf = readFixture('count-timeline', f);
    const sync = parseText(P, buf);
    async function* blocks() { for (let i = 0; i < buf.length; i += 7) yield buf.subarray(i, i + 7); }
    const records: CountSample[] = [];
    const { account } = await runLineParser(P, blocks(), DEFAULT_CONTEXT, (r) => records.push(r), newAccount());
    assert.deepEqual(records, sync.records, f);
    assert.deepEqual(account, sync.account, f);
  }
  for (const text of [CSV_QUOTED, PROM_SERIES, TELEGRAF]) {
    const sync = parseText(P, text);
    const buf = Buffer.from(text);
    async function* blocks() { for (let i = 0; i < buf.length; i += 5) yield buf.subarray(i, i + 5); }
    const records: CountSample[] = [];
    await runLineParser(P, blocks(), DEFAULT_CONTEXT, (r) => records.push(r));
    assert.deepEqual(records, sync.records);
  }
});

test('the kind module reports format and assumptions', async () => {
  const buf = readFixture('count-timeline', 'usage-incident.log');
  async function* blocks() { yield buf; }
  const out: unknown[] = [];
  const account = newAccount();
  const r = await countTimelineKind.run(blocks(), { ...DEFAULT_CONTEXT, path: 'usage-incident.log' }, (x) => out.push(x), account);
  assert.deepEqual(r, { format: 'classic', assumptions: ['usage-incident.log: 16 time stamps without a zone read as UTC'] });
  assert.equal(out.length, 16);
  assert.equal(countTimelineKind.kind, 'count-timeline');
});
