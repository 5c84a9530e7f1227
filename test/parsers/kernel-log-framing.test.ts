/**
 * The kernel-log framing's fast path for the usual kern.log line (`usualSyslogKernel`, round 12 in
 * docs/PERFORMANCE.md): whenever it answers, its Frame is the one the patterns give
 * (`parseFrameByPatterns`), on seeded variations of every part of such a line and on every fixture line.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseFrame, parseFrameByPatterns, stripNoise, usualDmesgRaw, usualSyslogKernel } from '../../src/parsers/kernel-log/framing.js';
import { fixturePath, readFixture, seededRandom } from '../helpers.js';

/** A line assembled from variants of each part: mostly usual, often just off (a digit more, a blank less). */
function variant(rnd: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const usual = (): boolean => rnd() < 0.93;
  const month = usual() ? pick(['Jun', 'Jan', 'Dec', 'Sep']) : pick(['jun', 'JUN', 'Juni', 'Jun.', 'Ju', 'Jün', 'Mär', '123', 'Sept', 'Foo']);
  const gap = usual() ? pick([' ', '  ']) : pick(['', '   ', '\t', ' \t']);
  const day = usual() ? pick(['2', '12', '02', '31']) : pick(['', '123', '0', '00', '2a', '９']);
  const gap2 = usual() ? ' ' : pick(['', '  ', '\t']);
  const hour = usual() ? pick(['01', '23', '9']) : pick(['', '123', '1a', '001']);
  const min = usual() ? pick(['36', '00', '59']) : pick(['6', '360', 'x6', '']);
  const sec = usual() ? pick(['54', '00', '60']) : pick(['5', '540', '5x', '']);
  const frac = usual() ? '' : pick(['.123', '.123456', '.', '.1234567890', ',5']);
  const gap3 = usual() ? ' ' : pick(['  ', '', '\t', '   ']);
  const host = usual() ? pick(['web-07', 'db-1.example.com', 'gw', 'h']) : pick(['kern.warn', 'web-07:', ':', 'x:', 'a.b', 'kern.warning', 'host[1]', 'web-07.', '']);
  const gap4 = usual() ? ' ' : pick(['  ', '', '\t']);
  const tag = usual() ? 'kernel:' : pick(['kernel', 'kernel[0]:', 'kernelx:', 'Kernel:', 'kube-proxy[12]:', 'kernel::', 'systemd[1]:']);
  const gap5 = usual() ? ' ' : pick(['', '  ', '\t']);
  const up = usual()
    ? pick(['[1192794.478982] ', '[    2.091107] ', '[1.5]', '[ 0.000000] '])
    : pick(['', ': [1.5] ', ': ', '[12345678901.5] ', '[1.1234567890] ', '[1.] ', '[.5] ', '[1.5 ', '[  1234567890.123456789] ', '[1.5]  ', '[x] ', '[1,5] ']);
  const body = usual() ? pick(['nf_conntrack: table full, dropping packet', 'net_ratelimit: 246 callbacks suppressed']) : pick(['', ' lead', ':colon', 'x']);
  return `${month}${gap}${day}${gap2}${hour}:${min}:${sec}${frac}${gap3}${host}${gap4}${tag}${gap5}${up}${body}`;
}

/** A raw dmesg line from variants of its parts. */
function dmesgVariant(rnd: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const usual = (): boolean => rnd() < 0.85;
  const stamp = usual() ? pick(['[1186980.000023]', '[    2.091107]', '[0.5]', '[ 1465.133062]'])
    : pick(['[12345678901.5]', '[1.1234567890]', '[1.]', '[.5]', '[1.5', '[x]', '[1,5]', '1.5]', '[ ]', '[Tue Nov 20 22:30:22 2018]']);
  const gap = usual() ? ' ' : pick(['', '  ', '\t']);
  const first = usual() ? pick(['nf_conntrack:', 'eth0:', 'cni0:', 'TCP:', 'net_ratelimit:'])
    : pick(['web-07', 'kernel:', ':', 'x', '', 'nf_conntrack', 'web-07 kernel:', 'web-07 kube-proxy[1]:', 'host kern.warn kernel:']);
  const body = pick([' table full, dropping packet', ' 246 callbacks suppressed', '', ' renamed from tmp564b7f', ':', ' a: b']);
  return `${stamp}${gap}${first}${body}`;
}

describe('kernel-log framing: the usual raw dmesg line read by character tests', () => {
  it('answers exactly as the patterns do, whenever it answers (seeded variations)', () => {
    let answered = 0;
    let declined = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seededRandom(seed);
      for (let n = 0; n < 1000; n++) {
        const line = dmesgVariant(rnd);
        const fast = usualDmesgRaw(line);
        if (fast === null) declined++;
        else {
          answered++;
          assert.deepEqual(fast, parseFrameByPatterns(line, false), JSON.stringify(line));
          assert.deepEqual(fast, parseFrameByPatterns(line, true), JSON.stringify(line));
        }
        for (const journalSeen of [false, true]) assert.deepEqual(parseFrame(line, journalSeen), parseFrameByPatterns(line, journalSeen), JSON.stringify(line));
      }
    }
    assert.ok(answered > 5000 && declined > 2000, `answered ${answered}, declined ${declined}`);
  });
});

describe('kernel-log framing: the usual kern.log line read by character tests', () => {
  it('answers exactly as the patterns do, whenever it answers (seeded variations)', () => {
    let answered = 0;
    let declined = 0;
    const framings = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = seededRandom(seed);
      for (let n = 0; n < 1000; n++) {
        const line = variant(rnd);
        for (const journalSeen of [false, true]) {
          const fast = usualSyslogKernel(line, journalSeen);
          const want = parseFrameByPatterns(line, journalSeen);
          if (fast === null) {
            declined++;
          } else {
            answered++;
            framings.add(fast.framing);
            assert.deepEqual(fast, want, `${JSON.stringify(line)} (journalSeen ${journalSeen})`);
          }
          assert.deepEqual(parseFrame(line, journalSeen), want, JSON.stringify(line));
        }
      }
    }
    // both ways taken often, and both labels a fast answer can give
    assert.ok(answered > 5000 && declined > 5000, `answered ${answered}, declined ${declined}`);
    assert.deepEqual([...framings].sort(), ['journal-short', 'syslog']);
  });

  it('answers exactly as the patterns do on every kernel-log fixture line', () => {
    let answered = 0;
    for (const f of readdirSync(fixturePath('kernel-log')).filter((x) => x.endsWith('.txt'))) {
      for (const raw of readFixture('kernel-log', f).toString('utf8').split('\n')) {
        const line = stripNoise(raw.replace(/\r$/, ''));
        for (const journalSeen of [false, true]) {
          const fast = usualSyslogKernel(line, journalSeen) ?? usualDmesgRaw(line);
          if (fast !== null) answered++;
          assert.deepEqual(parseFrame(line, journalSeen), parseFrameByPatterns(line, journalSeen), `${f}: ${JSON.stringify(line)}`);
        }
      }
    }
    assert.ok(answered > 50, `answered ${answered}`);
  });

  it('reads the parts of a usual line', () => {
    assert.deepEqual(usualSyslogKernel('Jun  2 01:36:54 web-07 kernel: [1192794.478982] nf_conntrack: table full, dropping packet', false), {
      framing: 'syslog',
      wall: { t: 'fields', year: null, month: 5, day: 2, hour: 1, minute: 36, second: 54, fracMs: 0, offsetMin: null, zoneName: null },
      uptimeSec: 1192794.478982, host: 'web-07', source: 'kernel', body: 'nf_conntrack: table full, dropping packet',
    });
    // no uptime: a zero-padded day is journalctl's short format
    assert.equal(usualSyslogKernel('Jun 02 01:36:54 web-07 kernel: nf_conntrack: table full, dropping packet', false)?.framing, 'journal-short');
    assert.equal(usualSyslogKernel('Jun  2 01:36:54.5 web-07 kernel: x', false), null);
  });
});
