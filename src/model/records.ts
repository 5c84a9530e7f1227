/**
 * Records: what parsers emit. Plain, serialisable, readonly objects with a literal `kind` discriminator.
 * Field names carry units (tsMs, uptimeSec). Every record has `src`, which evidence points to.
 */
export type InputKind = 'kernel-log' | 'count-timeline' | 'conntrack-table' | 'conntrack-stats' | 'sysctl';
export const INPUT_KINDS: readonly InputKind[] = ['kernel-log', 'count-timeline', 'conntrack-table', 'conntrack-stats', 'sysctl'];

export interface SrcRef {
  readonly sourceId: string;
  readonly lineNo: number;
}

// ---------------------------------------------------------------- kernel-log
export type KernelEventType =
  | 'drop'               // table full, dropping packet (any variant)
  | 'suppressed'         // net_ratelimit / __ratelimit: N callbacks suppressed, printk: N messages suppressed
  | 'expectation-full'   // nf_conntrack: expectation table full
  | 'vmalloc-fallback'   // nf_conntrack: falling back to vmalloc.
  | 'syn-flood'          // TCP: request_sock_TCP: Possible SYN flooding on port P
  | 'conntrack-boot'     // nf_conntrack version X (N buckets, M max)
  | 'kernel-version'     // Linux version 5.15.0-... (boot line)
  | 'kube-proxy-sysctl'  // kube-proxy: Set sysctl 'net/netfilter/nf_conntrack_max' to N
  | 'reboot';            // journal "-- Reboot --" or a boot marker: bursts never cross it

/** Kernel log line framings (inputs[].format). */
export type KernelFraming =
  | 'dmesg-raw' | 'dmesg-T' | 'dmesg-iso' | 'dmesg-none'
  | 'syslog' | 'syslog-rfc3339' | 'openwrt-logread'
  | 'journal-short' | 'journal-short-precise' | 'journal-short-iso' | 'journal-short-monotonic'
  | 'journal-short-full' | 'journal-short-unix' | 'journal-json';

export interface KernelEvent {
  readonly kind: 'kernel-event';
  readonly type: KernelEventType;
  readonly framing: KernelFraming;
  /** Wall-clock time in ms since the epoch (UTC), or null when the line has no wall stamp. */
  readonly tsMs: number | null;
  /** Seconds since boot from a `[uptime]` stamp or journal monotonic field, or null. */
  readonly uptimeSec: number | null;
  /** Host name from the line (syslog host field, journal _HOSTNAME), or null. */
  readonly host: string | null;
  /** Journal _BOOT_ID when known. */
  readonly bootId?: string | null;
  /** For 'suppressed': N. For 'syn-flood': the port. For 'conntrack-boot': unused. */
  readonly count?: number;
  /** For drops in a non-initial namespace ("table full in netns N"), the netns id; OpenVZ "VPS N". */
  readonly netns?: string | null;
  /** For 'suppressed': which limiter printed it ('net_ratelimit' | '__ratelimit' | 'printk'). */
  readonly limiter?: string;
  /** Settings carried by the line: conntrack-boot gives nf_conntrack_buckets/max; kube-proxy gives its value. */
  readonly settings?: Readonly<Record<string, number>>;
  /** For 'kernel-version': the release, e.g. "5.15.0-91-generic". */
  readonly release?: string;
  /** The message text (after the framing), as logged. Untrusted: renderers sanitise it. */
  readonly text: string;
  readonly src: SrcRef;
}


// ---------------------------------------------------------------- count-timeline
/** One usage sample: conntrack-usage.log line, CSV row, Prometheus/Telegraf/Nagios value, or a snapshot. */
export interface CountSample {
  readonly kind: 'count-sample';
  /** null for snapshots without a time (usable for peak and demand, not for durations). */
  readonly tsMs: number | null;
  readonly count: number;
  /** The max in force when the sample carries it (third column, *_limit metric), else null. */
  readonly max: number | null;
  readonly host: string | null;
  /** The input line (evidence text). */
  readonly text: string;
  readonly src: SrcRef;
}

// ---------------------------------------------------------------- conntrack-table
export interface ConntrackEntry {
  readonly kind: 'conntrack-entry';
  /** 'ipv4' | 'ipv6' (from the l3 field, or inferred from the addresses). */
  readonly family: string;
  /** 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp' | 'dccp' | 'gre' | 'unknown' | as printed. */
  readonly protocol: string;
  /** Remaining timeout in seconds; null for OFFLOAD entries without one and for event lines. */
  readonly timeoutSec: number | null;
  /** TCP/SCTP/DCCP state, or null for stateless protocols. */
  readonly state: string | null;
  readonly origSrc: string;
  readonly origDst: string;
  readonly origSport: number | null;
  readonly origDport: number | null;
  readonly replySrc: string | null;
  readonly replyDst: string | null;
  readonly replySport: number | null;
  readonly replyDport: number | null;
  readonly assured: boolean;
  readonly unreplied: boolean;
  readonly offload: boolean;
  readonly zone: string | null;
  /** '[NEW]' / '[UPDATE]' / '[DESTROY]' event lines: counted as events, not table entries. */
  readonly event: 'NEW' | 'UPDATE' | 'DESTROY' | null;
  /** The entry's line, for evidence (kept only by the accumulator where it becomes evidence). */
  readonly text?: string;
  /** Which capture of the input (a file may hold several `conntrack -L` runs), from 1. */
  readonly capture?: number;
  readonly src: SrcRef;
  /**
   * Capture fast path (issue 7): when the four addresses are IPv4, the byte parser also gives them as
   * int32 (the same addresses as the strings) and the protocol's id (src/util/keys.ts), so the table
   * accumulator counts by number. Absent on records of the string path.
   */
  readonly src4?: number;
  readonly dst4?: number;
  readonly rsrc4?: number;
  readonly rdst4?: number;
  readonly protoId?: number;
}

/** `conntrack v1.4.x (conntrack-tools): N flow entries have been shown.` */
export interface ConntrackTrailer {
  readonly kind: 'conntrack-trailer';
  readonly declared: number;
  /** The input line (evidence text). */
  readonly text: string;
  /** Which capture of the input, from 1. */
  readonly capture?: number;
  readonly src: SrcRef;
}

/** A filtered capture (`conntrack -L -p tcp --dport 80`, `| grep`): not the whole table. */
export interface CapturePartial {
  readonly kind: 'capture-partial';
  readonly reason: string;
  /** The input line (evidence text). */
  readonly text: string;
  /** Which capture of the input, from 1. */
  readonly capture?: number;
  readonly src: SrcRef;
}

// ---------------------------------------------------------------- conntrack-stats
/** One per-CPU row of `conntrack -S` or /proc/net/stat/nf_conntrack (cpu null for a totals-only form). */
export interface CpuStats {
  readonly kind: 'cpu-stats';
  readonly cpu: number | null;
  /** Kernel field names as printed (found, invalid, insert_failed, drop, early_drop, ...). Built without a prototype. */
  readonly fields: Readonly<Record<string, number>>;
  /** The input line (evidence text). */
  readonly text: string;
  readonly src: SrcRef;
}

// ---------------------------------------------------------------- sysctl / host facts
export interface SysctlSetting {
  readonly kind: 'sysctl-setting';
  /** Canonical sysctl name, e.g. "net.netfilter.nf_conntrack_max". */
  readonly name: string;
  readonly value: number;
  /** The name as written in the input (legacy ip_conntrack_*, /proc path, kube-proxy form). */
  readonly rawName: string;
  /** The input line (evidence text). */
  readonly text: string;
  readonly src: SrcRef;
}

export type HostFactName = 'hostname' | 'kernel' | 'memTotalBytes' | 'cpus' | 'entryBytes' | 'kubeProxy';
export interface HostFact {
  readonly kind: 'host-fact';
  readonly fact: HostFactName;
  readonly value: string | number;
  /** The input line (evidence text). */
  readonly text: string;
  readonly src: SrcRef;
}

/**
 * Capture engine (issue 7): consecutive entry lines of the usual shape, tokenized by WebAssembly into
 * packed entries (src/parsers/conntrack-table/run.ts, src/util/capture-wasm.ts) and counted by the table
 * accumulator in one call. TRANSIENT like the byte path's PackedEntry: it reads the input block and the
 * tokenizer's memory, so a consumer that keeps records keeps `keepRecord(r)`, i.e. `plain()`: the entry
 * records the line parser gives for the same lines.
 */
export interface ConntrackRun {
  readonly kind: 'conntrack-run';
  /** The capture all its entries belong to. */
  readonly capture: number;
  /** Entries (one per line, lines firstLineNo .. firstLineNo + count - 1). */
  readonly count: number;
  readonly firstLineNo: number;
  /** Packed entries, ENTRY_WORDS int32 each (src/util/capture-wasm.ts E_*). */
  readonly entries: Int32Array;
  /** The text of entry i's line. */
  text(i: number): string;
  /** The canonical text of IPv6 address id `id` (an entry with E_FAMILY bit FAM_V6 holds ids). */
  v6Text(id: number): string;
  /** The entry records of the line parser for these lines. */
  plain(): readonly ConntrackEntry[];
}

export type AnyRecord =
  | KernelEvent | CountSample | ConntrackEntry | ConntrackRun | ConntrackTrailer | CapturePartial | CpuStats | SysctlSetting | HostFact;
