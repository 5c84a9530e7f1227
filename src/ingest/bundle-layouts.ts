/**
 * The sosreport layout as data: logical input → candidate paths (relative to the sosreport root), first
 * candidate that exists wins (insights-core sos_archive `first_file`). A candidate with `*` in its last
 * segment is a glob and brings all its matches; a `rotated` candidate also brings its rotations
 * (`kern.log.1`, `kern.log.2.gz`, `messages-20261120`, `messages-20261120.gz`), read oldest first.
 * Sample of a sosreport root this table reads:
 *
 *   sosreport-web1-2026-11-20-abcdef/sos_commands/kernel/dmesg
 *   sosreport-web1-2026-11-20-abcdef/sos_commands/conntrack/conntrack_-S
 *   sosreport-web1-2026-11-20-abcdef/var/log/kern.log.2.gz
 *
 * Logical inputs are separate rows, so dmesg, the syslog kernel file and the journal are all read (the
 * analysis counts each drop once); candidates of ONE row are alternatives holding the same data (root
 * `hostname` is a link to `sos_commands/host/hostname`; kern.log, messages and syslog repeat the kernel's
 * lines), so only the first one that exists is read.
 */
import type { InputKind } from '../model/records.js';

/** A host fact a layout row provides (read by the bundle reader itself). */
export type LayoutFact = 'hostname' | 'kernel' | 'date' | 'uptime';

/** One logical input of the layout. */
export interface LayoutRow {
  /** Logical name (for reasons: "kernel log is read from var/log/kern.log"). */
  readonly name: string;
  /** The kind its members are parsed as; null = not parsed (a fact source or not used). */
  readonly kind: InputKind | null;
  /** Candidate paths relative to the root, in preference order. */
  readonly paths: readonly string[];
  /** The candidates are log files with rotations (all rotations are read, oldest first). */
  readonly rotated?: boolean;
  /** A host fact this row's first member gives. */
  readonly fact?: LayoutFact;
}

/** The table. Order is the entry order of a bundle (layout order). */
export const SOS_LAYOUT: readonly LayoutRow[] = [
  { name: 'dmesg', kind: 'kernel-log', paths: ['sos_commands/kernel/dmesg', 'sos_commands/kernel/dmesg_-T', 'sos_commands/general/dmesg', 'var/log/dmesg'] },
  { name: 'kernel log', kind: 'kernel-log', rotated: true, paths: ['var/log/kern.log', 'var/log/messages', 'var/log/syslog'] },
  { name: 'journal', kind: 'kernel-log', paths: ['sos_commands/logs/journalctl_--no-pager', 'sos_commands/logs/journalctl_--no-pager_--boot', 'sos_commands/logs/journalctl_--no-pager_--catalog_--boot', 'sos_commands/logs/journalctl_--no-pager*'] },
  { name: 'conntrack table', kind: 'conntrack-table', paths: ['sos_commands/conntrack/conntrack_-L_-o_extended', 'sos_commands/conntrack/conntrack_-L', 'proc/net/nf_conntrack', 'proc/net/ip_conntrack'] },
  { name: 'namespace conntrack tables', kind: 'conntrack-table', paths: ['sos_commands/conntrack/ip_netns_exec_*_conntrack_-L*'] },
  { name: 'conntrack counters', kind: 'conntrack-stats', paths: ['sos_commands/conntrack/conntrack_-S', 'proc/net/stat/nf_conntrack', 'proc/net/stat/ip_conntrack'] },
  { name: 'namespace conntrack counters', kind: 'conntrack-stats', paths: ['sos_commands/conntrack/ip_netns_exec_*_conntrack_-S*'] },
  { name: 'sysctl settings', kind: 'sysctl', paths: ['sos_commands/kernel/sysctl_-a', 'proc/sys/net/netfilter/nf_conntrack_*'] },
  { name: 'hashsize', kind: 'sysctl', paths: ['sys/module/nf_conntrack/parameters/hashsize'] },
  { name: 'meminfo', kind: 'sysctl', paths: ['proc/meminfo'] },
  { name: 'slabinfo', kind: 'sysctl', paths: ['proc/slabinfo'] },
  { name: 'cpuinfo', kind: 'sysctl', paths: ['proc/cpuinfo'] },
  { name: 'hostname', kind: 'sysctl', fact: 'hostname', paths: ['hostname', 'sos_commands/host/hostname', 'sos_commands/general/hostname', 'etc/hostname'] },
  { name: 'uname', kind: 'sysctl', fact: 'kernel', paths: ['uname', 'sos_commands/kernel/uname_-a', 'sos_commands/general/uname_-a'] },
  { name: 'date', kind: null, fact: 'date', paths: ['sos_commands/date/date_--utc', 'sos_commands/date/date', 'date', 'sos_commands/general/date'] },
  { name: 'uptime', kind: null, fact: 'uptime', paths: ['uptime', 'sos_commands/host/uptime', 'sos_commands/general/uptime', 'proc/uptime'] },
  { name: 'lsmod', kind: null, paths: ['sos_commands/kernel/lsmod', 'lsmod'] },
];

/** A directory that marks a sosreport root (its parent is the root). */
export const SOS_ROOT_MARKER = 'sos_commands/';

/** sos keeps the tail of a truncated output here, behind a symlink at the original path. */
export const TAILED_RE = /(?:^|\/)sos_strings\/.+\.tailed$/;

/** Per-namespace capture: `ip_netns_exec_<ns>_conntrack_...` (the namespace may contain `_`). */
export const NETNS_RE = /^ip_netns_exec_(.+?)_conntrack_/;

/** The namespace a member's base name names, or null. */
export function namespaceOf(baseName: string): string | null {
  const m = NETNS_RE.exec(baseName);
  return m ? m[1]! : null;
}

// base name rotation suffix: ".N", "-YYYYMMDD" (or with hour), then an optional compression suffix
const ROTATION_RE = /^(.+?)(?:\.(\d{1,4})|-(\d{8}|\d{10}))?(\.gz|\.xz)?$/;

/** A log's base name without its rotation suffix, and its age rank (larger = older; 0 = the live file). */
export function rotation(baseName: string): { readonly stem: string; readonly age: number } {
  const m = ROTATION_RE.exec(baseName);
  if (!m) return { stem: baseName, age: 0 };
  const stem = m[1]!;
  if (m[2] !== undefined) return { stem, age: Number(m[2]) };
  // dated rotations are older than the live file and than nothing else; an earlier date is older
  if (m[3] !== undefined) return { stem, age: 1e11 - Number(m[3].padEnd(10, '0')) };
  if (m[4] !== undefined) return { stem, age: 0.5 };
  return { stem, age: 0 };
}

function escapeRe(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** A compiled candidate: does `rel` (a path relative to the root) match it? */
export interface CompiledCandidate {
  readonly pattern: string;
  /** Brings every match (glob or rotated), not just one. */
  readonly many: boolean;
  test(rel: string): boolean;
}

/** Compile a row's candidate: `*` matches within one path segment; rotated adds rotation suffixes. */
export function compileCandidate(pattern: string, rotated: boolean): CompiledCandidate {
  const body = pattern.split('*').map(escapeRe).join('[^/]*');
  const suffix = rotated ? '(?:\\.\\d{1,4}|-\\d{8}|-\\d{10})?(?:\\.gz|\\.xz)?' : '';
  const re = new RegExp(`^${body}${suffix}$`);
  return { pattern, many: rotated || pattern.includes('*'), test: (rel) => re.test(rel) };
}

/** The table with its candidates compiled (built once). */
export const COMPILED_LAYOUT: readonly { readonly row: LayoutRow; readonly candidates: readonly CompiledCandidate[] }[] =
  SOS_LAYOUT.map((row) => ({ row, candidates: row.paths.map((p) => compileCandidate(p, row.rotated === true)) }));

/**
 * True when some root-relative suffix of `path` matches a layout candidate: used while streaming, before
 * the roots are known, to decide that a member is worth keeping.
 */
export function matchesAnyCandidate(path: string): boolean {
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(i).join('/');
    for (const c of COMPILED_LAYOUT) {
      if (c.candidates.some((k) => k.test(rel))) return true;
    }
  }
  return false;
}
