/**
 * Recommendations: what to change, each tied to its evidence, following FORMATS.md section 6 and the
 * seeds' rules of thumb. A pure function of one host's sections (analyze) or of planning inputs
 * (`ctdoctor recommend`): both go through `recommend()`, so both follow the same rules.
 */
import type { Change, Evidence, Recommendations, TableSection } from '../model/report.js';
import { groupDigits } from '../util/format.js';

export type { Change, Recommendations };

export type Role = 'light' | 'medium' | 'heavy' | 'k8s-node' | 'nat-gateway';
export const ROLES: readonly Role[] = ['light', 'medium', 'heavy', 'k8s-node', 'nat-gateway'];
const ROLE_FLOOR: Readonly<Record<Role, number>> = { light: 131072, medium: 262144, heavy: 524288, 'k8s-node': 524288, 'nat-gateway': 1048576 };

/** Kernel defaults (FORMATS.md section 6), seconds. */
export const DEFAULT_TIMEOUTS: Readonly<Record<string, number>> = {
  'net.netfilter.nf_conntrack_tcp_timeout_established': 432000,
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait': 120,
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait': 60,
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait': 120,
  'net.netfilter.nf_conntrack_udp_timeout': 30,
  'net.netfilter.nf_conntrack_udp_timeout_stream': 120,
  'net.netfilter.nf_conntrack_generic_timeout': 600,
};

export const DEFAULT_ENTRY_BYTES = 320;
export const BUCKET_BYTES = 8;
export const DEFAULT_MEMORY_BUDGET = 0.05;

const K = {
  max: 'net.netfilter.nf_conntrack_max',
  buckets: 'net.netfilter.nf_conntrack_buckets',
  count: 'net.netfilter.nf_conntrack_count',
  tw: 'net.netfilter.nf_conntrack_tcp_timeout_time_wait',
  est: 'net.netfilter.nf_conntrack_tcp_timeout_established',
  cw: 'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  fw: 'net.netfilter.nf_conntrack_tcp_timeout_fin_wait',
  udp: 'net.netfilter.nf_conntrack_udp_timeout',
  udpStream: 'net.netfilter.nf_conntrack_udp_timeout_stream',
  generic: 'net.netfilter.nf_conntrack_generic_timeout',
} as const;

export interface RecommendInput {
  readonly host: string | null;
  readonly settings: Readonly<Record<string, number>>;
  readonly kernel: string | null;
  readonly memTotalBytes: number | null;
  readonly cpus: number | null;
  readonly entryBytes: number | null;
  /** The highest count seen in any input, where it was seen. */
  readonly demand: { readonly count: number; readonly what: string; readonly evidence: readonly Evidence[] } | null;
  /** The table was full (drops logged, or a count at ≥ 98 % of max): the observed peak is censored. */
  readonly tableFull: boolean;
  readonly table: TableSection | null;
  /** Entries in `state` idle longer than `seconds` (from the capture's remaining timeouts), when known. */
  readonly idleOver?: (state: string, seconds: number, timeoutSec?: number) => number;
  readonly role?: Role;
  readonly memoryBudget?: number;
  readonly kubeProxySeen: boolean;
  readonly toolVersion: string;
}

/** "5.15.0-91-generic" → [5, 15]; null when it does not parse. */
export function kernelVersion(release: string | null): [number, number] | null {
  const m = release ? /^(\d+)\.(\d+)/.exec(release) : null;
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function atLeast(v: [number, number] | null, major: number, minor: number): boolean | null {
  if (!v) return null;
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The kernel's default max and buckets for this RAM and kernel (FORMATS.md section 6). */
export function kernelDefaults(memBytes: number, kernel: [number, number] | null): { max: number; buckets: number } {
  const GiB = 1024 ** 3;
  if (atLeast(kernel, 5, 15)) {
    const buckets = memBytes > 4 * GiB ? 262144 : memBytes > GiB ? 65536 : Math.max(1024, Math.floor(memBytes / 16384));
    return { max: buckets, buckets };
  }
  const buckets = memBytes > 4 * GiB ? 65536 : memBytes > GiB ? 16384 : Math.max(1024, Math.floor(memBytes / 131072));
  return { max: 4 * buckets, buckets };
}

const fmt = groupDigits;
const mib = (b: number): string => `${groupDigits(Math.round(b / 1048576))} MiB`;

export function recommend(input: RecommendInput): Recommendations {
  const assumptions: string[] = [];
  const s = input.settings;
  const kv = kernelVersion(input.kernel);
  if (!kv) assumptions.push('kernel unknown: buckets set equal to max (the rule for 5.15 and later)');
  const entryBytes = input.entryBytes ?? DEFAULT_ENTRY_BYTES;
  if (input.entryBytes === null) assumptions.push(`entry size ${DEFAULT_ENTRY_BYTES} bytes (no /proc/slabinfo)`);

  // current max: settings, else the kernel default for this RAM
  let currentMax: number | null = s[K.max] ?? null;
  if (currentMax === null && input.memTotalBytes !== null) {
    currentMax = kernelDefaults(input.memTotalBytes, kv).max;
    assumptions.push(`nf_conntrack_max not in the inputs: the kernel default for ${mib(input.memTotalBytes)} of RAM (${fmt(currentMax)}) assumed`);
  } else if (currentMax === null) {
    assumptions.push('nf_conntrack_max unknown (no settings, no RAM): the recommendation rests on demand alone');
  }

  // demand: the highest count seen; censored at max when the table was full
  let demand = input.demand?.count ?? 0;
  let reason: string;
  const evidence: Evidence[] = [...(input.demand?.evidence ?? [])];
  if (input.tableFull && currentMax !== null && demand <= currentMax) {
    demand = currentMax;
    reason = `the table was full at ${fmt(currentMax)}: real demand is unknown and larger; 1.5 × ${fmt(currentMax)} rounded up to a power of two`;
  } else if (input.demand) {
    reason = `highest count seen ${fmt(input.demand.count)} (${input.demand.what}); 1.5 × that, rounded up to a power of two`;
  } else {
    reason = 'no count seen: the current max is kept';
  }
  let recommended = demand > 0 ? nextPow2(Math.ceil(demand * 1.5)) : (currentMax ?? 65536);
  if (currentMax !== null && recommended < currentMax) {
    recommended = currentMax;
    reason += '; never below the current max';
  }
  if (input.role) {
    let floor = ROLE_FLOOR[input.role];
    if (input.role === 'k8s-node' && input.cpus) floor = Math.max(floor, 32768 * input.cpus, 131072);
    if (floor > recommended) {
      recommended = floor;
      reason += `; raised to the ${input.role} floor ${fmt(floor)}`;
    }
  }

  // buckets
  const currentBuckets = s[K.buckets] ?? null;
  const ge515 = atLeast(kv, 5, 15);
  const bucketsRec = ge515 === false ? Math.max(1024, Math.ceil(recommended / 4)) : recommended;
  const bucketsReason = ge515 === false
    ? `kernel ${input.kernel} (before 5.15): buckets = max / 4`
    : ge515 ? `kernel ${input.kernel} (5.15 or later): buckets = max` : 'kernel unknown: buckets = max (the 5.15+ rule)';

  const memoryBytes = recommended * entryBytes + bucketsRec * BUCKET_BYTES;
  const share = input.memTotalBytes ? memoryBytes / input.memTotalBytes : null;
  const budget = input.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  const overBudget = share !== null && share > budget;

  // timeouts, each only with evidence from the capture
  const timeouts: Record<string, Change & { frees: number | null }> = {};
  const t = input.table;
  const cur = (k: string): number => s[k] ?? DEFAULT_TIMEOUTS[k]!;
  const curNote = (k: string): string => (s[k] !== undefined ? '' : ' (kernel default assumed)');
  if (t && !t.partial && t.entries > 0) {
    const st = (name: string): number => t.byState[name] ?? 0;
    const tw = st('TIME_WAIT');
    if (tw / t.entries >= 0.1 && cur(K.tw) > 30) {
      const to = tw / t.entries >= 0.25 ? 30 : 60;
      if (to < cur(K.tw)) {
        const frees = Math.round(tw * (1 - to / cur(K.tw)));
        timeouts[K.tw] = { current: cur(K.tw), recommended: to, frees, reason: `TIME_WAIT holds ${pct(tw / t.entries)} of the capture (${fmt(tw)} entries); every entry dwells the full timeout, so the count scales with it (Little's law)${curNote(K.tw)}` };
      }
    }
    const est = st('ESTABLISHED');
    if (est > 0 && cur(K.est) > 86400 && input.idleOver) {
      const idleDay = input.idleOver('ESTABLISHED', 86400, cur(K.est));
      if (idleDay > 0) {
        const idle6h = input.idleOver('ESTABLISHED', 21600, cur(K.est));
        const to = idle6h / est > 0.5 ? 21600 : 86400;
        const frees = to === 21600 ? idle6h : idleDay;
        timeouts[K.est] = { current: cur(K.est), recommended: to, frees, reason: `${fmt(idleDay)} ESTABLISHED entries idle for over a day (the 5-day default keeps dead flows); check long-lived idle flows (database pools, keep-alives) before shortening${curNote(K.est)}` };
      }
    }
    // short timeouts: the capture's minute-resolution idle times are too coarse, so estimate by dwell time
    const shortState = (state: string, key: string, to: number): void => {
      const n = st(state);
      if (n / t.entries < 0.01 || cur(key) <= to) return;
      const frees = Math.round(n * (1 - to / cur(key)));
      timeouts[key] = { current: cur(key), recommended: to, frees, reason: `${fmt(n)} ${state} entries (${pct(n / t.entries)}); entries dwell up to the timeout, so the count scales with it${curNote(key)}` };
    };
    shortState('CLOSE_WAIT', K.cw, 20);
    shortState('FIN_WAIT', K.fw, 30);
    const udp = t.byProtocol['udp'] ?? 0;
    if (udp / t.entries >= 0.5 && cur(K.udpStream) > 60) {
      timeouts[K.udpStream] = { current: cur(K.udpStream), recommended: 60, frees: null, reason: `UDP holds ${pct(udp / t.entries)} of the capture${curNote(K.udpStream)}` };
    }
    const known = ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'dccp'];
    const generic = Object.entries(t.byProtocol).filter(([p]) => !known.includes(p)).reduce((n, [, c]) => n + c, 0);
    if (generic / t.entries >= 0.05 && cur(K.generic) > 120) {
      timeouts[K.generic] = { current: cur(K.generic), recommended: 120, frees: null, reason: `${fmt(generic)} entries of protocols without their own tracker (${pct(generic / t.entries)})${curNote(K.generic)}` };
    }
  }

  // NOTRACK for a dominant stateless (UDP) service port, only when no NAT is seen
  const notrack: Recommendations['notrack'][number][] = [];
  const rateLimits: Recommendations['rateLimits'][number][] = [];
  let synCookies = false;
  if (t && !t.partial && t.entries > 0) {
    for (const p of t.topDestinationPorts) {
      if (p.protocol !== 'udp' || p.share < 0.2) continue;
      if (t.nat > 0) continue; // NAT needs the flow tracked: never NOTRACK where NAT is seen
      notrack.push({
        protocol: 'udp', port: p.port, entries: p.count,
        rules: [
          `iptables -t raw -A PREROUTING -p udp --dport ${p.port} -j NOTRACK`,
          `iptables -t raw -A OUTPUT -p udp --sport ${p.port} -j NOTRACK`,
          `nft add table inet raw`,
          `nft add chain inet raw prerouting '{ type filter hook prerouting priority raw; }'`,
          `nft add chain inet raw output '{ type filter hook output priority raw; }'`,
          `nft add rule inet raw prerouting udp dport ${p.port} notrack`,
          `nft add rule inet raw output udp sport ${p.port} notrack`,
        ],
        caveats: 'untracked packets skip NAT and stateful rules: allow them explicitly in the filter table (they match state UNTRACKED), and keep them out of any NAT path',
      });
    }
    const top = t.topSources[0];
    if (top && top.share >= 0.25 && top.count >= 100) {
      rateLimits.push({
        source: top.ip, entries: top.count,
        rules: [
          `iptables -I INPUT -p tcp --syn -s ${top.ip} -m connlimit --connlimit-above 1000 -j REJECT --reject-with tcp-reset`,
          `iptables -I INPUT -p tcp --syn -m hashlimit --hashlimit-above 200/sec --hashlimit-burst 400 --hashlimit-mode srcip --hashlimit-name ctd-syn -j DROP`,
        ],
      });
    }
    const synRecv = t.byState['SYN_RECV'] ?? 0;
    if ((synRecv + t.flags.unreplied) / t.entries >= 0.5) synCookies = true;
  }

  const kubeProxy = input.kubeProxySeen
    ? `kube-proxy rewrites nf_conntrack_max, hashsize and the ESTABLISHED/CLOSE_WAIT timeouts at every start: set them in its KubeProxyConfiguration instead (conntrack.min: ${recommended}, conntrack.maxPerCore: ${input.cpus ? String(Math.ceil(recommended / input.cpus)) : 'max/CPUs'}${timeouts[K.est] ? `, conntrack.tcpEstablishedTimeout: ${timeouts[K.est]!.recommended}s` : ''}${timeouts[K.cw] ? `, conntrack.tcpCloseWaitTimeout: ${timeouts[K.cw]!.recommended}s` : ''})`
    : null;

  // the files that make it stick
  const bucketsWritable = kv ? atLeast(kv, 5, 0) : true;
  const lines: string[] = [
    `# /etc/sysctl.d/90-conntrack.conf — written by ctdoctor ${input.toolVersion}${input.host ? ` for ${input.host}` : ''}`,
    `# nf_conntrack_max: ${reason}`,
    `net.netfilter.nf_conntrack_max = ${recommended}`,
  ];
  if (bucketsWritable) lines.push(`# ${bucketsReason}`, `net.netfilter.nf_conntrack_buckets = ${bucketsRec}`);
  else lines.push(`# buckets are read-only on kernel ${input.kernel}: set with the hashsize module option (see below)`);
  for (const [k, c] of Object.entries(timeouts)) lines.push(`# ${k.replace('net.netfilter.', '')}: ${c.reason.replace(/\n/g, ' ')}`, `${k} = ${c.recommended}`);
  if (synCookies) lines.push('# SYN_RECV/UNREPLIED entries dominate the capture', 'net.ipv4.tcp_syncookies = 1');
  const sysctlFile = lines.join('\n') + '\n';
  const persistence = [
    '# load the module before sysctl runs at boot, so the values apply',
    'echo nf_conntrack > /etc/modules-load.d/nf_conntrack.conf',
    ...(bucketsWritable ? [] : [
      '# buckets are read-only on this kernel: set them as a module option',
      `echo "options nf_conntrack hashsize=${bucketsRec}" > /etc/modprobe.d/nf_conntrack.conf`,
      '# and now, without a reboot:',
      `echo ${bucketsRec} > /sys/module/nf_conntrack/parameters/hashsize`,
    ]),
    '# re-apply the conntrack sysctls whenever the module loads (udev)',
    "cat > /etc/udev/rules.d/91-nf_conntrack.rules <<'EOF'",
    'ACTION=="add", SUBSYSTEM=="module", KERNEL=="nf_conntrack", RUN+="/usr/lib/systemd/systemd-sysctl --prefix=/net/netfilter"',
    'EOF',
    '# apply now and verify; /etc/sysctl.conf (often 99-sysctl.conf) overrides earlier files:',
    'sysctl -p /etc/sysctl.d/90-conntrack.conf',
    'sysctl net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_buckets',
    'grep -rn nf_conntrack /etc/sysctl.conf /etc/sysctl.d/ /usr/lib/sysctl.d/',
  ].join('\n') + '\n';

  return {
    nf_conntrack_max: { current: currentMax, recommended, reason, evidence: evidence.slice(0, 5) },
    nf_conntrack_buckets: { current: currentBuckets, recommended: bucketsRec, reason: `${bucketsReason} (need not be a power of two)` },
    memoryBytes,
    memoryShareOfRam: share === null ? null : Math.round(share * 10000) / 10000,
    overBudget,
    timeouts,
    notrack,
    rateLimits,
    synCookies,
    kubeProxy,
    sysctlFile,
    persistence,
    assumptions,
  };
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}
