/**
 * Seeded, deterministic generator of benchmark inputs and their true counts (issue 7).
 *
 * Writes into bench/data/<scale>-<seed>-v<GEN_VERSION>/:
 *   conntrack-L-1m.txt / conntrack-L-2m.txt      `conntrack -L` captures (1,048,576 and 2,097,152 entries at scale 1)
 *   proc-nf_conntrack-1m.txt / -2m.txt           /proc/net/nf_conntrack (`ipv4     2 tcp      6 ...`, IPv6 fully expanded)
 *   kern.log                                     5M syslog lines `Nov 17 20:18:28 web-07 kernel: [1346748.483137] ...`
 *   dmesg.txt                                    5M raw dmesg lines `[1346748.483137] ...`
 *   journal.json                                 2M `journalctl -o json` lines (some MESSAGE byte arrays, some \u escapes)
 *   usage.log                                    525,600 per-minute samples `2025-03-01 00:00:00 123456`
 *   truth.json                                   what a correct analysis must find in each file
 * and, each with its own truth file beside the set (made on demand, never regenerating the set):
 *   long-line.log                                a kern.log with one 200 MB line (issue 8)
 *   drops-week.log                               a week of a full table: a drop line every second (604,800)
 *
 * Every number in truth.json is counted here while writing, from the same values that are printed, so
 * the runner can compare ctdoctor's JSON with it. Generation is cached: a directory whose truth.json
 * carries the same parameters is reused.
 */
import { seededRandom } from '../src/util/random.js';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the shape of the data changes (invalidates caches). */
export const GEN_VERSION = 4;

export interface GenParams {
  readonly scale: number;
  readonly seed: number;
}

/** Truth for one table capture. */
export interface TableTruth {
  readonly entries: number;
  readonly declaredEntries: number | null;
  readonly byFamily: Record<string, number>;
  readonly byProtocol: Record<string, number>;
  readonly byState: Record<string, number>;
  readonly flags: { readonly assured: number; readonly unreplied: number; readonly offload: number };
  readonly nat: number;
  readonly zones: Record<string, number>;
  /** The 10 largest sources (count desc, then ip asc), as ctdoctor orders them. */
  readonly topSources: readonly { readonly ip: string; readonly count: number }[];
  readonly lines: number;
}

/** Truth for one kernel log (kern.log, dmesg, journal). */
export interface KernelTruth {
  readonly lines: number;
  readonly dropLines: number;
  readonly suppressed: number;
  readonly bursts: readonly { readonly logged: number; readonly suppressed: number }[];
  readonly peakPerMinute: number;
}

/** Truth for the usage timeline. */
export interface TimelineTruth {
  readonly lines: number;
  readonly samples: number;
  readonly peak: { readonly count: number; readonly at: string };
  readonly min: number;
  readonly mean: number;
}

export interface Truth {
  readonly params: GenParams & { readonly version: number };
  readonly files: {
    readonly [name: string]: { readonly kind: 'table'; readonly truth: TableTruth }
      | { readonly kind: 'kernel'; readonly truth: KernelTruth }
      | { readonly kind: 'timeline'; readonly truth: TimelineTruth };
  };
}

// ------------------------------------------------------------------ seeded PRNG (mulberry32)

/** A small seeded PRNG (mulberry32, src/util/random.ts): same seed, same bytes on every machine. */
export const prng = seededRandom;

/** Buffered writer: strings gathered into ~4 MiB pieces, written synchronously. */
class Out {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  lines = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  line(s: string): void {
    this.parts.push(s);
    this.size += s.length + 1;
    this.lines++;
    if (this.size > 4 * 1024 * 1024) this.flush();
  }
  private flush(): void {
    if (this.parts.length === 0) return;
    this.parts.push('');
    writeSync(this.fd, this.parts.join('\n'));
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function bump(m: Record<string, number>, k: string, n = 1): void {
  m[k] = (m[k] ?? 0) + n;
}

/** A discrete distribution from weights: pick(r) with r in [0,1). */
function weighted<T>(items: readonly (readonly [T, number])[]): (r: number) => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const [, w] of items) cum.push((acc += w) / total);
  return (r) => {
    for (let i = 0; i < cum.length; i++) if (r < cum[i]!) return items[i]![0];
    return items[items.length - 1]![0];
  };
}

/** Zipf(s) over n ranks via a cumulative table and binary search. */
function zipf(n: number, s: number): (r: number) => number {
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cum[i] = acc += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cum[i]! /= acc;
  return (r) => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

// ------------------------------------------------------------------ conntrack captures

const TCP_STATES = weighted<string>([
  ['TIME_WAIT', 40], ['ESTABLISHED', 36], ['SYN_SENT', 7], ['CLOSE_WAIT', 5], ['FIN_WAIT', 3],
  ['CLOSE', 4], ['SYN_RECV', 2], ['LAST_ACK', 3],
]);
const TCP_TIMEOUT_MAX: Record<string, number> = {
  TIME_WAIT: 120, ESTABLISHED: 432000, SYN_SENT: 120, CLOSE_WAIT: 60, FIN_WAIT: 120, CLOSE: 10, SYN_RECV: 60, LAST_ACK: 30,
};
const TCP_PORTS = weighted<number>([[443, 45], [80, 18], [8080, 10], [5432, 6], [6379, 6], [9090, 3], [0, 12]]);
const UDP_PORTS = weighted<number>([[53, 82], [123, 4], [4789, 4], [0, 10]]);

function ipv6Full(groups: readonly number[]): string {
  return groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
}

/** Canonical RFC 5952 text of the 2001:db8:0:1::/64 addresses generated here (last group non-zero). */
function ipv6Short(last: number): string {
  return `2001:db8:0:1::${last.toString(16)}`;
}

const SOURCE_POOL = 40_000;
const V6_POOL = 2_000;
const NODE_IP = '192.0.2.10';

function writeCapture(path: string, entries: number, proc: boolean, seed: number): TableTruth {
  const rnd = prng(seed);
  const pickSrc = zipf(SOURCE_POOL, 1.05);
  const pickV6 = zipf(V6_POOL, 1.0);
  const out = new Out(path);
  const byFamily: Record<string, number> = Object.create(null) as Record<string, number>;
  const byProtocol: Record<string, number> = Object.create(null) as Record<string, number>;
  const byState: Record<string, number> = Object.create(null) as Record<string, number>;
  const zones: Record<string, number> = Object.create(null) as Record<string, number>;
  const sources = new Map<string, number>();
  let assured = 0, unreplied = 0, nat = 0;
  for (let n = 0; n < entries; n++) {
    const v6 = rnd() < 0.05;
    const pr = rnd();
    const protocol = v6 ? (pr < 0.75 ? 'tcp' : 'udp') : pr < 0.66 ? 'tcp' : pr < 0.95 ? 'udp' : pr < 0.99 ? 'icmp' : 'gre';
    const pnum = protocol === 'tcp' ? 6 : protocol === 'udp' ? 17 : protocol === 'icmp' ? 1 : 47;
    let src: string, dst: string, rsrc: string, rdst: string, key: string;
    if (v6) {
      const i = pickV6(rnd()) + 1;
      const j = 1 + Math.floor(rnd() * 200);
      key = ipv6Short(i);
      if (proc) {
        src = ipv6Full([0x2001, 0xdb8, 0, 1, 0, 0, 0, i]);
        dst = ipv6Full([0x2001, 0xdb8, 0, 2, 0, 0, 0, j]);
      } else {
        src = key;
        dst = `2001:db8:0:2::${j.toString(16)}`;
      }
      rsrc = dst; rdst = src;
    } else {
      const i = pickSrc(rnd());
      // pods 10.244.x.y first (the skewed head), then external clients
      src = i < 30_000 ? `10.244.${i >> 8}.${i & 255}` : `172.16.${(i - 30_000) >> 8}.${(i - 30_000) & 255}`;
      key = src;
      const d = rnd();
      if (d < 0.6) {
        // ClusterIP service, DNATed to a pod: the reply comes from the pod
        const svc = Math.floor(rnd() * 300);
        // octets 1-254 (v3 wrote `(svc & 255) + 1`: 10.96.0.256 for svc 255, an address no kernel prints, whose
        // ~2,000 lines in the 1M capture went to the JavaScript parser and made V8 optimize it: ~0.13 s a run)
        dst = `10.96.${Math.floor(svc / 254)}.${(svc % 254) + 1}`;
        rsrc = `10.244.${200 + (svc % 50)}.${(svc * 7) % 250 + 2}`;
        rdst = src;
      } else if (d < 0.9) {
        // to the outside, masqueraded behind the node address
        dst = `203.0.113.${Math.floor(rnd() * 250) + 1}`;
        rsrc = dst;
        rdst = NODE_IP;
      } else {
        // node-local, no NAT
        dst = `10.244.${Math.floor(rnd() * 100)}.${Math.floor(rnd() * 250) + 1}`;
        rsrc = dst;
        rdst = src;
      }
    }
    sources.set(key, (sources.get(key) ?? 0) + 1);
    const isNat = rsrc !== dst || rdst !== src;
    if (isNat) nat++;
    const family = v6 ? 'ipv6' : 'ipv4';
    bump(byFamily, family);
    bump(byProtocol, protocol);
    let zone = 0;
    if (rnd() < 0.02) zone = 1 + Math.floor(rnd() * 3);
    bump(zones, String(zone));
    let state = '';
    let timeout: number;
    let flagA = false;
    let flagU = false;
    let tuple1: string, tuple2: string;
    if (protocol === 'tcp' || protocol === 'udp') {
      const sport = 32768 + Math.floor(rnd() * 28232);
      let dport = protocol === 'tcp' ? TCP_PORTS(rnd()) : UDP_PORTS(rnd());
      if (dport === 0) dport = 1024 + Math.floor(rnd() * 30000);
      tuple1 = `src=${src} dst=${dst} sport=${sport} dport=${dport}`;
      tuple2 = `src=${rsrc} dst=${rdst} sport=${dport} dport=${isNat && rdst === NODE_IP ? 10000 + (sport % 50000) : sport}`;
      if (protocol === 'tcp') {
        state = TCP_STATES(rnd());
        timeout = Math.floor(rnd() * TCP_TIMEOUT_MAX[state]!) + 1;
        flagU = state === 'SYN_SENT';
        flagA = !flagU && state !== 'SYN_RECV';
        bump(byState, state);
      } else {
        timeout = 1 + Math.floor(rnd() * 180);
        const u = rnd();
        flagU = u < 0.35;
        flagA = !flagU && u < 0.8;
      }
    } else if (protocol === 'icmp') {
      const id = Math.floor(rnd() * 65536);
      tuple1 = `src=${src} dst=${dst} type=8 code=0 id=${id}`;
      tuple2 = `src=${rsrc} dst=${rdst} type=0 code=0 id=${id}`;
      timeout = 1 + Math.floor(rnd() * 30);
      flagU = rnd() < 0.3;
    } else {
      tuple1 = `src=${src} dst=${dst} srckey=0x0 dstkey=0x0`;
      tuple2 = `src=${rsrc} dst=${rdst} srckey=0x0 dstkey=0x0`;
      timeout = 1 + Math.floor(rnd() * 180);
      flagA = rnd() < 0.7;
    }
    if (flagA) assured++;
    if (flagU) unreplied++;
    const head = `${protocol.padEnd(8)} ${pnum} ${timeout} ${state === '' ? '' : state + ' '}`;
    const mid = flagU ? `${tuple1} [UNREPLIED] ${tuple2}` : tuple2 === '' ? tuple1 : `${tuple1} ${tuple2}`;
    const tail = `${flagA ? ' [ASSURED]' : ''} mark=0${proc ? ` zone=${zone}` : zone !== 0 ? ` zone=${zone}` : ''} use=${proc ? 2 : 1}`;
    out.line(proc ? `${family.padEnd(8)} ${v6 ? 10 : 2} ${head}${mid}${tail}` : `${head}${mid}${tail}`);
  }
  if (!proc) out.line(`conntrack v1.4.7 (conntrack-tools): ${entries} flow entries have been shown.`);
  out.close();
  const top = [...sources].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([ip, count]) => ({ ip, count }));
  return {
    entries, declaredEntries: proc ? null : entries, byFamily, byProtocol, byState,
    flags: { assured, unreplied, offload: 0 }, nat, zones, topSources: top, lines: out.lines,
  };
}

// ------------------------------------------------------------------ kernel logs

type LogFlavour = 'kern.log' | 'dmesg' | 'journal';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Start of the generated logs (UTC): mid-year, so a week never crosses a year end. */
const LOG_START_MS = Date.UTC(2025, 5, 2, 0, 0, 0);
/** The machine booted this long before LOG_START_MS. */
const BOOT_UPTIME_SEC = 1_186_980; // a whole number of minutes, so uptime minutes and wall minutes coincide
const HOST = 'web-07';
const BOOT_ID = '9c1d5e0b7a2f4c6e8d3b1a0f2e4c6d8a';
const MACHINE_ID = '4f1b2c3d5e6a7b8c9d0e1f2a3b4c5d6e';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Kernel noise of a busy Kubernetes node (no conntrack, no "suppress"). */
function kernelNoise(rnd: () => number): string {
  const r = rnd();
  const v = Math.floor(rnd() * 0xffffff).toString(16).padStart(6, '0');
  if (r < 0.45) {
    const spt = 1024 + Math.floor(rnd() * 60000);
    return `[UFW BLOCK] IN=eth0 OUT= MAC=02:42:ac:11:00:02:02:42:${v.slice(0, 2)}:${v.slice(2, 4)}:${v.slice(4, 6)}:01:08:00 SRC=203.0.113.${Math.floor(rnd() * 250) + 1} DST=${NODE_IP} LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=${Math.floor(rnd() * 65535)} DF PROTO=TCP SPT=${spt} DPT=${[22, 3389, 23, 445][Math.floor(rnd() * 4)]} WINDOW=64240 RES=0x00 SYN URGP=0`;
  }
  if (r < 0.6) return `cni0: port ${1 + Math.floor(rnd() * 40)}(veth${v}a1) entered ${rnd() < 0.5 ? 'blocking' : 'forwarding'} state`;
  if (r < 0.7) return `IPv6: ADDRCONF(NETDEV_CHANGE): veth${v}a1: link becomes ready`;
  if (r < 0.85) {
    return `audit: type=1400 audit(1749${Math.floor(rnd() * 1e6)}.${Math.floor(rnd() * 1000)}:${Math.floor(rnd() * 9999)}): apparmor="DENIED" operation="open" profile="cri-containerd.apparmor.d" name="/proc/${Math.floor(rnd() * 60000)}/mounts" pid=${Math.floor(rnd() * 60000)} comm="node_exporter" requested_mask="r" denied_mask="r" fsuid=65534 ouid=0`;
  }
  if (r < 0.93) return `EXT4-fs (nvme0n1p1): re-mounted. Opts: errors=remount-ro,commit=${Math.floor(rnd() * 30)}. Quota mode: none.`;
  return `eth0: renamed from tmp${v}`;
}

/** Non-kernel journal noise (kubelet, containerd, systemd). */
function userNoise(rnd: () => number): [ident: string, pid: number, msg: string] {
  const r = rnd();
  const id = Math.floor(rnd() * 0xffffffff).toString(16);
  if (r < 0.5) {
    return ['kubelet', 1234, `I0602 ${pad2(Math.floor(rnd() * 24))}:${pad2(Math.floor(rnd() * 60))}:00.${Math.floor(rnd() * 1e6)}    1234 kubelet_pods.go:1099] "Clean up pod" podUID=${id}-5d3c-4e2b-9f1a-${id}${id} pod="default/web-${id}"`];
  }
  if (r < 0.8) return ['containerd', 987, `time="2025-06-02T10:00:00.000000000Z" level=info msg="StartContainer for \\"${id}${id}\\" returns successfully"`];
  if (r < 0.95) return ['systemd', 1, `run-containerd-runc-k8s.io-${id}${id}-runc.${id.slice(0, 6)}.mount: Deactivated successfully.`];
  // a colourised line: \u escapes in the JSON, which a byte search cannot see through
  return ['sshd', 4242, `\u001b[0;1;31mpam_unix(sshd:auth): authentication failure; rhost=203.0.113.${Math.floor(rnd() * 250) + 1}\u001b[0m`];
}

interface LogEvent {
  readonly tMs: number;
  readonly msg: string;
}

/**
 * The drop bursts: in each 5 s window of a burst the limiter lets 10 drop lines through, and the
 * first message of the next window reports how many were suppressed; the last count follows the last
 * drop by 30 s (well inside the 60 s burst gap, so it belongs to that burst).
 */
function makeBursts(rnd: () => number, count: number, spanMs: number): { events: LogEvent[]; truth: { logged: number; suppressed: number }[] } {
  const events: LogEvent[] = [];
  const truth: { logged: number; suppressed: number }[] = [];
  const slot = spanMs / (count + 1);
  for (let b = 0; b < count; b++) {
    const start = Math.floor(LOG_START_MS + slot * (b + 0.5) + rnd() * slot * 0.3);
    const windows = 12 + Math.floor(rnd() * 60);
    let logged = 0;
    let suppressed = 0;
    let pending = 0;
    for (let w = 0; w < windows; w++) {
      const wt = start + w * 5000;
      if (pending > 0) {
        events.push({ tMs: wt, msg: `net_ratelimit: ${pending} callbacks suppressed` });
        suppressed += pending;
      }
      for (let i = 0; i < 10; i++) events.push({ tMs: wt + 1 + i * 37 + Math.floor(rnd() * 30), msg: 'nf_conntrack: table full, dropping packet' });
      logged += 10;
      pending = 50 + Math.floor(rnd() * 3000);
    }
    events.push({ tMs: start + windows * 5000 + 25_000, msg: `net_ratelimit: ${pending} callbacks suppressed` });
    suppressed += pending;
    truth.push({ logged, suppressed });
  }
  return { events, truth };
}

function syslogStamp(ms: number): string {
  const d = new Date(ms);
  const day = d.getUTCDate();
  return `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

function uptimeText(ms: number, micro: number): string {
  const sec = Math.floor((ms - LOG_START_MS) / 1000) + BOOT_UPTIME_SEC;
  const frac = ((ms % 1000) * 1000 + micro).toString().padStart(6, '0');
  return `${String(sec).padStart(5)}.${frac}`;
}

function jsonBytes(s: string): string {
  return `[${Array.from(Buffer.from(s, 'utf8')).join(',')}]`;
}

function writeKernelLog(path: string, flavour: LogFlavour, lines: number, bursts: number, seed: number): KernelTruth {
  const rnd = prng(seed);
  const spanMs = 7 * 86_400_000;
  const { events, truth } = makeBursts(rnd, bursts, spanMs);
  const burstLines = events.length;
  const noiseLines = Math.max(0, lines - burstLines);
  const step = spanMs / Math.max(1, noiseLines);
  const out = new Out(path);
  let dropLines = 0;
  let suppressed = 0;
  const perMinute = new Map<number, number>();
  let ev = 0;
  let cursor = LOG_START_MS;
  let seq = 0;
  const emit = (tMs: number, msg: string, kernel: boolean, ident: string, pid: number): void => {
    const micro = Math.floor(rnd() * 1000);
    seq++;
    if (flavour === 'kern.log') {
      out.line(`${syslogStamp(tMs)} ${HOST} kernel: [${uptimeText(tMs, micro)}] ${msg}`);
    } else if (flavour === 'dmesg') {
      out.line(`[${uptimeText(tMs, micro)}] ${msg}`);
    } else {
      const real = `${tMs}${String(micro).padStart(3, '0')}`;
      const mono = String((tMs - LOG_START_MS + BOOT_UPTIME_SEC * 1000) * 1000 + micro);
      const cursorText = `s=${BOOT_ID};i=${seq.toString(16)};b=${BOOT_ID};m=${Number(mono).toString(16)};t=${Number(real).toString(16)};x=${(seq * 2654435761 >>> 0).toString(16)}`;
      // a few drop messages arrive as byte arrays (journald does that for text with control characters)
      const asBytes = kernel && msg.startsWith('nf_conntrack: table full') && seq % 997 === 0;
      const message = asBytes ? jsonBytes(`${msg}\r`) : JSON.stringify(msg);
      const common = `"__CURSOR":"${cursorText}","__REALTIME_TIMESTAMP":"${real}","__MONOTONIC_TIMESTAMP":"${mono}","_BOOT_ID":"${BOOT_ID}","_MACHINE_ID":"${MACHINE_ID}","_HOSTNAME":"${HOST}"`;
      if (kernel) {
        out.line(`{${common},"PRIORITY":"4","SYSLOG_FACILITY":"0","SYSLOG_IDENTIFIER":"kernel","_TRANSPORT":"kernel","_SOURCE_MONOTONIC_TIMESTAMP":"${mono}","MESSAGE":${message}}`);
      } else {
        out.line(`{${common},"PRIORITY":"6","SYSLOG_FACILITY":"3","SYSLOG_IDENTIFIER":"${ident}","_PID":"${pid}","_UID":"0","_GID":"0","_COMM":"${ident}","_EXE":"/usr/bin/${ident}","_CMDLINE":"/usr/bin/${ident} --config /etc/${ident}/config.yaml","_CAP_EFFECTIVE":"1ffffffffff","_SYSTEMD_CGROUP":"/system.slice/${ident}.service","_SYSTEMD_UNIT":"${ident}.service","_SYSTEMD_SLICE":"system.slice","_TRANSPORT":"stdout","_STREAM_ID":"${BOOT_ID.slice(0, 16)}","MESSAGE":${message}}`);
      }
    }
  };
  /** A drop or rate-limit line: written, and counted into the truth. */
  const emitEvent = (e: (typeof events)[number]): void => {
    emit(e.tMs, e.msg, true, 'kernel', 0);
    if (e.msg.startsWith('nf_conntrack')) {
      dropLines++;
      const m = Math.floor(e.tMs / 60_000);
      perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
    } else suppressed += Number(e.msg.slice(15, e.msg.indexOf(' ', 15)));
  };
  for (let n = 0; n < noiseLines; n++) {
    const t = Math.floor(cursor);
    while (ev < events.length && events[ev]!.tMs <= t) emitEvent(events[ev++]!);
    if (flavour === 'journal' && rnd() < 0.6) {
      const [ident, pid, msg] = userNoise(rnd);
      emit(t, msg, false, ident, pid);
    } else emit(t, kernelNoise(rnd), true, 'kernel', 0);
    cursor += step * (0.5 + rnd());
  }
  while (ev < events.length) emitEvent(events[ev++]!);
  out.close();
  let peak = 0;
  for (const v of perMinute.values()) if (v > peak) peak = v;
  return { lines: out.lines, dropLines, suppressed, bursts: truth, peakPerMinute: peak };
}

// ------------------------------------------------------------------ usage timeline

function writeUsage(path: string, samples: number, seed: number): TimelineTruth {
  const rnd = prng(seed);
  const out = new Out(path);
  const start = Date.UTC(2025, 0, 1, 0, 0, 0);
  let min = Infinity;
  let peak = -1;
  let peakAt = '';
  let sum = 0;
  let dayKey = -1;
  let dayText = '';
  // a daily wave, a slow trend, noise, and incidents near the table size
  const incidents = new Set<number>();
  for (let k = 0; k < Math.max(1, Math.floor(samples / 40_000)); k++) incidents.add(Math.floor(rnd() * samples));
  let spike = 0;
  for (let i = 0; i < samples; i++) {
    const ms = start + i * 60_000;
    const day = Math.floor(i / 1440);
    if (day !== dayKey) {
      dayKey = day;
      const d = new Date(ms);
      dayText = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    }
    const mod = i % 1440;
    if (incidents.has(i)) spike = 90;
    const base = 120_000 + 80_000 * Math.sin((mod / 1440) * 2 * Math.PI) + i * 0.05;
    let count = Math.floor(base + rnd() * 8000);
    if (spike > 0) {
      count = Math.min(262_000 - Math.floor(rnd() * 500), count + spike * 4000);
      spike--;
    }
    // the single highest sample of the year
    if (i === Math.floor(samples * 0.7)) count = 262_144;
    if (count > 262_143 && i !== Math.floor(samples * 0.7)) count = 262_143;
    if (count < min) min = count;
    const text = `${dayText} ${pad2(Math.floor(mod / 60))}:${pad2(mod % 60)}:00`;
    if (count > peak) {
      peak = count;
      peakAt = `${dayText}T${pad2(Math.floor(mod / 60))}:${pad2(mod % 60)}:00Z`;
    }
    sum += count;
    out.line(`${text} ${count}`);
  }
  out.close();
  return { lines: out.lines, samples, peak: { count: peak, at: peakAt }, min, mean: Math.round((sum / samples) * 100) / 100 };
}

// ------------------------------------------------------------------ driver

/** Full-scale sizes (issue 7). */
export const FULL = {
  captureSmall: 1_048_576,
  captureLarge: 2_097_152,
  kernelLines: 5_000_000,
  journalLines: 2_000_000,
  usageSamples: 525_600,
  bursts: 60,
} as const;

/** The data directory for these parameters. */
export function dataDir(root: string, p: GenParams): string {
  return join(root, `s${p.scale}-seed${p.seed}-v${GEN_VERSION}`);
}

/** Generate (or reuse) the data set; returns its directory and truth. */
export function generate(root: string, p: GenParams, log: (s: string) => void = () => {}): { dir: string; truth: Truth } {
  const dir = dataDir(root, p);
  const truthPath = join(dir, 'truth.json');
  if (existsSync(truthPath)) {
    const t = JSON.parse(readFileSync(truthPath, 'utf8')) as Truth;
    if (t.params.scale === p.scale && t.params.seed === p.seed && t.params.version === GEN_VERSION) {
      log(`data: reusing ${dir}`);
      return { dir, truth: t };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sz = (n: number): number => Math.max(1000, Math.round(n * p.scale));
  const files: Record<string, Truth['files'][string]> = {};
  const step = (name: string, f: () => Truth['files'][string]): void => {
    const t0 = Date.now();
    files[name] = f();
    log(`data: wrote ${name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  step('conntrack-L-1m.txt', () => ({ kind: 'table', truth: writeCapture(join(dir, 'conntrack-L-1m.txt'), sz(FULL.captureSmall), false, p.seed + 1) }));
  step('conntrack-L-2m.txt', () => ({ kind: 'table', truth: writeCapture(join(dir, 'conntrack-L-2m.txt'), sz(FULL.captureLarge), false, p.seed + 2) }));
  step('proc-nf_conntrack-1m.txt', () => ({ kind: 'table', truth: writeCapture(join(dir, 'proc-nf_conntrack-1m.txt'), sz(FULL.captureSmall), true, p.seed + 3) }));
  step('proc-nf_conntrack-2m.txt', () => ({ kind: 'table', truth: writeCapture(join(dir, 'proc-nf_conntrack-2m.txt'), sz(FULL.captureLarge), true, p.seed + 4) }));
  const bursts = Math.max(3, Math.round(FULL.bursts * Math.min(1, p.scale * 4)));
  step('kern.log', () => ({ kind: 'kernel', truth: writeKernelLog(join(dir, 'kern.log'), 'kern.log', sz(FULL.kernelLines), bursts, p.seed + 5) }));
  step('dmesg.txt', () => ({ kind: 'kernel', truth: writeKernelLog(join(dir, 'dmesg.txt'), 'dmesg', sz(FULL.kernelLines), bursts, p.seed + 6) }));
  step('journal.json', () => ({ kind: 'kernel', truth: writeKernelLog(join(dir, 'journal.json'), 'journal', sz(FULL.journalLines), bursts, p.seed + 7) }));
  step('usage.log', () => ({ kind: 'timeline', truth: writeUsage(join(dir, 'usage.log'), sz(FULL.usageSamples), p.seed + 8) }));
  const truth: Truth = { params: { ...p, version: GEN_VERSION }, files };
  // truth.json last (via rename): its presence means the set is complete
  writeTruth(truthPath, truth);
  return { dir, truth };
}

/** Write a truth file whole or not at all (a temp file renamed): its presence means its data is complete. */
function writeTruth(path: string, truth: unknown): void {
  const fd = openSync(`${path}.tmp`, 'w');
  writeSync(fd, JSON.stringify(truth, null, 2));
  closeSync(fd);
  renameSync(`${path}.tmp`, path);
}

// ------------------------------------------------------------------ long-line case (issue 8)

/** Truth for the long-line kern.log: a few drop lines around one line far beyond MAX_LINE_BYTES. */
export interface LongLineTruth {
  readonly lines: number;
  readonly dropLines: number;
  /** Lines ctdoctor must report as malformed `line-too-long` (exactly one). */
  readonly tooLong: number;
  /** Bytes of the long line (without its newline). */
  readonly longLineBytes: number;
}

/** Full-scale size of the one long line: 200 MB (issue 8). */
export const LONG_LINE_BYTES = 200_000_000;
/** Drop lines before and after the long line. */
const LONG_LINE_DROPS = 5;

/**
 * Write (or reuse) `long-line.log` in the data directory: 5 kern.log drop lines, ONE line of
 * `LONG_LINE_BYTES × scale` bytes (at least 1 MiB, far above the 64 KiB line cap) without a newline
 * inside — a log whose newlines were lost, so it repeats the drop message that must NOT be counted —
 * then 5 more drop lines. Cached beside the main data set with its own `long-line.truth.json`
 * (written last), so the main set is never regenerated for it.
 */
export function ensureLongLine(dir: string, p: GenParams, log: (s: string) => void = () => {}): LongLineTruth {
  const truthPath = join(dir, 'long-line.truth.json');
  const bytes = Math.max(1 << 20, Math.round(LONG_LINE_BYTES * p.scale));
  if (existsSync(truthPath)) {
    const t = JSON.parse(readFileSync(truthPath, 'utf8')) as LongLineTruth;
    if (t.longLineBytes === bytes) return t;
  }
  const t0 = Date.now();
  const path = join(dir, 'long-line.log');
  const fd = openSync(path, 'w');
  const drop = (i: number): string => `${syslogStamp(LOG_START_MS + i * 1000)} ${HOST} kernel: [${uptimeText(LOG_START_MS + i * 1000, 0)}] nf_conntrack: table full, dropping packet\n`;
  let head = '';
  for (let i = 0; i < LONG_LINE_DROPS; i++) head += drop(i);
  writeSync(fd, head);
  const prefix = `${syslogStamp(LOG_START_MS + 10_000)} ${HOST} kernel: [${uptimeText(LOG_START_MS + 10_000, 0)}] `;
  const unit = Buffer.from('nf_conntrack: table full, dropping packet ', 'utf8');
  const block = Buffer.alloc(1 << 20);
  for (let o = 0; o < block.length; o += unit.length) unit.copy(block, o, 0, Math.min(unit.length, block.length - o));
  writeSync(fd, prefix);
  let left = bytes - Buffer.byteLength(prefix);
  while (left > 0) {
    const n = Math.min(left, block.length);
    writeSync(fd, block, 0, n);
    left -= n;
  }
  let tail = '\n';
  for (let i = 0; i < LONG_LINE_DROPS; i++) tail += drop(20 + i);
  writeSync(fd, tail);
  closeSync(fd);
  const truth: LongLineTruth = { lines: 2 * LONG_LINE_DROPS + 1, dropLines: 2 * LONG_LINE_DROPS, tooLong: 1, longLineBytes: bytes };
  writeTruth(truthPath, truth);
  log(`data: wrote long-line.log in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return truth;
}

// ------------------------------------------------------------------ a week of drops (round 15)

/** Full-scale length of the drops-week log: one drop line a second for 7 days. */
export const DROPS_WEEK_SECONDS = 7 * 86_400;

/**
 * Write (or reuse) `drops-week.log`: a table full for a week, the kernel logging one rate-limited drop line
 * every second (`DROPS_WEEK_SECONDS × scale` of them, at least 1,000) and, every 5 seconds before the drop
 * line, `net_ratelimit: N callbacks suppressed` (N seeded, 1 to 50). One burst; memory must not grow with
 * the seconds that saw drops (PERFORMANCE.md round 15). Its truth is `drops-week.truth.json`, written last.
 */
export function ensureDropsWeek(dir: string, p: GenParams, log: (s: string) => void = () => {}): KernelTruth {
  const truthPath = join(dir, 'drops-week.truth.json');
  const seconds = Math.max(1000, Math.round(DROPS_WEEK_SECONDS * p.scale));
  if (existsSync(truthPath)) {
    const t = JSON.parse(readFileSync(truthPath, 'utf8')) as KernelTruth;
    if (t.dropLines === seconds) return t;
  }
  const t0 = Date.now();
  const rnd = seededRandom(p.seed + 9);
  const fd = openSync(join(dir, 'drops-week.log'), 'w');
  let out = '';
  let lines = 0;
  let suppressed = 0;
  for (let i = 0; i < seconds; i++) {
    const ms = LOG_START_MS + i * 1000;
    const head = `${syslogStamp(ms)} ${HOST} kernel: [${uptimeText(ms, 0)}] `;
    if (i % 5 === 0) {
      const n = 1 + Math.floor(rnd() * 50);
      suppressed += n;
      out += `${head}net_ratelimit: ${n} callbacks suppressed\n`;
      lines++;
    }
    out += `${head}nf_conntrack: nf_conntrack: table full, dropping packet\n`;
    lines++;
    if (out.length > 1 << 20) {
      writeSync(fd, out);
      out = '';
    }
  }
  writeSync(fd, out);
  closeSync(fd);
  const truth: KernelTruth = { lines, dropLines: seconds, suppressed, bursts: [{ logged: seconds, suppressed }], peakPerMinute: Math.min(60, seconds) };
  writeTruth(truthPath, truth);
  log(`data: wrote drops-week.log in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return truth;
}
