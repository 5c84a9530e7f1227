import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseText, runLineParser, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import { conntrackStatsParser, conntrackStatsKind, sniffConntrackStats, type StatsRecord } from '../../src/parsers/conntrack-stats/index.js';
import { sniffSysctl } from '../../src/parsers/sysctl/sniff.js';
import { ZERO_ACCOUNT } from '../../src/model/line-account.js';
import type { CountSample, CpuStats } from '../../src/model/records.js';
import { assertBalanced, assertCtdError, fixturePath, readFixture } from '../helpers.js';

const DIR = 'conntrack-stats';

function parse(text: string | Buffer) {
  const r = parseText(conntrackStatsParser, text);
  assertBalanced(r.account);
  return r;
}
function fixture(name: string) {
  return parse(readFixture(DIR, name));
}
function cpuRows(records: readonly StatsRecord[]): CpuStats[] {
  return records.filter((r): r is CpuStats => r.kind === 'cpu-stats');
}
function plain(f: Readonly<Record<string, number>>): Record<string, number> {
  return { ...f };
}
function acct(a: { total: number; parsed: number; ignored: number; malformed: number }) {
  return { total: a.total, parsed: a.parsed, ignored: a.ignored, malformed: a.malformed };
}

const SPACED = 'cpu=0   \tfound=7 invalid=2 insert=0 insert_failed=1 drop=3 early_drop=0 error=0 search_restart=9\n'
  + 'cpu=1\tfound=1 invalid=0 insert=0 insert_failed=0 drop=2 early_drop=5 error=0 search_restart=0\n';

describe('conntrack-stats parser: real samples', () => {
  it('conntrack -S from an AKS 5.15 node (clash_resolve, chaintoolong)', () => {
    const { records, account, state } = fixture('aks-5.15-azure-conntrack-S-clash_resolve-early_drop.txt');
    assert.deepEqual(acct(account), { total: 2, parsed: 2, ignored: 0, malformed: 0 });
    const rows = cpuRows(records);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.cpu, 0);
    assert.deepEqual(plain(rows[0]!.fields), {
      found: 986, invalid: 89035, insert: 0, insert_failed: 4, drop: 4, early_drop: 939985, error: 1,
      search_restart: 2329761182, clash_resolve: 770239427, chaintoolong: 0,
    });
    assert.equal(rows[1]!.fields['early_drop'], 938060);
    assert.equal(rows[1]!.src.lineNo, 2);
    assert.equal(Object.getPrototypeOf(rows[0]!.fields), null);
    assert.equal(conntrackStatsParser.format!(state), 'conntrack-S');
  });

  it('conntrack -C then sysctl -n on one prompt line, then conntrack -S | head -2 with tabs', () => {
    const { records, account } = fixture('fw-doc-pt-conntrack-C-sysctl-n-S-head2.txt');
    assert.deepEqual(acct(account), { total: 6, parsed: 3, ignored: 3, malformed: 0 });
    const count = records.find((r): r is CountSample => r.kind === 'count-sample');
    assert.deepEqual(count, { kind: 'count-sample', tsMs: null, count: 9, max: null, host: null, text: '9', src: { sourceId: '1', lineNo: 2 } });
    const rows = cpuRows(records);
    assert.deepEqual(rows.map((r) => [r.cpu, r.src.lineNo, r.fields['drop']]), [[0, 5, 0], [1, 6, 0]]);
    assert.equal(Object.keys(rows[0]!.fields).length, 10);
  });

  it('old vertical conntrack -S (kernel totals) with a permission error after it', () => {
    const { records, account, state } = fixture('k8s-56903-conntrack-S-legacy-proc-format-nonroot.txt');
    assert.deepEqual(acct(account), { total: 20, parsed: 17, ignored: 1, malformed: 2 });
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[19, 'command-error'], [20, 'command-error']]);
    const rows = cpuRows(records);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.cpu, null);
    assert.equal(rows[0]!.src.lineNo, 2);
    assert.equal(rows[0]!.fields['entries'], 90);
    assert.equal(rows[0]!.fields['found'], 3774748);
    assert.equal(rows[0]!.fields['delete_list'], 327481);
    assert.equal(rows[0]!.fields['search_restart'], 0);
    assert.equal(Object.keys(rows[0]!.fields).length, 17);
    assert.match(rows[0]!.text, /^entries=90 searched=2228 found=3774748 /);
    assert.equal(conntrackStatsParser.format!(state), 'conntrack-S-legacy');
  });

  it('kselftest output: the "# cpu=0" row is read, the -L entry and trailer are skipped', () => {
    const { records, account } = fixture('kselftest-reverse-clash-hash-prefixed-L-and-S.txt');
    assert.deepEqual(acct(account), { total: 7, parsed: 1, ignored: 6, malformed: 0 });
    const rows = cpuRows(records);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.src.lineNo, 6);
    assert.equal(rows[0]!.fields['clash_resolve'], 0);
  });

  it('lnstat: names rebuilt from the wrapped header, only the first row becomes a record', () => {
    const { records, account, state } = fixture('lnstat-f-nf_conntrack-clashres-header.txt');
    assert.deepEqual(acct(account), { total: 9, parsed: 8, ignored: 1, malformed: 0 });
    const rows = cpuRows(records);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.cpu, null);
    assert.equal(rows[0]!.src.lineNo, 5);
    assert.deepEqual(Object.keys(rows[0]!.fields), [
      'entries', 'clashres', 'found', 'new', 'invalid', 'ignore', 'delete', 'delete_list', 'insert', 'insert_failed',
      'drop', 'early_drop', 'icmp_error', 'expect_new', 'expect_create', 'expect_delete', 'search_restart',
    ]);
    assert.equal(rows[0]!.fields['entries'], 1202);
    assert.equal(rows[0]!.fields['invalid'], 3113180);
    assert.equal(rows[0]!.fields['search_restart'], 2659);
    assert.equal(conntrackStatsParser.format!(state), 'lnstat');
  });

  it('conntrack -C twice; the wc -l number and the -L trailers are skipped', () => {
    const { records, account } = fixture('netfilter-devel-conntrack-C-vs-L-ubuntu1804.txt');
    assert.deepEqual(acct(account), { total: 21, parsed: 2, ignored: 19, malformed: 0 });
    assert.deepEqual(records.map((r) => [r.kind, (r as CountSample).count, r.src.lineNo]), [['count-sample', 88064, 8], ['count-sample', 87706, 15]]);
  });

  it('/proc/net/stat/nf_conntrack (5.15 header, no final newline): mapped by header, hex decoded', () => {
    const { records, account, state } = fixture('proc-net-stat-nf_conntrack-clashres-chainlength-insert_failed-nonl.txt');
    assert.deepEqual(acct(account), { total: 3, parsed: 3, ignored: 0, malformed: 0 });
    const rows = cpuRows(records);
    assert.deepEqual(rows.map((r) => [r.cpu, r.fields['entries'], r.fields['insert_failed'], r.fields['drop'], r.fields['invalid']]), [
      [0, 4046, 200, 472, 4],
      [1, 4046, 162, 367, 4],
    ]);
    assert.equal(rows[0]!.fields['chainlength'], 0);
    assert.equal(conntrackStatsParser.format!(state), 'proc-stat');
  });

  it('conntrack -S on 8 CPUs behind a prompt', () => {
    const { records, account } = fixture('rke2-3924-conntrack-S-spaces.txt');
    assert.deepEqual(acct(account), { total: 9, parsed: 8, ignored: 1, malformed: 0 });
    const rows = cpuRows(records);
    assert.deepEqual(rows.map((r) => r.cpu), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(rows.reduce((a, r) => a + r.fields['invalid']!, 0), 1 + 1 + 2 + 137 + 140 + 125 + 139 + 4);
    assert.equal(rows[6]!.fields['search_restart'], 199);
  });

  it('every real sample is sniffed as conntrack-stats and not as sysctl', () => {
    for (const f of readdirSync(fixturePath(DIR)).filter((n) => n.endsWith('.txt'))) {
      const head = readFixture(DIR, f).toString('utf8').split('\n').slice(0, 64);
      assert.ok(sniffConntrackStats(head, f) >= 0.5, `${f} sniffed ${sniffConntrackStats(head, f)}`);
      assert.ok(sniffConntrackStats(head, f) > sniffSysctl(head, f), f);
    }
  });
});

describe('conntrack-stats parser: literal cases', () => {
  it('tabs and spaces mixed; values kept per CPU', () => {
    const { records, account } = parse(SPACED);
    assert.deepEqual(account, { ...ZERO_ACCOUNT, issues: [], total: 2, parsed: 2 });
    assert.deepEqual(cpuRows(records).map((r) => [r.cpu, r.fields['drop'], r.fields['early_drop']]), [[0, 3, 0], [1, 2, 5]]);
  });

  it('a bad number is malformed with its line number; the other rows still parse', () => {
    const { records, account } = parse('cpu=0 found=1 drop=2\ncpu=1 found=x drop=1\ncpu=2 found=1 drop=0\n');
    assert.equal(records.length, 2);
    assert.deepEqual(acct(account), { total: 3, parsed: 2, ignored: 0, malformed: 1 });
    assert.deepEqual(account.issues, [{ line: 2, code: 'bad-number', text: 'cpu=1 found=x drop=1' }]);
  });

  it('a value beyond 2^53 is flagged, never rounded', () => {
    const { records, account } = parse('cpu=0 found=1 drop=2\ncpu=1 found=1 drop=18446744073709551615\n');
    assert.equal(records.length, 1);
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[2, 'bad-number']]);
  });

  it('a field called __proto__ is just a name', () => {
    const { records } = parse('cpu=0 __proto__=5 drop=1\n');
    const f = cpuRows(records)[0]!.fields;
    assert.equal(Object.getPrototypeOf(f), null);
    assert.deepEqual(Object.keys(f), ['__proto__', 'drop']);
    assert.equal(f['__proto__'], 5);
  });

  it('/proc/net/stat with the 4.x header maps searched/delete_list by name; a second header starts over', () => {
    const hdr = 'entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart';
    const row = (drop: string) => `0000000a  00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008 00000009 ${drop} 0000000b 0000000c  0000000d 0000000e 0000000f 00000010`;
    const text = [hdr, row('00000010'), row('00000020'), hdr, row('000000ff'), '00000001 00000002'].join('\n');
    const { records, account } = parse(text);
    const rows = cpuRows(records);
    assert.deepEqual(rows.map((r) => [r.cpu, r.fields['drop'], r.fields['searched'], r.fields['delete_list'], r.fields['entries']]), [
      [0, 16, 1, 7, 10], [1, 32, 1, 7, 10], [0, 255, 1, 7, 10],
    ]);
    assert.deepEqual(acct(account), { total: 6, parsed: 5, ignored: 0, malformed: 1 });
    assert.equal(account.issues[0]!.code, 'unparsed');
    assert.equal(account.issues[0]!.line, 6);
  });

  it('a hex row before any header is malformed', () => {
    const { account } = parse('00000001 00000002 00000003\ncpu=0 drop=1\n');
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[1, 'unparsed']]);
  });

  it('a saved conntrack -C output (just a number) is a count snapshot', () => {
    const { records, account } = parse('131072\n');
    assert.deepEqual(acct(account), { total: 1, parsed: 1, ignored: 0, malformed: 0 });
    assert.equal((records[0] as CountSample).count, 131072);
    assert.equal((records[0] as CountSample).tsMs, null);
  });

  it('`conntrack -L | wc -l` output is not a count sample; `conntrack -C` after it is', () => {
    const { records, account } = parse('$ conntrack -L | wc -l\n5000\n$ conntrack -C\n5012\n');
    assert.deepEqual(records.map((r) => (r as CountSample).count), [5012]);
    assert.deepEqual(acct(account), { total: 4, parsed: 1, ignored: 3, malformed: 0 });
  });

  it('a relevant-looking line that does not parse is malformed unparsed', () => {
    const { account } = parse('cpu=0 drop=1\nstats: insert_failed= something\n');
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[2, 'unparsed']]);
  });

  it('lnstat with a repeated header: still one record', () => {
    const h = ['nf_connt|nf_connt|', ' entries|    drop|', '        |        |'];
    const text = [...h, '      10|       4|', '      11|       1|', ...h, '      12|       2|'].join('\n');
    const { records, account } = parse(text);
    assert.equal(records.length, 1);
    assert.deepEqual(plain((records[0] as CpuStats).fields), { entries: 10, drop: 4 });
    assert.deepEqual(acct(account), { total: 9, parsed: 9, ignored: 0, malformed: 0 });
  });
});

describe('conntrack-stats parser: whole-input outcomes', () => {
  it('only a command error → SkipInput with the reason', () => {
    const text = '$ conntrack -S\nconntrack v1.4.4 (conntrack-tools): Operation failed: Operation not permitted\n';
    assertCtdError(() => parse(text), { name: 'SkipInput', code: 'CTD_INPUT_NOT_APPLICABLE' });
    try {
      parse(text);
    } catch (e) {
      assert.match((e as Error).message, /Operation not permitted/);
    }
  });

  it('empty → SkipInput CTD_INPUT_EMPTY', () => {
    assertCtdError(() => parse(''), { name: 'SkipInput', code: 'CTD_INPUT_EMPTY' });
    assertCtdError(() => parse('\n\n  \n'), { name: 'SkipInput', code: 'CTD_INPUT_EMPTY' });
  });

  it('wrong input → InputError', () => {
    assertCtdError(() => parse('Jul  4 03:47:16 host kernel: hello\nsomething else\n'), { name: 'InputError', code: 'CTD_INPUT_UNRECOGNIZED' });
    assertCtdError(() => parse('insert_failed= ?\n'), { name: 'InputError', code: 'CTD_INPUT_CORRUPT' });
  });
});

describe('conntrack-stats parser: streaming', () => {
  it('the stream, cut at every odd place, gives the same records and account as parseText', async () => {
    for (const name of ['lnstat-f-nf_conntrack-clashres-header.txt', 'k8s-56903-conntrack-S-legacy-proc-format-nonroot.txt', 'fw-doc-pt-conntrack-C-sysctl-n-S-head2.txt']) {
      const buf = readFixture(DIR, name);
      const expected = parseText(conntrackStatsParser, buf);
      for (const size of [1, 7, 64]) {
        async function* chunks() {
          for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
        }
        const got: StatsRecord[] = [];
        const { account } = await runLineParser(conntrackStatsParser, chunks(), DEFAULT_CONTEXT, (r) => got.push(r));
        assert.deepEqual(got, expected.records, `${name} / ${size}`);
        assert.deepEqual(account, expected.account);
      }
    }
  });

  it('the kind module runs the parser and reports the format', async () => {
    const buf = Buffer.from(SPACED);
    async function* chunks() {
      yield buf;
    }
    const got: unknown[] = [];
    const acctObj = { total: 0, parsed: 0, ignored: 0, malformed: 0, issues: [] };
    const res = await conntrackStatsKind.run(chunks(), DEFAULT_CONTEXT, (r) => got.push(r), acctObj);
    assert.equal(res.format, 'conntrack-S');
    assert.equal(got.length, 2);
    assert.equal(conntrackStatsKind.kind, 'conntrack-stats');
  });
});
