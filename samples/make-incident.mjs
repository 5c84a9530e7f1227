#!/usr/bin/env node
// Generates samples/incident-web-07/: one week of a small Ubuntu 18.04 VM (2 GiB RAM, kernel 4.15,
// nf_conntrack_max 65536, 16384 buckets) whose conntrack table filled four times. Every file tells the
// same story, so the numbers in ctdoctor's report can be checked against this script:
//   kern.log              syslog with [uptime] stamps, noise, drop bursts and net_ratelimit lines
//   dmesg.txt             raw dmesg taken at the end: the ring buffer kept only Nov 20 onwards
//   conntrack-usage.log   "YYYY-MM-DD HH:MM:SS count" every minute for the week
//   conntrack_-L.txt.gz   the full table captured on Nov 20 at 14:45 (during the third incident)
//   conntrack_-S.txt      counters at the end of the week
//   sysctl-a.txt, meminfo.txt, uname-a.txt   settings and host facts
//   date                  the `date` output at collection time (gives the year of syslog stamps)
// Deterministic (seeded PRNG); rerun with `node samples/make-incident.mjs` after changing it.
// Addresses are documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and 10.0.0.0/8.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'incident-web-07');
mkdirSync(OUT, { recursive: true });

let seed = 20261120;
const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
const pick = (a) => a[Math.floor(rand() * a.length)];

const HOST = 'web-07';
const MAX = 65536;
const BOOT = Date.UTC(2026, 10, 2, 6, 12, 40, 318); // Nov 2 06:12:40.318 UTC
const WEEK0 = Date.UTC(2026, 10, 16, 0, 0, 0);
const MIN = 60_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, w = 2) => String(n).padStart(w, '0');

// Incidents: [start of ramp, first minute at max, last minute at max (inclusive), end of recovery]
const at = (d, h, m) => Date.UTC(2026, 10, d, h, m);
const INCIDENTS = [
  [at(17, 20, 10), at(17, 20, 19), at(17, 20, 25), at(17, 20, 40)],
  [at(18, 8, 4), at(18, 8, 10), at(18, 8, 12), at(18, 8, 25)],
  [at(20, 14, 30), at(20, 14, 41), at(20, 14, 52), at(20, 15, 10)],
  [at(21, 17, 28), at(21, 17, 34), at(21, 17, 35), at(21, 17, 50)],
];
const NEAR_MISS = [at(19, 11, 0), at(19, 11, 20), at(19, 11, 40)]; // up to ~92 %, no drops

function baseline(t) {
  const hour = ((t - WEEK0) / 3_600_000) % 24;
  const diurnal = Math.sin(((hour - 8) / 24) * 2 * Math.PI); // peak mid-afternoon
  return 21000 + 9000 * diurnal + (rand() - 0.5) * 2400;
}

function countAt(t) {
  for (const [a, b, c, d] of INCIDENTS) {
    if (t >= a && t < b) return Math.round(baseline(t) + (MAX - baseline(t)) * ((t - a) / (b - a)) ** 1.5);
    if (t >= b && t <= c) return MAX;
    if (t > c && t < d) return Math.min(MAX, Math.round(MAX - (MAX - baseline(t)) * ((t - c) / (d - c)) ** 0.7));
  }
  const [a, b, c] = NEAR_MISS;
  if (t >= a && t <= c) {
    const peak = 60300;
    const f = t <= b ? (t - a) / (b - a) : (c - t) / (c - b);
    return Math.round(baseline(t) + (peak - baseline(t)) * f);
  }
  return Math.round(baseline(t));
}

// ---------------------------------------------------------------- usage timeline
const usage = [];
for (let t = WEEK0; t < WEEK0 + 7 * 24 * 60 * MIN; t += MIN) {
  const d = new Date(t);
  // the loop runs `sleep 60`, so stamps drift by a second or two now and then
  const s = (t / MIN) % 17 === 0 ? 1 : 0;
  usage.push(`${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(s)} ${countAt(t)}`);
}
// the loop died for 25 minutes on Nov 19 (a gap) — remove those samples
const gapStart = usage.findIndex((l) => l.startsWith('2026-11-19 03:10'));
usage.splice(gapStart, 25);
writeFileSync(join(OUT, 'conntrack-usage.log'), usage.join('\n') + '\n');

// ---------------------------------------------------------------- kernel log lines
const events = []; // { t (ms), text }
const NOISE = [
  'IPv6: ADDRCONF(NETDEV_CHANGE): veth3f2a1c9: link becomes ready',
  'docker0: port 2(veth3f2a1c9) entered forwarding state',
  'docker0: port 2(veth3f2a1c9) entered blocking state',
  'EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro',
  'audit: type=1400 audit(1763300000.120:88): apparmor="STATUS" operation="profile_replace" profile="unconfined" name="docker-default" pid=2231 comm="apparmor_parser"',
  'TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.',
  'ena 0000:00:05.0 eth0: Found a Tx that wasn\'t completed on time, qid 2, index 147.',
];
for (let t = WEEK0; t < WEEK0 + 7 * 24 * 3_600_000; t += Math.floor(20 * MIN + rand() * 60 * MIN)) {
  events.push({ t, text: pick(NOISE) });
}
let totalDrops = 0;
let loggedDrops = 0;
let suppressedLogged = 0;
for (const [, b, c] of INCIDENTS) {
  const start = b - 40_000 + Math.floor(rand() * 20_000); // drops begin shortly before the minute sampled at max
  const end = c + 50_000 + Math.floor(rand() * 9_000);
  let pending = 0;
  for (let w = start; w < end; w += 5000) {
    const rate = 250 + Math.floor(rand() * 500); // drops per second in this window
    const n = Math.min(rate * 5, Math.floor(((end - w) / 1000) * rate));
    totalDrops += n;
    // first message allowed in a new window prints how many the previous window suppressed
    if (pending > 0) {
      events.push({ t: w, text: `net_ratelimit: ${pending} callbacks suppressed` });
      suppressedLogged += pending;
    }
    const logged = Math.min(10, n);
    for (let i = 0; i < logged; i++) events.push({ t: w + 1 + i * 7 + Math.floor(rand() * 5), text: 'nf_conntrack: table full, dropping packet' });
    loggedDrops += logged;
    pending = n - logged;
  }
  if (pending > 0) {
    // printed late, at the next network message after the window (here 2 minutes later: unattributed? no,
    // within the gap of 60 s we print it 30 s after the burst)
    events.push({ t: end + 30_000, text: `net_ratelimit: ${pending} callbacks suppressed` });
    suppressedLogged += pending;
  }
}
events.sort((a, b) => a.t - b.t);

const sysStamp = (t) => {
  const d = new Date(t);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
const uptime = (t) => {
  const us = Math.round((t - BOOT) * 1000) + 137; // kernel stamps carry microseconds
  return `${Math.floor(us / 1e6)}.${pad(us % 1e6, 6)}`;
};
const kern = [];
for (const e of events) kern.push(`${sysStamp(e.t)} ${HOST} kernel: [${uptime(e.t).padStart(12)}] ${e.text}`);
writeFileSync(join(OUT, 'kern.log'), kern.join('\n') + '\n');

// dmesg at the end of the week: the ring buffer held Nov 20 00:00 onwards
const DMESG_FROM = at(20, 0, 0);
const dmesg = events.filter((e) => e.t >= DMESG_FROM).map((e) => `[${uptime(e.t).padStart(12)}] ${e.text}`);
writeFileSync(join(OUT, 'dmesg.txt'), dmesg.join('\n') + '\n');

// ---------------------------------------------------------------- conntrack -L at Nov 20 14:45
const CLIENTS = Array.from({ length: 400 }, (_, i) => `203.0.113.${(i % 250) + 1}`.replace(/\.(\d+)$/, (m, x) => `.${x}`));
const HEAVY = '198.51.100.23';
const SELF = '192.0.2.10';
const lines = [];
const entries = MAX;
for (let i = 0; i < entries; i++) {
  const r = rand();
  const client = rand() < 0.09 ? HEAVY : pick(CLIENTS);
  const sport = 1024 + Math.floor(rand() * 60000);
  const id = 3000000000 + i;
  if (r < 0.58) {
    const to = 1 + Math.floor(rand() * 119);
    lines.push(`tcp      6 ${to} TIME_WAIT src=${client} dst=${SELF} sport=${sport} dport=443 src=${SELF} dst=${client} sport=443 dport=${sport} [ASSURED] mark=0 use=1`);
  } else if (r < 0.83) {
    const idle = Math.floor(rand() ** 3 * 400000);
    const port = rand() < 0.8 ? 443 : 80;
    lines.push(`tcp      6 ${432000 - idle} ESTABLISHED src=${client} dst=${SELF} sport=${sport} dport=${port} src=${SELF} dst=${client} sport=${port} dport=${sport} [ASSURED] mark=0 use=1`);
  } else if (r < 0.87) {
    const to = 1 + Math.floor(rand() * 119);
    lines.push(`tcp      6 ${to} SYN_SENT src=10.0.3.${2 + (i % 40)} dst=198.51.100.${40 + (i % 3)} sport=${sport} dport=5432 [UNREPLIED] src=198.51.100.${40 + (i % 3)} dst=${SELF} sport=5432 dport=${sport} mark=0 use=1`);
  } else if (r < 0.97) {
    const to = 1 + Math.floor(rand() * 29);
    lines.push(`udp      17 ${to} src=10.0.3.${2 + (i % 40)} dst=10.0.0.2 sport=${sport} dport=53 src=10.0.0.2 dst=${SELF} sport=53 dport=${sport} mark=0 use=1`);
  } else if (r < 0.98) {
    lines.push(`icmp     1 ${1 + Math.floor(rand() * 29)} src=${client} dst=${SELF} type=8 code=0 id=${i % 65536} src=${SELF} dst=${client} type=0 code=0 id=${i % 65536} mark=0 use=1`);
  } else {
    const to = 1 + Math.floor(rand() * 59);
    lines.push(`tcp      6 ${to} CLOSE_WAIT src=${client} dst=${SELF} sport=${sport} dport=443 src=${SELF} dst=${client} sport=443 dport=${sport} [ASSURED] mark=0 use=1`);
  }
}
lines.push(`conntrack v1.4.4 (conntrack-tools): ${entries} flow entries have been shown.`);
writeFileSync(join(OUT, 'conntrack_-L.txt.gz'), gzipSync(lines.join('\n') + '\n', { level: 9, mtime: 0 }));

// ---------------------------------------------------------------- counters, settings, facts
const dropCounter = totalDrops + 1_204; // 1,204 drops before the week (since the module loaded)
const insertFailed = 37;
const perCpu = [0.27, 0.24, 0.26, 0.23];
let left = dropCounter + insertFailed;
const rows = perCpu.map((f, cpu) => {
  const drop = cpu === perCpu.length - 1 ? left : Math.round((dropCounter + insertFailed) * f);
  left -= drop;
  return `cpu=${cpu}   \tfound=${31200 + cpu * 17} invalid=${812 + cpu * 3} ignore=0 insert=0 insert_failed=${cpu === 1 ? insertFailed : 0} drop=${drop} early_drop=0 error=${cpu} search_restart=${10 + cpu} `;
});
writeFileSync(join(OUT, 'conntrack_-S.txt'), rows.join('\n') + '\n');

writeFileSync(join(OUT, 'sysctl-a.txt'), [
  'net.core.somaxconn = 4096',
  'net.ipv4.ip_forward = 1',
  'net.ipv4.tcp_fin_timeout = 60',
  'net.ipv4.tcp_syncookies = 1',
  'net.netfilter.nf_conntrack_acct = 0',
  'net.netfilter.nf_conntrack_buckets = 16384',
  'net.netfilter.nf_conntrack_checksum = 1',
  `net.netfilter.nf_conntrack_count = 23817`,
  'net.netfilter.nf_conntrack_events = 1',
  'net.netfilter.nf_conntrack_expect_max = 256',
  'net.netfilter.nf_conntrack_generic_timeout = 600',
  'net.netfilter.nf_conntrack_icmp_timeout = 30',
  `net.netfilter.nf_conntrack_max = ${MAX}`,
  'net.netfilter.nf_conntrack_tcp_timeout_close = 10',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait = 60',
  'net.netfilter.nf_conntrack_tcp_timeout_established = 432000',
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait = 120',
  'net.netfilter.nf_conntrack_tcp_timeout_last_ack = 30',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_recv = 60',
  'net.netfilter.nf_conntrack_tcp_timeout_syn_sent = 120',
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait = 120',
  'net.netfilter.nf_conntrack_udp_timeout = 30',
  'net.netfilter.nf_conntrack_udp_timeout_stream = 180',
  `net.nf_conntrack_max = ${MAX}`,
  'vm.swappiness = 60',
].join('\n') + '\n');
writeFileSync(join(OUT, 'meminfo.txt'), 'MemTotal:        2041236 kB\nMemFree:          171204 kB\nMemAvailable:     903112 kB\n');
// `date` as a sosreport keeps it: the year of the year-less syslog stamps, whenever the sample is cloned
writeFileSync(join(OUT, 'date'), 'Sun Nov 22 23:59:59 UTC 2026\n');
writeFileSync(join(OUT, 'uname-a.txt'), `Linux ${HOST} 4.15.0-213-generic #224-Ubuntu SMP Mon Jun 19 13:30:12 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux\n`);

// The truth, for the README and the tests (they count independently from the files).
writeFileSync(join(OUT, '..', 'incident-web-07.truth.json'), JSON.stringify({
  host: HOST, max: MAX, incidents: INCIDENTS.length, totalDrops, loggedDrops, suppressedLogged,
  dropCounter, insertFailed, captureEntries: entries, usageSamples: usage.length,
}, null, 2) + '\n');
console.log(`wrote ${OUT}: ${kern.length} kern.log lines, ${dmesg.length} dmesg lines, ${usage.length} samples, ${entries} entries; drops ${totalDrops} (logged ${loggedDrops})`);
