/**
 * Parser for conntrack settings and host facts (kind `sysctl`): `sysctl -a` / `sysctl -p` / sysctl.conf
 * lines, /proc/sys/net/netfilter/* read with `cat` (value on the next line) or `grep . /proc/sys/...`
 * (`path:value`), `sysctl -n KEY` output, legacy `ip_conntrack_*` and `net.nf_conntrack_max`,
 * /sys/module/nf_conntrack/parameters/hashsize, kube-proxy log lines that set conntrack values,
 * /proc/meminfo, nproc, lscpu, /proc/cpuinfo, uname -r / -a, hostname, /proc/slabinfo. Sample:
 *
 *   root@ip-172-31-3-170:/var/log# sysctl -a|grep conntrack
 *   net.netfilter.nf_conntrack_buckets = 16384
 *   net.netfilter.nf_conntrack_count = 65422
 *   net.netfilter.nf_conntrack_max = 65536
 *   net.nf_conntrack_max = 65536
 *   $ cat /proc/sys/net/netfilter/nf_conntrack_max
 *   262144
 *   I0927 08:54:34.270712       1 conntrack.go:52] Setting nf_conntrack_max to 1179648
 *   MemTotal:       16318412 kB
 *   ip_conntrack 6537 16620 384 984 1662 1 : 496 124
 *
 * Decisions:
 * - Only conntrack table settings are kept (see names.ts); every other sysctl key is 'skip'.
 * - A bare value line belongs to the command line before it (`cat PATH...`, `sysctl -n KEY...`, `nproc`,
 *   `uname -r`, `hostname`); the state carries the pending keys in order, and a new command line replaces
 *   them. With no command line at all, the input's own path names the key (a bundle's
 *   `proc/sys/net/netfilter/nf_conntrack_max`, `sys/module/nf_conntrack/parameters/hashsize`, `hostname`).
 *   Otherwise a bare number is 'skip': e.g. `wc -l` outputs (`544`, `5602 /proc/net/ip_conntrack`) and
 *   `conntrack -L | wc -l` are line counts of a capture, not settings (and only of one namespace).
 * - `echo N > /proc/sys/...` is a command: 'skip' (the `cat` after it shows what is in force).
 * - kube-proxy lines give the setting they name (hashsize → nf_conntrack_buckets) and, once per input, the
 *   `kubeProxy` fact (value 1). A kube-proxy conntrack line cut by systemctl's ellipsis
 *   (`nf_conntrack_tcp_timeout_e... 86400`) is malformed 'truncated': neither name nor value is certain.
 * - /proc/cpuinfo: each `processor : N` line emits the running count as the `cpus` fact (the analysis
 *   keeps the largest), so no multi-line state is flushed at the end.
 * - `permission denied` / `Operation not permitted` / `No such file` lines are malformed 'command-error'.
 * - Values that are not unsigned integers, or exceed 2^53-1, are malformed 'bad-number' (never rounded).
 */
import { InputError, SkipInput } from '../../model/errors.js';
import type { HostFact, HostFactName, SysctlSetting } from '../../model/records.js';
import type { LineParser, LineResult, ParseContext } from '../line-parser.js';
import { canonicalName } from './names.js';
import { isBareCommand, isCommandError, parseUint, promptCommand, splitCommandLine, unquote } from './shell.js';

/** A record of this kind. */
export type SysctlRecord = SysctlSetting | HostFact;

/** What the next bare output line is. */
type Expect =
  | { readonly t: 'setting'; readonly name: string; readonly raw: string }
  | { readonly t: 'fact'; readonly fact: 'cpus' | 'kernel' | 'hostname' }
  | { readonly t: 'other' };

type Form = 'sysctl' | 'proc-sys' | 'kube-proxy' | 'host-facts';

/** Parser state (exported for tests and format()). */
export interface SysctlState {
  readonly ctx: ParseContext;
  /** Outputs expected after the last command line, in order. */
  pending: Expect[];
  sawCommand: boolean;
  /** What a bare value means when the input has no command line (from the input's path). */
  fileKey: Expect | null;
  processors: number;
  kubeProxySeen: boolean;
  emitted: number;
  nonBlank: number;
  /** `name = value` lines with a dotted name, relevant or not: is this a sysctl dump at all? */
  sysctlLines: number;
  errors: number;
  firstError: string | null;
  readonly forms: Map<Form, number>;
}

const KV_RE = /^([A-Za-z0-9_][\w.-]*\.[\w.-]+)\s*=\s*(.*?)\s*$/;
const PATH_VALUE_RE = /^(\S*?(?:proc\/sys|sys\/module)\/\S+?):\s*(\S+)\s*$/;
const MEMTOTAL_RE = /^MemTotal:\s+(\d+)\s*kB$/i;
const LSCPU_RE = /^CPU\(s\):\s+(\d+)$/;
const CPUINFO_RE = /^processor\s*:\s*\d+$/;
const SLAB_RE = /^(nf_conntrack(?:_[0-9a-f]{8,16})?|ip_conntrack)\s+\d+\s+\d+\s+(\d+)(?:\s|$)/;
const UNAME_A_RE = /^Linux\s+(\S+)\s+(\d+\.\d+[^\s#]*)\s+#/;
const LINUX_VERSION_RE = /^(?:\[[^\]]*\]\s*)?Linux version (\d+\.\d+\S*)/;
const STATIC_HOSTNAME_RE = /^Static hostname:\s*(\S+)$/;
const RELEASE_RE = /^\d+\.\d+(?:\.\d+)?(?:[-+~.][\w.+~-]*)?$/;
const HOSTNAME_RE = /^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?$/;
const KUBE_PROXY_RE = /kube-proxy|conntrack\.go:\d+\]/;
// "Setting nf_conntrack_max to 1048576", "Setting conntrack hashsize to 262144",
// "Set sysctl 'net/netfilter/nf_conntrack_tcp_timeout_established' to 86400"
const KP_SET_RE = /\bSet(?:ting)?\s+(?:sysctl\s+)?'?((?:[\w/.]*conntrack[\w/.]*)|conntrack hashsize)'?\s+to\s+(\d+)\s*$/;
// structured klog (kube-proxy ≥ 1.22): "Set sysctl" entry="net/netfilter/nf_conntrack_max" value=131072
const KP_STRUCT_RE = /"Set sysctl"\s+entry="([^"]+)"\s+value=(\d+)/;
// "Setting nf_conntrack_max" nfConntrackMax=131072 / "Setting conntrack hashsize" conntrackHashsize=32768
const KP_STRUCT2_RE = /"Setting (nf_conntrack_max|conntrack hashsize)"\s+\w+=(\d+)/;
const ELLIPSIS_RE = /\.\.\.|…/;

function bump(s: SysctlState, f: Form): void {
  s.forms.set(f, (s.forms.get(f) ?? 0) + 1);
}

function fileKeyFor(path: string): Expect | null {
  const p = path.replace(/\\/g, '/');
  if (/(?:^|[/!])(?:etc\/hostname|proc\/sys\/kernel\/hostname|hostname)$/.test(p)) return { t: 'fact', fact: 'hostname' };
  if (/(?:^|[/!])proc\/sys\/kernel\/osrelease$/.test(p)) return { t: 'fact', fact: 'kernel' };
  if (/(?:^|[/!])(?:proc\/sys\/|sys\/module\/)/.test(p)) {
    const name = canonicalName(p.replace(/^.*?(?=(?:proc\/sys|sys\/module)\/)/, ''));
    if (name) return { t: 'setting', name, raw: p };
  }
  return null;
}

/** What a command line's output means, command by command. */
function expectationsOf(cmd: string): Expect[] {
  const out: Expect[] = [];
  for (const c of splitCommandLine(cmd)) {
    // derived output (`| wc -l`, `| awk`): a count or a transform, never a setting value
    if (c.pipedTo.some((p) => /^(?:wc|awk|cut|sort|uniq|sed|xargs)$/.test(p))) {
      out.push({ t: 'other' });
      continue;
    }
    const args = c.args.filter((a) => !a.startsWith('-'));
    switch (c.program) {
      case 'cat':
        for (const a of args) {
          if (a.includes('*')) continue; // values without names: cannot be attributed
          const fk = fileKeyFor(a);
          if (fk) out.push(fk);
          else if (!/\/proc\/(?:meminfo|cpuinfo|slabinfo)$/.test(a)) out.push({ t: 'other' });
        }
        break;
      case 'sysctl':
        if (c.args.includes('-n') || c.args.some((a) => /^-\w*n/.test(a))) {
          for (const a of args) {
            const name = canonicalName(a);
            out.push(name ? { t: 'setting', name, raw: a } : { t: 'other' });
          }
        }
        break;
      case 'nproc':
        out.push({ t: 'fact', fact: 'cpus' });
        break;
      case 'uname':
        if (c.args.includes('-r')) out.push({ t: 'fact', fact: 'kernel' });
        else if (!c.args.includes('-a')) out.push({ t: 'other' });
        break;
      case 'hostname':
        if (c.args.every((a) => /^(?:-f|-s|--fqdn|--short|--long)$/.test(a))) out.push({ t: 'fact', fact: 'hostname' });
        else out.push({ t: 'other' });
        break;
      default:
        out.push({ t: 'other' });
    }
  }
  return out;
}

function setting(name: string, raw: string, value: number, text: string, lineNo: number, s: SysctlState): SysctlSetting {
  s.emitted++;
  return { kind: 'sysctl-setting', name, value, rawName: raw, text, src: { sourceId: s.ctx.sourceId, lineNo } };
}

function fact(f: HostFactName, value: string | number, text: string, lineNo: number, s: SysctlState): HostFact {
  s.emitted++;
  return { kind: 'host-fact', fact: f, value, text, src: { sourceId: s.ctx.sourceId, lineNo } };
}

/** A bare output line (a value after `cat`, `nproc`, `uname -r`, ...), consuming the pending expectation. */
function bareValue(t: string, text: string, lineNo: number, s: SysctlState): LineResult<SysctlRecord> | null {
  const isNumber = /^\d+$/.test(t);
  const isWord = !/\s/.test(t);
  if (!isNumber && !isWord) return null;
  let exp: Expect | undefined;
  if (s.pending.length > 0) exp = s.pending.shift();
  else if (!s.sawCommand && s.fileKey) {
    exp = s.fileKey;
    s.fileKey = null;
  }
  if (!exp || exp.t === 'other') return isNumber ? 'skip' : null;
  if (exp.t === 'setting') {
    const v = parseUint(t);
    if (v === null) return { malformed: 'bad-number', detail: `${exp.raw}: ${text}` };
    bump(s, 'proc-sys');
    return setting(exp.name, exp.raw, v, text, lineNo, s);
  }
  bump(s, 'host-facts');
  if (exp.fact === 'cpus') {
    const v = parseUint(t);
    if (v === null || v === 0) return { malformed: 'bad-number', detail: text };
    return fact('cpus', v, text, lineNo, s);
  }
  if (exp.fact === 'kernel') {
    if (!RELEASE_RE.test(t)) return { malformed: 'bad-field', detail: text };
    return fact('kernel', t, text, lineNo, s);
  }
  if (!HOSTNAME_RE.test(t)) return { malformed: 'bad-field', detail: text };
  return fact('hostname', t, text, lineNo, s);
}

function kubeProxyLine(t: string, text: string, lineNo: number, s: SysctlState): LineResult<SysctlRecord> {
  const m = KP_STRUCT_RE.exec(t) ?? KP_STRUCT2_RE.exec(t) ?? KP_SET_RE.exec(t);
  const out: SysctlRecord[] = [];
  if (m) {
    const raw = m[1]!;
    const name = canonicalName(raw);
    const v = parseUint(m[2]!);
    if (name) {
      if (v === null) return { malformed: 'bad-number', detail: text };
      out.push(setting(name, raw, v, text, lineNo, s));
    }
  } else if (/\bSet(?:ting)?\b/.test(t) && /conntrack/.test(t) && ELLIPSIS_RE.test(t)) {
    return { malformed: 'truncated', detail: text };
  }
  if (!s.kubeProxySeen) {
    s.kubeProxySeen = true;
    out.push(fact('kubeProxy', 1, text, lineNo, s));
  }
  if (out.length === 0) return 'skip';
  bump(s, 'kube-proxy');
  return out;
}

function factLine(t: string, text: string, lineNo: number, s: SysctlState): LineResult<SysctlRecord> | null {
  let m: RegExpExecArray | null;
  if ((m = MEMTOTAL_RE.exec(t))) {
    const kb = parseUint(m[1]!);
    if (kb === null || !Number.isSafeInteger(kb * 1024)) return { malformed: 'bad-number', detail: text };
    return fact('memTotalBytes', kb * 1024, text, lineNo, s);
  }
  if ((m = LSCPU_RE.exec(t))) {
    const n = parseUint(m[1]!);
    if (n === null || n === 0) return { malformed: 'bad-number', detail: text };
    return fact('cpus', n, text, lineNo, s);
  }
  if (CPUINFO_RE.test(t)) {
    s.processors++;
    return fact('cpus', s.processors, text, lineNo, s);
  }
  if ((m = SLAB_RE.exec(t))) {
    const n = parseUint(m[2]!);
    if (n === null || n === 0) return { malformed: 'bad-number', detail: text };
    return fact('entryBytes', n, text, lineNo, s);
  }
  if ((m = UNAME_A_RE.exec(t))) {
    const out: HostFact[] = [];
    if (HOSTNAME_RE.test(m[1]!)) out.push(fact('hostname', m[1]!, text, lineNo, s));
    out.push(fact('kernel', m[2]!, text, lineNo, s));
    return out;
  }
  if ((m = LINUX_VERSION_RE.exec(t))) return fact('kernel', m[1]!, text, lineNo, s);
  if ((m = STATIC_HOSTNAME_RE.exec(t)) && HOSTNAME_RE.test(m[1]!)) return fact('hostname', m[1]!, text, lineNo, s);
  return null;
}

/** The sysctl / host-facts line parser. */
export const sysctlParser: LineParser<SysctlRecord, SysctlState> = {
  kind: 'sysctl',
  init(ctx) {
    return {
      ctx, pending: [], sawCommand: false, fileKey: fileKeyFor(ctx.path), processors: 0, kubeProxySeen: false,
      emitted: 0, nonBlank: 0, sysctlLines: 0, errors: 0, firstError: null, forms: new Map(),
    };
  },
  line(text, lineNo, s) {
    const t = unquote(text);
    if (t === '') return 'skip';
    s.nonBlank++;
    const cmd = promptCommand(t) ?? (isBareCommand(t) ? t : null);
    if (cmd !== null) {
      s.sawCommand = true;
      s.pending = expectationsOf(cmd);
      return 'skip';
    }
    // before the error check: a kube-proxy log line may mention "permission denied" as log text
    if (KUBE_PROXY_RE.test(t)) return kubeProxyLine(t, text, lineNo, s);
    if (isCommandError(t)) {
      s.errors++;
      s.firstError ??= t;
      return { malformed: 'command-error' };
    }
    let m = KV_RE.exec(t);
    if (m) {
      s.sysctlLines++;
      const name = canonicalName(m[1]!);
      if (!name) return 'skip';
      const v = parseUint(m[2]!);
      if (v === null) return { malformed: 'bad-number' };
      bump(s, 'sysctl');
      return setting(name, m[1]!, v, text, lineNo, s);
    }
    m = PATH_VALUE_RE.exec(t);
    if (m) {
      s.sysctlLines++;
      const raw = m[1]!;
      const name = canonicalName(raw);
      if (!name) return 'skip';
      const v = parseUint(m[2]!);
      if (v === null) return { malformed: 'bad-number' };
      bump(s, 'proc-sys');
      return setting(name, raw, v, text, lineNo, s);
    }
    const f = factLine(t, text, lineNo, s);
    if (f !== null) {
      if (typeof f === 'object') bump(s, 'host-facts');
      return f;
    }
    return bareValue(t, text, lineNo, s) ?? 'skip';
  },
  end(s) {
    if (s.emitted > 0) return [];
    const path = s.ctx.path;
    if (s.errors > 0) throw new SkipInput('CTD_INPUT_NOT_APPLICABLE', `${path}: the capture holds only a command error: ${s.firstError ?? ''}`, { path, kind: 'sysctl' });
    if (s.nonBlank === 0) throw new SkipInput('CTD_INPUT_EMPTY', `${path}: empty`, { path, kind: 'sysctl' });
    if (s.sysctlLines > 0) throw new SkipInput('CTD_INPUT_NOT_APPLICABLE', `${path}: no conntrack settings (is nf_conntrack loaded?)`, { path, kind: 'sysctl' });
    throw new InputError('CTD_INPUT_UNRECOGNIZED', `${path}: not sysctl output: no conntrack setting or host fact found`, { path, kind: 'sysctl' });
  },
  format(s) {
    let best: Form | null = null;
    let n = 0;
    for (const [f, c] of s.forms) if (c > n) { best = f; n = c; }
    return best;
  },
};
