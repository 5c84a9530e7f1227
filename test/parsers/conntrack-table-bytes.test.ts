/**
 * The byte path of the conntrack-table parser (`lineBytes`, bytes.ts) must give exactly what the
 * string path gives: the same records, account, state and format, on every fixture and on a
 * generated mixed capture (fixed seed), whole and cut into small blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { conntrackTableParser, type TableParserState, type TableRecord } from '../../src/parsers/conntrack-table/index.js';
import { DEFAULT_CONTEXT, LineDriver, parseText, type LineParser } from '../../src/parsers/line-parser.js';
import { fixturePath, plainRecords, readFixture, seededRandom } from '../helpers.js';

/** The string path only. */
const stringOnly: LineParser<TableRecord, TableParserState> = { ...conntrackTableParser, lineBytes: undefined };

/** The byte path, counting the lines it took. */
function counting(): { parser: LineParser<TableRecord, TableParserState>; taken: () => number } {
  let n = 0;
  const parser: LineParser<TableRecord, TableParserState> = {
    ...conntrackTableParser,
    lineBytes(buf, start, end, lineNo, state) {
      const r = conntrackTableParser.lineBytes!(buf, start, end, lineNo, state);
      if (r !== undefined) n++;
      return r;
    },
  };
  return { parser, taken: () => n };
}

interface Outcome { records: TableRecord[]; account: unknown; state: unknown; format: string | null; error: string | null }

function run(parser: LineParser<TableRecord, TableParserState>, data: Buffer, block: number): Outcome {
  const records: TableRecord[] = [];
  let error: string | null = null;
  // plain records, made during the sink call (a fast-path entry reads its text from the block)
  const d = new LineDriver(parser, DEFAULT_CONTEXT, (r) => records.push(...plainRecords([r])));
  try {
    for (let i = 0; i < data.length; i += block) d.push(data.subarray(i, Math.min(data.length, i + block)));
    d.end();
  } catch (e) {
    error = (e as { code?: string }).code ?? String(e);
  }
  const { bytes: _bytes, ...state } = d.state;
  return { records, account: d.account, state, format: conntrackTableParser.format!(d.state), error };
}

function assertSame(data: Buffer, label: string): number {
  const want = run(stringOnly, data, data.length || 1);
  let taken = 0;
  for (const block of [data.length || 1, 4096, 97, 13]) {
    const c = counting();
    const got = run(c.parser, data, block);
    assert.deepStrictEqual(got, want, `${label} (blocks of ${block})`);
    if (block === (data.length || 1)) taken = c.taken();
  }
  return taken;
}

const FIXTURES = readdirSync(fixturePath('conntrack-table')).filter((f) => f.endsWith('.txt')).sort();

test('byte path = string path on every conntrack-table fixture', () => {
  assert.ok(FIXTURES.length >= 30);
  let taken = 0;
  for (const f of FIXTURES) taken += assertSame(readFixture('conntrack-table', f), f);
  // the fixtures are mostly odd shapes, but plain entry lines must take the byte path
  assert.ok(taken > 50, `byte path took ${taken} lines`);
});


function mixedCapture(seed: number, lines: number): string {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const v4 = (): string => pick(['192.0.2.', '198.51.100.', '203.0.113.'])! + String(Math.floor(r() * 256));
  const v6 = (): string => pick(['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0002', '2001:DB8:0:0::a', '2001:db8:ffff:21::2'])!;
  const odd = ['192.0.2.01', '192.0.2.256', '192.0.2', '1.2.3.4.5', 'x.y', '', '::ffff:192.0.2.1'];
  const out: string[] = [];
  for (let n = 0; n < lines; n++) {
    const six = r() < 0.1;
    const ip = (): string => (r() < 0.03 ? pick(odd) : six ? v6() : v4());
    const proto = pick(['tcp      6', 'udp      17', 'icmp     1', 'gre      47', 'sctp     132', 'weird    99', 'icmpv6   58']);
    const fam = r() < 0.4 ? `${six ? 'ipv6     10' : 'ipv4     2'} ` : '';
    const timeout = r() < 0.9 ? `${Math.floor(r() * 500000)} ` : '';
    const state = proto.startsWith('tcp') || proto.startsWith('sctp') ? `${pick(['ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'CLOSE', 'ÉTAT', 'NEW_STATE'])} ` : '';
    const a = ip(); const b = ip(); const c = ip(); const d = ip();
    const ports = proto.startsWith('icmp') ? ` type=8 code=0 id=${Math.floor(r() * 65536)}` : ` sport=${Math.floor(r() * 70000)} dport=${pick(['53', '443', '80', '0080', '99999999999999999', 'x'])}`;
    const rports = proto.startsWith('icmp') ? ` type=0 code=0 id=1` : ` sport=${Math.floor(r() * 65536)} dport=${Math.floor(r() * 65536)}`;
    const flag1 = r() < 0.2 ? ' [UNREPLIED]' : '';
    const flags = pick(['', ' [ASSURED]', ' [OFFLOAD]', ' [HW_OFFLOAD]', ' [ASSURED] [OFFLOAD]', ' [FASTNAT]']);
    const zone = pick(['', ' zone=0', ' zone=7', ' zone=12', ' zone=', ' zone-orig=3']);
    let line = `${fam}${proto} ${timeout}${state}src=${a} dst=${b}${ports}${flag1} src=${c} dst=${d}${rports}${flags} mark=0${zone} use=${pick(['1', '2'])}`;
    const shape = r();
    if (shape < 0.03) line = `${line}  `;                         // wrapped: trailing blanks
    else if (shape < 0.05) line = line.replace(' mark=', '\tmark=');  // tab between fields
    else if (shape < 0.07) line = line.slice(0, line.lastIndexOf(' src='));  // no reply tuple
    else if (shape < 0.09) line = `> > ${line}`;
    else if (shape < 0.11) line = ` [NEW] ${line}`;
    else if (shape < 0.12) line = `conntrack v1.4.6 (conntrack-tools): ${Math.floor(r() * 100)} flow entries have been shown.`;
    else if (shape < 0.13) line = '';
    else if (shape < 0.14) line = 'mark=0 use=1';
    else if (shape < 0.15) line = `root@host:~# conntrack -L${r() < 0.5 ? ' -p tcp' : ''}`;
    else if (shape < 0.16) line = `# ${line}`;
    else if (shape < 0.17) line = line.replace('src=', 'xsrc=');
    out.push(line);
  }
  return `${out.join(r() < 0.5 ? '\n' : '\r\n')}\n`;
}

test('byte path = string path on a generated mixed capture (seeded)', () => {
  for (const seed of [1, 7, 42]) {
    const taken = assertSame(Buffer.from(mixedCapture(seed, 3000), 'utf8'), `seed ${seed}`);
    assert.ok(taken > 1500, `seed ${seed}: byte path took ${taken} lines`);
  }
});

test('byte path: a plain entry gives the record a person reads', () => {
  const line = 'ipv4     2 tcp      6 117 TIME_WAIT src=192.0.2.2 dst=198.51.100.2 sport=50036 dport=80 src=198.51.100.2 dst=192.0.2.2 sport=80 dport=50036 [ASSURED] mark=0 zone=0 use=2\n';
  const c = counting();
  const { records, account } = parseText(c.parser, line);
  assert.equal(c.taken(), 1);
  assert.deepStrictEqual(account, { total: 1, parsed: 1, ignored: 0, malformed: 0, issues: [] });
  assert.equal(records.length, 1);
  const e = records[0]!;
  assert.equal(e.kind, 'conntrack-entry');
  if (e.kind !== 'conntrack-entry') return;
  assert.deepStrictEqual(
    [e.family, e.protocol, e.timeoutSec, e.state, e.origSrc, e.origDst, e.origSport, e.origDport, e.replySrc, e.replyDst, e.replySport, e.replyDport, e.assured, e.zone],
    ['ipv4', 'tcp', 117, 'TIME_WAIT', '192.0.2.2', '198.51.100.2', 50036, 80, '198.51.100.2', '192.0.2.2', 80, 50036, true, '0'],
  );
});

/** IPv6 texts of every form: plain, compressed, padded, upper case, and broken in every way. */
function v6Forms(seed: number, count: number): string[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: string[] = ['::', '::1', '1::', '::ffff:192.0.2.1', '2001:db8::1', '2001:DB8::A', 'fe80::1%eth0', ':::', '1:::2', '1::2::3', ':1::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7:', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7::', '12345::1', 'g::1', '0:0:0:0:0:0:0:0', '0000:0000:0000:0000:0000:0000:0000:0001', '1:0:0:2:0:0:0:3', '1:0:0:2:0:0:3:4', '::0:0:1', '1:2::'];
  for (let k = 0; k < count; k++) {
    const groups = Array.from({ length: 8 }, () => (r() < 0.4 ? 0 : Math.floor(r() * (r() < 0.5 ? 16 : 65536))));
    let text = groups.map((g) => {
      const h = g.toString(16);
      return r() < 0.2 ? h.padStart(4, '0') : r() < 0.2 ? h.toUpperCase() : h;
    });
    let s = text.join(':');
    if (r() < 0.6) {
      // compress some run of groups (zero or not: a non-zero run makes a different, still valid address)
      const a = Math.floor(r() * 8);
      const len = 1 + Math.floor(r() * (8 - a));
      text = [...text.slice(0, a), '', ...text.slice(a + len)];
      s = text.join(':');
      if (a === 0) s = `:${s}`;
      if (a + len === 8) s = `${s}:`;
    }
    const broken = r();
    if (broken < 0.05) s = `${s}:`;
    else if (broken < 0.1) s = s.replace(':', ':::');
    else if (broken < 0.13) s = `${s}x`;
    else if (broken < 0.16) s = `${s.slice(0, s.lastIndexOf(':') + 1)}192.0.2.${Math.floor(r() * 300)}`;
    else if (broken < 0.19) s = s.replace(/[0-9a-f]+/, '12345');
    else if (broken < 0.22) s = `${s}:${pick(['1', 'ffff', '0'])}`;
    else if (broken < 0.24) s = s.replace(':', '');
    out.push(s);
  }
  return out;
}

test('byte path = string path on IPv6 addresses of every form (the byte-level IPv6 reader)', () => {
  const lines = v6Forms(5, 3000).map((a, i) => `ipv6     10 tcp      6 ${i} ESTABLISHED src=${a} dst=2001:db8::${(i % 300).toString(16)} sport=1 dport=2 src=2001:db8::${(i % 7).toString(16)} dst=${a} sport=2 dport=1 [ASSURED] mark=0 use=1`);
  const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  const taken = assertSame(data, 'IPv6 forms');
  assert.ok(taken > 2500, `byte path took ${taken} lines`);
  // the canonical texts a person reads
  const { records } = parseText(conntrackTableParser, 'tcp 6 1 ESTABLISHED src=2001:0DB8:0000:0000:0000:0000:0000:0001 dst=::ffff:192.0.2.1 sport=1 dport=2 src=1:0:0:2:0:0:0:3 dst=0:0:0:0:0:0:0:0 sport=2 dport=1 mark=0 use=1\n');
  const e = records[0]!;
  assert.equal(e.kind, 'conntrack-entry');
  if (e.kind !== 'conntrack-entry') return;
  assert.deepStrictEqual([e.origSrc, e.origDst, e.replySrc, e.replyDst], ['2001:db8::1', '::ffff:c000:201', '1:0:0:2::3', '::']);
});
