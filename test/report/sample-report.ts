/**
 * Hand-built Reports for the renderer tests (not a test file itself). `sampleReport()` follows
 * /work/briefs/sample-report.json (the sample incident on web-07: 4 drop bursts, the table at max 65,536)
 * with the `table`, `recommendations` and `summary` sections filled in by hand; `hostileReport()` is the
 * same with log text that tries to act on every output target.
 * Addresses are from 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32.
 */
import type { Burst, Finding, HostReport, InputReport, Recommendations, Report, TableSection, TimelineSection } from '../../src/model/report.js';

const obj = <T>(o: Record<string, T>): Record<string, T> => Object.assign(Object.create(null) as Record<string, T>, o);

export const HOSTILE = {
  script: '<script>window.__pwned=1</script>',
  ansi: '\u001b[31mRED\u001b[0m',
  pre: '</pre><b>bold</b>',
  bidi: 'evil\u202Egnp.exe',
  fence: '```\n# broke out\n```',
  command: '::error::pwned',
  xmlBad: 'nul\u0000here\uFFFEend',
} as const;

const BURSTS: readonly Burst[] = [
  { start: '2026-11-17T20:18:23Z', end: '2026-11-17T20:25:48Z', startUptime: null, endUptime: null, logged: 900, suppressed: 218866, peakPerMinute: 120, path: 'samples/incident-web-07/kern.log', line: 55, atMax: true },
  { start: '2026-11-18T08:09:29Z', end: '2026-11-18T08:12:49Z', startUptime: null, endUptime: null, logged: 410, suppressed: 102685, peakPerMinute: 120, path: 'samples/incident-web-07/kern.log', line: 1057, atMax: true },
  { start: '2026-11-20T14:40:39Z', end: '2026-11-20T14:52:49Z', startUptime: null, endUptime: null, logged: 1470, suppressed: 352526, peakPerMinute: 120, path: 'samples/incident-web-07/kern.log', line: 1574, atMax: true },
  { start: '2026-11-21T17:33:30Z', end: '2026-11-21T17:35:55Z', startUptime: null, endUptime: null, logged: 300, suppressed: 73644, peakPerMinute: 120, path: 'samples/incident-web-07/kern.log', line: 3225, atMax: true },
];

/** Drops per minute of the sample incident (28 minutes, 3,080 drops). */
const PER_MINUTE: readonly [string, number][] = [
  ['2026-11-17T20:18', 80], ['2026-11-17T20:19', 120], ['2026-11-17T20:20', 120], ['2026-11-17T20:21', 120], ['2026-11-17T20:22', 120],
  ['2026-11-17T20:23', 120], ['2026-11-17T20:24', 120], ['2026-11-17T20:25', 100],
  ['2026-11-18T08:09', 70], ['2026-11-18T08:10', 120], ['2026-11-18T08:11', 120], ['2026-11-18T08:12', 100],
  ['2026-11-20T14:40', 50], ['2026-11-20T14:41', 120], ['2026-11-20T14:42', 120], ['2026-11-20T14:43', 120], ['2026-11-20T14:44', 120],
  ['2026-11-20T14:45', 120], ['2026-11-20T14:46', 120], ['2026-11-20T14:47', 120], ['2026-11-20T14:48', 120], ['2026-11-20T14:49', 120],
  ['2026-11-20T14:50', 120], ['2026-11-20T14:51', 120], ['2026-11-20T14:52', 100],
  ['2026-11-21T17:33', 60], ['2026-11-21T17:34', 120], ['2026-11-21T17:35', 120],
];

/**
 * A week of samples every 20 minutes (504 points): a daily wave around 21,000 entries that climbs to the
 * max 65,536 during each burst. Deterministic (no randomness).
 */
function series(): { at: string; count: number }[] {
  const start = Date.parse('2026-11-16T00:00:00Z');
  const out: { at: string; count: number }[] = [];
  for (let i = 0; i < 504; i++) {
    const t = start + i * 20 * 60e3;
    const day = ((t / 3600e3) % 24) / 24;
    let count = Math.round(21000 + 7000 * Math.sin(2 * Math.PI * (day - 0.3)) + ((i * 7919) % 1500));
    for (const b of BURSTS) {
      const s = Date.parse(b.start!);
      const e = Date.parse(b.end!);
      if (t >= s - 40 * 60e3 && t < s) count = Math.round(count + (65536 - count) * (1 - (s - t) / (40 * 60e3)));
      if (t >= s && t <= e + 20 * 60e3) count = 65536;
    }
    out.push({ at: new Date(t).toISOString().replace('.000Z', 'Z'), count });
  }
  return out;
}

function timeline(): TimelineSection {
  return {
    samples: 10055, undatedSamples: 0, start: '2026-11-16T00:00:00Z', end: '2026-11-22T23:59:00Z', intervalSeconds: 60,
    peak: { count: 65536, at: '2026-11-17T20:19:00Z', path: 'samples/incident-web-07/conntrack-usage.log', line: 2660 },
    min: 10814, mean: 21322.27, median: 21092, p95: 30265.7, p99: 37855.76, stddev: 7197.8, max: 65536,
    maxSource: 'samples/incident-web-07/sysctl-a.txt:24',
    aboveThreshold: { 75: 3599, 80: 3060, 90: 1741, 100: 1440 },
    gaps: [{ start: '2026-11-19T03:09:00Z', end: '2026-11-19T03:35:00Z', seconds: 1560 }],
    resets: [], trendPerDay: 168.77, fullAt: '2027-08-08T11:31:44Z',
    series: series(),
  };
}

function tableSection(): TableSection {
  return {
    entries: 65536, declaredEntries: 65536,
    byFamily: obj({ ipv4: 62259, ipv6: 3277 }),
    byProtocol: obj({ tcp: 55706, udp: 8520, icmp: 1310 }),
    byState: obj({ TIME_WAIT: 38011, ESTABLISHED: 13107, SYN_SENT: 3277, CLOSE_WAIT: 1311 }),
    flags: { assured: 50000, unreplied: 9830, offload: 0 }, earlyDroppable: 9830, nat: 19661, zones: obj({ 0: 65536 }),
    topSources: [{ ip: '192.0.2.60', count: 5571, share: 0.085 }, { ip: '2001:db8:ffff:21::2', count: 2254, share: 0.0344 }, { ip: '203.0.113.9', count: 1200, share: 0.0183 }],
    topDestinations: [{ ip: '198.51.100.10', count: 30284, share: 0.4621 }],
    topDestinationPorts: [{ protocol: 'tcp', port: 443, count: 30284, share: 0.4621 }, { protocol: 'udp', port: 53, count: 7510, share: 0.1146 }],
    topPairs: [{ src: '192.0.2.60', dst: '198.51.100.10', protocol: 'tcp', port: 443, count: 5000, share: 0.0763 }],
    approximate: false, partial: false,
    timeouts: obj({ TIME_WAIT: { entries: 38011, idleOverHour: 0, idleOverDay: 0 } }),
    events: 0, path: 'samples/incident-web-07/conntrack_-L.txt',
  };
}

function recommendations(): Recommendations {
  return {
    nf_conntrack_max: { current: 65536, recommended: 131072, reason: 'demand reached the max 4 times (censored at 65,536)' },
    nf_conntrack_buckets: { current: 16384, recommended: 131072, reason: 'kernel 4.15: buckets = max / 1 keeps chains short' },
    memoryBytes: 41943040, memoryShareOfRam: 0.0201, overBudget: false,
    timeouts: obj({ nf_conntrack_tcp_timeout_time_wait: { current: 120, recommended: 30, reason: 'TIME_WAIT holds 58 % of entries', frees: 28508 } }),
    notrack: [], rateLimits: [], synCookies: true, kubeProxy: null,
    sysctlFile: '# /etc/sysctl.d/90-conntrack.conf (ctdoctor)\nnet.netfilter.nf_conntrack_max = 131072\nnet.netfilter.nf_conntrack_tcp_timeout_time_wait = 30\n',
    persistence: 'echo "options nf_conntrack hashsize=131072" > /etc/modprobe.d/nf_conntrack.conf\nsysctl --system\n',
    assumptions: ['entry size 320 bytes (kernel 4.15, x86_64)'],
  };
}

function input(path: string, kind: InputReport['kind'], format: string, lines: [number, number, number, number], dropLines = 0): InputReport {
  return { path, host: 'web-07', kind, format, status: 'parsed', reason: null, lines: { total: lines[0], parsed: lines[1], ignored: lines[2], malformed: lines[3] }, issues: [], dropLines };
}

const INPUTS: readonly InputReport[] = [
  input('samples/incident-web-07/kern.log', 'kernel-log', 'syslog', [3594, 3423, 171, 0], 3080),
  input('samples/incident-web-07/dmesg.txt', 'kernel-log', 'dmesg-raw', [2037, 1966, 71, 0], 1770),
  input('samples/incident-web-07/conntrack-usage.log', 'count-timeline', 'classic', [10055, 10055, 0, 0]),
  input('samples/incident-web-07/sysctl-a.txt', 'sysctl', 'sysctl', [25, 20, 5, 0]),
  input('samples/incident-web-07/conntrack_-S.txt', 'conntrack-stats', 'conntrack-S', [4, 4, 0, 0]),
];

const FINDINGS: readonly Finding[] = [
  {
    id: 'table-at-max', severity: 'error', host: 'web-07',
    message: 'the conntrack table was full: 65,536 entries of max 65,536 (2026-11-17T20:19:00Z); 24m at max',
    evidence: [{ path: 'samples/incident-web-07/conntrack-usage.log', line: 2660, text: '2026-11-17 20:19:00 65536' }],
  },
  {
    id: 'table-full-drops', severity: 'error', host: 'web-07',
    message: '3,080 "table full" drops logged in 4 bursts (2026-11-17T20:18:23Z to 2026-11-21T17:35:55Z), 747,721 more suppressed by rate limiting',
    evidence: [
      { path: 'samples/incident-web-07/kern.log', line: 55, text: 'nf_conntrack: table full, dropping packet' },
      { path: 'samples/incident-web-07/kern.log', line: 1057, text: 'nf_conntrack: table full, dropping packet' },
    ],
  },
  {
    id: 'drop-counter', severity: 'warning', host: 'web-07',
    message: 'drop counter is 752,042 in samples/incident-web-07/conntrack_-S.txt',
    evidence: [{ path: 'samples/incident-web-07/conntrack_-S.txt', line: 1, text: 'cpu=0   \tfound=31200 invalid=812 drop=203051' }],
  },
  {
    id: 'drops-suppressed', severity: 'info', host: 'web-07',
    message: 'rate limiting hid 747,721 messages: the log shows 0.4 % of the drops it reports (3,080 logged)',
    evidence: [{ path: 'samples/incident-web-07/kern.log', line: 65, text: 'net_ratelimit: 1240 callbacks suppressed' }],
  },
];

export const SUMMARY = 'The conntrack table on web-07 hit its limit (65,536) 4 times between Nov 17 20:18 and Nov 21 17:35 UTC, 24 minutes in all. The kernel logged 3,080 drops and suppressed 747,721 more. TIME_WAIT entries (58 %) and one client, 192.0.2.60 (8.5 %), filled the table. Raise nf_conntrack_max to 131,072 and shorten TIME_WAIT to 30 s.';

function host(): HostReport {
  return {
    name: 'web-07',
    drops: {
      logged: 3080, suppressed: 747721, suppressedUnattributed: 0, undated: 0,
      first: '2026-11-17T20:18:23Z', last: '2026-11-21T17:35:55Z', firstUptime: null, lastUptime: null,
      perMinute: PER_MINUTE.map(([m, n]) => ({ minute: `${m}:00Z`, logged: n })),
      bursts: BURSTS,
    },
    events: [
      { type: 'syn-flood', at: '2026-11-16T02:01:58Z', uptime: 1194558.567137, text: 'TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.', path: 'samples/incident-web-07/kern.log', line: 4 },
    ],
    eventCounts: obj({ 'syn-flood': 35 }),
    correlation: {
      clock: { anchor: 'samples/incident-web-07/kern.log', bootTime: '2026-11-02T06:12:40.317Z' }, sources: [],
      dropsLogged: 3080, dropsSuppressed: 747721, dropsCounter: null, dropsCounterKind: null, dropsUnloggedEstimate: null,
      burstsAtMax: 4, burstsBelowMax: 0, clockOffsetSeconds: null,
    },
    settings: obj({
      'net.netfilter.nf_conntrack_buckets': 16384, 'net.netfilter.nf_conntrack_count': 23817, 'net.netfilter.nf_conntrack_max': 65536,
      'net.netfilter.nf_conntrack_tcp_timeout_established': 432000, 'net.netfilter.nf_conntrack_tcp_timeout_time_wait': 120,
    }),
    facts: { hostname: 'web-07', kernel: '4.15.0-213-generic', memTotalBytes: 2090225664, cpus: 4, entryBytes: 320 },
    timeline: timeline(),
    table: tableSection(),
    counters: { cpus: 4, totals: obj({ found: 124902, invalid: 3266, insert_failed: 37, drop: 752042, early_drop: 0 }), perCpu: [], path: 'samples/incident-web-07/conntrack_-S.txt' },
    recommendations: recommendations(),
    summary: SUMMARY,
  };
}

/** The sample incident on web-07, every section present. */
export function sampleReport(): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ctdoctor', version: '1.0.0' },
    run: {
      options: obj<unknown>({ burstGapSeconds: 60, tz: 'UTC', year: 2026 }),
      assumptions: ['samples/incident-web-07/kern.log: syslog stamps read as UTC (they carry no zone; pass --tz to change)'],
      complete: true,
    },
    inputs: INPUTS,
    hosts: [host()],
    findings: FINDINGS,
    skips: [{ id: 'timeline-gaps', host: 'web-07', reason: 'needs countSamples' }],
  };
}

/** The sample with hostile log text in evidence, messages, issues, events, summary and the sysctl file. */
export function hostileReport(): Report {
  const r = sampleReport();
  const h = r.hosts[0]!;
  const all = Object.values(HOSTILE).join(' ');
  return {
    ...r,
    inputs: [
      ...r.inputs,
      {
        ...r.inputs[0]!, path: `samples/${HOSTILE.bidi}/kern.log`, dropLines: 0,
        lines: { total: 3, parsed: 1, ignored: 0, malformed: 2 },
        issues: [{ line: 2, code: 'unparsed', text: `${HOSTILE.script} ${HOSTILE.ansi}` }, { line: 3, code: 'unparsed', text: `${HOSTILE.pre} ${HOSTILE.command}` }],
      },
    ],
    hosts: [{
      ...h,
      summary: `${SUMMARY} ${HOSTILE.script}`,
      events: [...h.events, { type: 'other', at: null, uptime: 12.5, text: all, path: 'samples/incident-web-07/kern.log', line: 9 }],
      recommendations: { ...h.recommendations!, sysctlFile: `${h.recommendations!.sysctlFile}# ${HOSTILE.fence}\n# ${HOSTILE.pre}\n` },
    }],
    findings: [
      ...r.findings,
      {
        id: 'table-full-drops', severity: 'warning', host: 'web-07',
        message: `hostile: ${HOSTILE.script} 100% done\r\n${HOSTILE.command}`,
        evidence: [{ path: 'samples/incident-web-07/kern.log', line: 77, text: all }],
      },
    ],
  };
}
