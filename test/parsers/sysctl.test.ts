import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseText, runLineParser, DEFAULT_CONTEXT } from '../../src/parsers/line-parser.js';
import { canonicalName, sniffSysctl, sysctlKind, sysctlParser, type SysctlRecord } from '../../src/parsers/sysctl/index.js';
import { sniffConntrackStats } from '../../src/parsers/conntrack-stats/sniff.js';
import { ZERO_ACCOUNT } from '../../src/model/line-account.js';
import type { ParseContext } from '../../src/parsers/line-parser.js';
import { assertBalanced, assertCtdError, fixturePath, readFixture } from '../helpers.js';

const DIR = 'sysctl';

function parse(text: string | Buffer, ctx: Partial<ParseContext> = {}) {
  const r = parseText(sysctlParser, text, ctx);
  assertBalanced(r.account);
  return r;
}
function fixture(name: string) {
  return parse(readFixture(DIR, name));
}
/** Records as compact tuples: [line, name or fact, value, rawName]. */
function brief(records: readonly SysctlRecord[]): (string | number)[][] {
  return records.map((r) => (r.kind === 'sysctl-setting' ? [r.src.lineNo, r.name, r.value, r.rawName] : [r.src.lineNo, r.fact, r.value]));
}
function acct(a: { total: number; parsed: number; ignored: number; malformed: number }) {
  return { total: a.total, parsed: a.parsed, ignored: a.ignored, malformed: a.malformed };
}
const NF = 'net.netfilter.nf_conntrack_';

describe('canonicalName', () => {
  it('maps every spelling to net.netfilter.nf_conntrack_*', () => {
    const cases: [string, string | null][] = [
      ['net.netfilter.nf_conntrack_max', `${NF}max`],
      ['net.nf_conntrack_max', `${NF}max`],
      ['net.ipv4.netfilter.ip_conntrack_max', `${NF}max`],
      ['net.ipv4.netfilter.ip_conntrack_tcp_timeout_established', `${NF}tcp_timeout_established`],
      ['net.ipv4.ip_conntrack_max', `${NF}max`],
      ['/proc/sys/net/netfilter/nf_conntrack_buckets', `${NF}buckets`],
      ['proc/sys/net/netfilter/nf_conntrack_count', `${NF}count`],
      ['/proc/sys/net/ipv4/netfilter/ip_conntrack_max', `${NF}max`],
      ['net/netfilter/nf_conntrack_tcp_timeout_close_wait', `${NF}tcp_timeout_close_wait`],
      ['nf_conntrack_max', `${NF}max`],
      ['conntrack hashsize', `${NF}buckets`],
      ['/sys/module/nf_conntrack/parameters/hashsize', `${NF}buckets`],
      ['net.netfilter.nf_conntrack_frag6_timeout', null],
      ['net.netfilter.nf_log_all_netns', null],
      ['net.ipv4.tcp_fin_timeout', null],
      ['__proto__', null],
    ];
    for (const [raw, want] of cases) assert.equal(canonicalName(raw), want, raw);
  });
});

describe('sysctl parser: real samples', () => {
  it('legacy /proc/sys/net/ipv4/netfilter/ip_conntrack_max via cat; the wc -l count is skipped', () => {
    const { records, account, state } = fixture('asuswrt-merlin-280-ip_conntrack-legacy-proc.txt');
    assert.deepEqual(brief(records), [[5, `${NF}max`, 300000, '/proc/sys/net/ipv4/netfilter/ip_conntrack_max']]);
    assert.deepEqual(acct(account), { total: 5, parsed: 1, ignored: 4, malformed: 0 });
    assert.equal(sysctlParser.format!(state), 'proc-sys');
  });

  it('sysctl -a | grep conntrack: 28 conntrack keys plus the net.nf_conntrack_max alias', () => {
    const { records, account, state } = fixture('aws-tengine-ubuntu-sysctl-a-grep-near-full.txt');
    assert.deepEqual(acct(account), { total: 31, parsed: 29, ignored: 2, malformed: 0 });
    const byName = new Map(records.map((r) => [r.kind === 'sysctl-setting' ? r.name : r.fact, r]));
    assert.equal(records.length, 29);
    assert.equal(byName.size, 28);
    const get = (n: string) => { const r = byName.get(NF + n); return r && r.kind === 'sysctl-setting' ? r.value : undefined; };
    assert.equal(get('count'), 65422);
    assert.equal(get('max'), 65536);
    assert.equal(get('buckets'), 16384);
    assert.equal(get('udp_timeout_stream'), 180);
    assert.deepEqual(brief(records.slice(-1)), [[30, `${NF}max`, 65536, 'net.nf_conntrack_max']]);
    assert.equal(sysctlParser.format!(state), 'sysctl');
  });

  it('elided sysctl -a excerpt: the "..." line is skipped', () => {
    const { records, account } = fixture('geektime-linux-perf-sysctl-a-grep-elided.txt');
    assert.deepEqual(acct(account), { total: 8, parsed: 6, ignored: 2, malformed: 0 });
    assert.deepEqual(brief(records).slice(0, 3), [
      [2, `${NF}count`, 180, `${NF}count`], [3, `${NF}max`, 1000, `${NF}max`], [4, `${NF}buckets`, 65536, `${NF}buckets`],
    ]);
  });

  it('an ls listing of /proc/sys/net/netfilter is skipped; sysctl -p and cat give the value', () => {
    const { records, account } = fixture('jp-notes-ls-proc-sys-net-netfilter-columns-and-sysctl-p.txt');
    assert.deepEqual(acct(account), { total: 21, parsed: 2, ignored: 19, malformed: 0 });
    assert.deepEqual(brief(records), [
      [19, `${NF}max`, 131072, 'net.nf_conntrack_max'],
      [21, `${NF}max`, 131072, '/proc/sys/net/netfilter/nf_conntrack_max'],
    ]);
  });

  it('kube-proxy journal with zh_CN month names: max, hashsize (as buckets), established timeout, kubeProxy', () => {
    const { records, account, state } = fixture('kube-proxy-journal-zh_CN-month-indented-conntrack-settings.txt');
    assert.deepEqual(acct(account), { total: 9, parsed: 4, ignored: 5, malformed: 0 });
    assert.deepEqual(brief(records), [
      [1, 'kubeProxy', 1],
      [5, `${NF}max`, 1048576, 'nf_conntrack_max'],
      [6, `${NF}buckets`, 262144, 'conntrack hashsize'],
      [7, `${NF}tcp_timeout_established`, 86400, 'nf_conntrack_tcp_timeout_established'],
    ]);
    assert.equal(sysctlParser.format!(state), 'kube-proxy');
  });

  it('systemctl status ellipsized kube-proxy line is malformed truncated', () => {
    const { records, account } = fixture('kube-proxy-systemctl-status-ellipsized-conntrack-settings.txt');
    assert.deepEqual(acct(account), { total: 9, parsed: 3, ignored: 5, malformed: 1 });
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[7, 'truncated']]);
    assert.deepEqual(brief(records), [
      [1, 'kubeProxy', 1],
      [5, `${NF}max`, 32768, 'nf_conntrack_max'],
      [6, `${NF}buckets`, 8192, 'conntrack hashsize'],
    ]);
  });

  it('kube-proxy pod log: "Setting nf_conntrack_max" and "Set sysctl \'net/netfilter/...\'"', () => {
    const { records, account } = fixture('kube-proxy-v1.20-logs-conntrack-max-1179648.txt');
    assert.deepEqual(acct(account), { total: 13, parsed: 3, ignored: 10, malformed: 0 });
    assert.deepEqual(brief(records), [
      [2, 'kubeProxy', 1],
      [6, `${NF}max`, 1179648, 'nf_conntrack_max'],
      [7, `${NF}tcp_timeout_established`, 86400, 'net/netfilter/nf_conntrack_tcp_timeout_established'],
    ]);
  });

  it('blank lines and elision around a sysctl excerpt', () => {
    const { records, account } = fixture('nat-notes-sysctl-a-grep-blankline-elided.txt');
    assert.deepEqual(acct(account), { total: 10, parsed: 6, ignored: 4, malformed: 0 });
    assert.equal(records.find((r) => r.kind === 'sysctl-setting' && r.name === `${NF}max`)?.value, 4194304);
  });

  it('cat /proc/sys/net/netfilter/X: the value on the next line belongs to X', () => {
    const { records, account } = fixture('nixos-12987-proc-sys-buckets-max.txt');
    assert.deepEqual(acct(account), { total: 4, parsed: 2, ignored: 2, malformed: 0 });
    assert.deepEqual(brief(records), [
      [2, `${NF}buckets`, 65536, '/proc/sys/net/netfilter/nf_conntrack_buckets'],
      [4, `${NF}max`, 262144, '/proc/sys/net/netfilter/nf_conntrack_max'],
    ]);
  });

  it('sysctl KEY with trailing spaces after the command', () => {
    const { records, account } = fixture('nordvpn-36-sysctl-max-rpi4.txt');
    assert.deepEqual(acct(account), { total: 2, parsed: 1, ignored: 1, malformed: 0 });
    assert.deepEqual(brief(records), [[2, `${NF}max`, 524288, `${NF}max`]]);
  });

  it('"error: permission denied on key" is a command error; legacy cat and sysctl values both kept', () => {
    const { records, account } = fixture('pcfreak-sysctl-a-grep-permission-denied.txt');
    assert.deepEqual(acct(account), { total: 5, parsed: 2, ignored: 2, malformed: 1 });
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[4, 'command-error']]);
    assert.deepEqual(brief(records).map((r) => [r[0], r[2]]), [[2, 65536], [5, 65536]]);
  });

  it('/proc/sys/net/nf_conntrack_max changed by echo during the session: every read kept in order', () => {
    const { records, account } = fixture('sre-handbook-centos63-proc-sys-net-nf_conntrack_max.txt');
    assert.deepEqual(acct(account), { total: 7, parsed: 3, ignored: 4, malformed: 0 });
    assert.deepEqual(brief(records).map((r) => [r[0], r[1], r[2]]), [[2, `${NF}max`, 65535], [5, `${NF}max`, 100000], [7, `${NF}max`, 100000]]);
  });

  it('sysctl -a excerpt: other keys and frag6 knobs skipped', () => {
    const { records, account } = fixture('sysctl-a-excerpt-kernel5-mptcp-heartbeat_acked.txt');
    assert.deepEqual(acct(account), { total: 41, parsed: 36, ignored: 5, malformed: 0 });
    assert.equal(records.length, 36);
    assert.ok(!records.some((r) => r.kind === 'sysctl-setting' && /frag6|mptcp|xfrm/.test(r.name)));
  });

  it('old kernel: slabinfo ip_conntrack object size and /proc/sys/net/ipv4/ip_conntrack_max', () => {
    const { records, account, state } = fixture('znx-old-kernel-slabinfo-ip_conntrack-max-wc.txt');
    assert.deepEqual(acct(account), { total: 8, parsed: 2, ignored: 6, malformed: 0 });
    assert.deepEqual(brief(records), [[4, 'entryBytes', 384], [6, `${NF}max`, 65536, '/proc/sys/net/ipv4/ip_conntrack_max']]);
    assert.equal(sysctlParser.format!(state), 'host-facts');
  });

  it('every real sample is sniffed as sysctl and not as conntrack-stats', () => {
    for (const f of readdirSync(fixturePath(DIR)).filter((n) => n.endsWith('.txt'))) {
      const head = readFixture(DIR, f).toString('utf8').split('\n').slice(0, 64);
      assert.ok(sniffSysctl(head, f) >= 0.5, `${f} sniffed ${sniffSysctl(head, f)}`);
      assert.ok(sniffSysctl(head, f) > sniffConntrackStats(head, f), f);
    }
  });
});

const HOST_FACTS = `$ hostname
node-07.example.net
$ uname -r
5.15.0-91-generic
$ nproc
8
$ grep MemTotal /proc/meminfo
MemTotal:       16318412 kB
$ grep -E '^(# name|nf_conntrack )' /proc/slabinfo
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
nf_conntrack        1234   2000    320   25    2 : tunables    0    0    0 : slabdata     80     80      0
nf_conntrack_expect    0      0    224   18    1 : tunables    0    0    0 : slabdata      0      0      0
$ cat /sys/module/nf_conntrack/parameters/hashsize
65536
`;

describe('sysctl parser: host facts (literal samples)', () => {
  it('hostname, uname -r, nproc, MemTotal, slabinfo, hashsize', () => {
    const { records, account } = parse(HOST_FACTS);
    assert.deepEqual(brief(records), [
      [2, 'hostname', 'node-07.example.net'],
      [4, 'kernel', '5.15.0-91-generic'],
      [6, 'cpus', 8],
      [8, 'memTotalBytes', 16318412 * 1024],
      [11, 'entryBytes', 320],
      [14, `${NF}buckets`, 65536, '/sys/module/nf_conntrack/parameters/hashsize'],
    ]);
    assert.deepEqual(acct(account), { total: 14, parsed: 6, ignored: 8, malformed: 0 });
  });

  it('uname -a gives hostname and kernel; lscpu CPU(s); /proc/cpuinfo running count', () => {
    const text = [
      'Linux gw-3 4.19.0-26-amd64 #1 SMP Debian 4.19.304-1 (2024-01-09) x86_64 GNU/Linux',
      'CPU(s):              4',
      'On-line CPU(s) list: 0-3',
      'processor\t: 0',
      'vendor_id\t: GenuineIntel',
      'processor\t: 1',
      'Linux version 4.19.0-26-amd64 (debian-kernel@lists.debian.org) (gcc version 8.3.0)',
    ].join('\n');
    const { records, account } = parse(text);
    assert.deepEqual(brief(records), [
      [1, 'hostname', 'gw-3'], [1, 'kernel', '4.19.0-26-amd64'], [2, 'cpus', 4], [4, 'cpus', 1], [6, 'cpus', 2], [7, 'kernel', '4.19.0-26-amd64'],
    ]);
    assert.deepEqual(acct(account), { total: 7, parsed: 5, ignored: 2, malformed: 0 });
  });

  it('grep . /proc/sys/net/netfilter/* (path:value) and sysctl -n with several keys', () => {
    const text = [
      '# grep . /proc/sys/net/netfilter/nf_conntrack_*',
      '/proc/sys/net/netfilter/nf_conntrack_max:262144',
      '/proc/sys/net/netfilter/nf_conntrack_frag6_timeout:60',
      '/proc/sys/net/netfilter/nf_conntrack_count:1200',
      '# sysctl -n net.netfilter.nf_conntrack_buckets net.ipv4.tcp_fin_timeout net.netfilter.nf_conntrack_udp_timeout',
      '65536',
      '60',
      '30',
    ].join('\n');
    const { records, account } = parse(text);
    assert.deepEqual(brief(records).map((r) => [r[0], r[1], r[2]]), [
      [2, `${NF}max`, 262144], [4, `${NF}count`, 1200], [6, `${NF}buckets`, 65536], [8, `${NF}udp_timeout`, 30],
    ]);
    assert.deepEqual(acct(account), { total: 8, parsed: 4, ignored: 4, malformed: 0 });
  });

  it('structured kube-proxy logs (1.22+)', () => {
    const text = [
      'I0513 10:00:00.000000       1 conntrack.go:52] "Setting nf_conntrack_max" nfConntrackMax=262144',
      'I0513 10:00:00.000001       1 conntrack.go:83] "Setting conntrack hashsize" conntrackHashsize=65536',
      'I0513 10:00:00.000002       1 conntrack.go:100] "Set sysctl" entry="net/netfilter/nf_conntrack_tcp_timeout_close_wait" value=3600',
    ].join('\n');
    const { records } = parse(text);
    assert.deepEqual(brief(records).map((r) => [r[0], r[1], r[2]]), [
      [1, `${NF}max`, 262144], [1, 'kubeProxy', 1], [2, `${NF}buckets`, 65536], [3, `${NF}tcp_timeout_close_wait`, 3600],
    ]);
  });

  it('a bundle file holding only a value takes its key from the path', () => {
    const a = parse('262144\n', { path: 'sosreport-node-07/proc/sys/net/netfilter/nf_conntrack_max' });
    assert.deepEqual(brief(a.records), [[1, `${NF}max`, 262144, 'sosreport-node-07/proc/sys/net/netfilter/nf_conntrack_max']]);
    const b = parse('16384\n', { path: 'bundle.tar.gz!/sys/module/nf_conntrack/parameters/hashsize' });
    assert.equal(brief(b.records)[0]![1], `${NF}buckets`);
    const c = parse('node-07\n', { path: 'sosreport-node-07/hostname' });
    assert.deepEqual(brief(c.records), [[1, 'hostname', 'node-07']]);
  });

  it('a bad value for a relevant key is malformed bad-number with its line', () => {
    const { records, account } = parse('net.netfilter.nf_conntrack_max = 262144\nnet.netfilter.nf_conntrack_count = lots\n');
    assert.equal(records.length, 1);
    assert.deepEqual(account, { ...ZERO_ACCOUNT, total: 2, parsed: 1, malformed: 1, issues: [{ line: 2, code: 'bad-number', text: 'net.netfilter.nf_conntrack_count = lots' }] });
  });

  it('values beyond 2^53 are flagged', () => {
    const { account } = parse('net.netfilter.nf_conntrack_max = 262144\nnet.netfilter.nf_conntrack_count = 99999999999999999999\n');
    assert.deepEqual(account.issues.map((i) => [i.line, i.code]), [[2, 'bad-number']]);
  });

  it('a key named __proto__ is skipped like any other irrelevant key', () => {
    const { records, account } = parse('__proto__.x = 1\nnet.netfilter.nf_conntrack_max = 5\n');
    assert.equal(records.length, 1);
    assert.deepEqual(acct(account), { total: 2, parsed: 1, ignored: 1, malformed: 0 });
  });
});

describe('sysctl sniffer: literal cases', () => {
  it('repeated nf_conntrack_count readings look like a usage timeline, not settings', () => {
    const head = ['# sysctl net.netfilter.nf_conntrack_count', 'net.netfilter.nf_conntrack_count = 263', '# sysctl net.netfilter.nf_conntrack_count', 'net.netfilter.nf_conntrack_count = 284'];
    assert.equal(sniffSysctl(head, 'loop.txt'), 0.5);
    assert.ok(sniffSysctl([...head, 'net.netfilter.nf_conntrack_max = 262144'], 'loop.txt') >= 0.9);
  });
  it('a kernel log line with Linux version scores low; unrelated text scores 0', () => {
    assert.equal(sniffSysctl(['Linux version 5.15.0-91-generic (buildd@lcy02) #101-Ubuntu SMP'], 'x'), 0.3);
    assert.equal(sniffSysctl(['hello', 'world'], 'x'), 0);
  });
});

describe('sysctl parser: whole-input outcomes', () => {
  it('only errors → SkipInput', () => {
    assertCtdError(() => parse('sysctl: cannot stat /proc/sys/net/netfilter/nf_conntrack_max: No such file or directory\n'), { name: 'SkipInput', code: 'CTD_INPUT_NOT_APPLICABLE' });
  });
  it('a sysctl dump without conntrack keys (module not loaded) → SkipInput', () => {
    assertCtdError(() => parse('net.ipv4.tcp_fin_timeout = 60\nnet.core.somaxconn = 4096\n'), { name: 'SkipInput', code: 'CTD_INPUT_NOT_APPLICABLE' });
  });
  it('empty → SkipInput CTD_INPUT_EMPTY', () => {
    assertCtdError(() => parse(''), { name: 'SkipInput', code: 'CTD_INPUT_EMPTY' });
  });
  it('wrong input → InputError', () => {
    assertCtdError(() => parse('hello world\nthis is not sysctl output\n'), { name: 'InputError', code: 'CTD_INPUT_UNRECOGNIZED' });
  });
});

describe('sysctl parser: streaming', () => {
  it('the stream, cut anywhere, gives the same records and account as parseText', async () => {
    for (const name of ['aws-tengine-ubuntu-sysctl-a-grep-near-full.txt', 'kube-proxy-journal-zh_CN-month-indented-conntrack-settings.txt', 'nixos-12987-proc-sys-buckets-max.txt']) {
      const buf = readFixture(DIR, name);
      const expected = parseText(sysctlParser, buf);
      for (const size of [1, 5, 100]) {
        async function* chunks() {
          for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
        }
        const got: SysctlRecord[] = [];
        const { account } = await runLineParser(sysctlParser, chunks(), DEFAULT_CONTEXT, (r) => got.push(r));
        assert.deepEqual(got, expected.records, `${name} / ${size}`);
        assert.deepEqual(account, expected.account);
      }
    }
    assert.equal(sysctlKind.kind, 'sysctl');
  });
});
