/**
 * Kernel (and kube-proxy) messages that matter, matched on the message body behind the framing.
 * Case-sensitive, a trailing period and trailing text (a user's comment, a closing quote) tolerated.
 *
 * Literal samples:
 *   nf_conntrack: table full, dropping packet                  nf_conntrack: nf_conntrack: table full, dropping packet
 *   nf_conntrack: table full in netns 4026532, dropping packet ip_conntrack: table full, dropping packet.
 *   ip_conntrack: VPS 101: table full, dropping packet.        ip_conntrack: VPS xxx table full, dropping packet.
 *   net_ratelimit: 23807 callbacks suppressed                  __ratelimit: 15812 callbacks suppresse
 *   printk: 4489 messages suppressed.                          nf_conntrack: expectation table full
 *   nf_conntrack: falling back to vmalloc.                     nf_conntrack version 0.5.0 (16384 buckets, 65536 max)
 *   TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.
 *   Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc ...) #101-Ubuntu SMP ...
 *   I0523 10:10:10.123456       1 conntrack.go:100] Set sysctl 'net/netfilter/nf_conntrack_max' to 131072
 */
import type { KernelEventType } from '../../model/records.js';

/** A message that became an event, with its type-specific fields. */
export interface MessageMatch {
  readonly type: Exclude<KernelEventType, 'reboot'>;
  readonly netns?: string | null;
  readonly count?: number;
  readonly limiter?: string;
  readonly settings?: Readonly<Record<string, number>>;
  readonly release?: string;
}

/** A relevant message that did not parse. */
export interface MessageIssue {
  readonly malformed: 'truncated' | 'unparsed' | 'bad-number';
}

/** null: the body is not a message that matters. */
export type MessageResult = MessageMatch | MessageIssue | null;

const NF = 'nf_conntrack: ';
const IP = 'ip_conntrack: ';
const TABLE_FULL = 'table full';

/** A settings map keyed by input text: built without a prototype. */
function settingsOf(pairs: readonly (readonly [string, number])[]): Readonly<Record<string, number>> {
  const o = Object.create(null) as Record<string, number>;
  for (const [k, v] of pairs) o[k] = v;
  return o;
}

/** True when `s` (blank-trimmed at the end) is a proper prefix of `whole`, i.e. the line was cut inside it. */
function cutInside(s: string, whole: string): boolean {
  const t = s.trimEnd();
  return t.length < whole.length && whole.startsWith(t);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Length of the run of ASCII digits at the start of s. */
function digitRun(s: string, from = 0): number {
  let i = from;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i - from;
}

/** The `nf_conntrack: ` / `ip_conntrack: ` messages (the body after that prefix is `rest`). */
function matchConntrack(rest0: string, isIp: boolean): MessageResult {
  let rest = rest0;
  // doubled prefix ("nf_conntrack: nf_conntrack: table full"), common on Ubuntu
  if (rest.startsWith(NF)) rest = rest.slice(NF.length);
  else if (cutInside(rest, NF) && rest.trimEnd().length > 0) return { malformed: 'truncated' };
  if (rest.startsWith('expectation table full')) return { type: 'expectation-full' };
  if (rest.startsWith('falling back to vmalloc')) return { type: 'vmalloc-fallback' };
  let netns: string | null = null;
  if (isIp && rest.startsWith('VPS ')) {
    // OpenVZ: "VPS 101: table full" or "VPS xxx table full" (id masked by the author)
    let i = 4;
    while (i < rest.length && rest.charCodeAt(i) !== 32 && rest.charCodeAt(i) !== 58) i++;
    const id = rest.slice(4, i);
    if (rest.charCodeAt(i) === 58) i++;
    if (rest.charCodeAt(i) === 32) i++;
    const after = rest.slice(i);
    if (id === '' || i >= rest.length || cutInside(after, TABLE_FULL)) return { malformed: 'truncated' };
    netns = `VPS ${id}`;
    rest = after;
  }
  if (rest.startsWith(TABLE_FULL)) {
    // The kernel prints no other main-table "table full" message, so a line cut anywhere after
    // "table full" (a mail client's hard wrap) is still a drop; its continuation line is skipped.
    const tail = rest.slice(TABLE_FULL.length);
    if (tail.startsWith(' in netns ')) {
      const n = digitRun(tail, 10);
      if (n > 0) netns = tail.slice(10, 10 + n);
    }
    return { type: 'drop', netns };
  }
  if (cutInside(rest, TABLE_FULL)) return { malformed: 'truncated' };
  return null;
}

/**
 * `<limiter>: N callbacks suppressed` / `printk: N messages suppressed.`; the word may be cut
 * ("suppresse", "suppress") once the number is complete. Other cuts are 'truncated'.
 */
function matchSuppressed(rest: string, limiter: string, word: string, mustHaveDigits: boolean): MessageResult {
  const n = digitRun(rest);
  if (n === 0) return !mustHaveDigits && rest.trimEnd() === '' ? { malformed: 'truncated' } : null;
  const after = rest.slice(n);
  const full = ` ${word} suppressed`;
  if (after.startsWith(` ${word} suppress`)) {
    if (n > 15) return { malformed: 'bad-number' };
    return { type: 'suppressed', count: Number(rest.slice(0, n)), limiter };
  }
  // cut right after the digits (the number may be incomplete) or inside the words
  if (cutInside(after, full)) return { malformed: 'truncated' };
  return null;
}

/** `... Possible SYN flooding on port P.` (also `port [::]:443` / `0.0.0.0:80` on newer kernels). */
function matchSynFlood(body: string): MessageResult {
  const key = 'ossible SYN flooding on port ';
  const i = body.indexOf(key);
  if (i < 1 || i > 60) return null;
  const p = body.charCodeAt(i - 1);
  if (p !== 80 && p !== 112) return null; // 'P' or 'p'
  const start = i + key.length;
  let end = body.indexOf(' ', start);
  if (end < 0) end = body.length;
  let tok = body.slice(start, end);
  if (tok.endsWith('.')) tok = tok.slice(0, -1);
  const colon = tok.lastIndexOf(':');
  if (colon >= 0) tok = tok.slice(colon + 1);
  if (tok.length === 0 || tok.length > 5 || digitRun(tok) !== tok.length || Number(tok) > 65535) return { malformed: 'bad-number' };
  return { type: 'syn-flood', count: Number(tok) };
}

const BOOT_LINE = /^(?:nf|ip)_conntrack version \S{1,40} \((\d{1,12}) buckets, (\d{1,12}) max\)/;

/** Kernel messages, matched at the start of the body. */
export function matchKernelMessage(body: string): MessageResult {
  const c = body.charCodeAt(0);
  if (c === 110 /* n */ || c === 105 /* i */) {
    const isIp = c === 105;
    const prefix = isIp ? IP : NF;
    if (body.startsWith(prefix)) return matchConntrack(body.slice(prefix.length), isIp);
    if (body.startsWith(isIp ? 'ip_conntrack version ' : 'nf_conntrack version ')) {
      const m = BOOT_LINE.exec(body);
      if (!m) return { malformed: 'unparsed' };
      return {
        type: 'conntrack-boot',
        settings: settingsOf([['net.netfilter.nf_conntrack_buckets', Number(m[1])], ['net.netfilter.nf_conntrack_max', Number(m[2])]]),
      };
    }
    if (body.startsWith(isIp ? 'ip_conntrack' : 'nf_conntrack') && cutInside(body, `${prefix}${TABLE_FULL}`)) return { malformed: 'truncated' };
    if (!isIp && body.startsWith('net_ratelimit: ')) return matchSuppressed(body.slice(15), 'net_ratelimit', 'callbacks', false);
    return null;
  }
  if (c === 95 /* _ */) {
    if (body.startsWith('__ratelimit: ')) return matchSuppressed(body.slice(13), '__ratelimit', 'callbacks', false);
    return null;
  }
  if (c === 112 /* p */) {
    if (body.startsWith('printk: ')) return matchSuppressed(body.slice(8), 'printk', 'messages', true);
    return matchSynFlood(body);
  }
  if (c === 76 /* L */) {
    if (body.startsWith('Linux version ')) {
      let e = body.indexOf(' ', 14);
      if (e < 0) e = body.length;
      const release = body.slice(14, e);
      if (release === '') return { malformed: 'unparsed' };
      return { type: 'kernel-version', release };
    }
    return null;
  }
  if (c === 84 /* T */ || c === 80 /* P */) return matchSynFlood(body);
  return null;
}

const SET_SYSCTL = "Set sysctl '";

/**
 * kube-proxy's `Set sysctl 'net/netfilter/<name>' to N` (anywhere in the body: klog headers precede it),
 * and the older `Setting nf_conntrack_max to N`. Only net/netfilter keys; others are not ours.
 */
export function matchKubeProxy(body: string): MessageResult {
  let i = body.indexOf(SET_SYSCTL);
  if (i >= 0) {
    i += SET_SYSCTL.length;
    const q = body.indexOf("' to ", i);
    if (q < 0 || q - i > 200) return null;
    const key = body.slice(i, q);
    if (!key.startsWith('net/netfilter/')) return null;
    const v = body.slice(q + 5);
    const n = digitRun(v);
    if (n === 0 || n > 15) return { malformed: 'bad-number' };
    return { type: 'kube-proxy-sysctl', settings: settingsOf([[key.replaceAll('/', '.'), Number(v.slice(0, n))]]) };
  }
  const s = body.indexOf('Setting nf_conntrack_max to ');
  if (s >= 0) {
    const v = body.slice(s + 28);
    const n = digitRun(v);
    if (n === 0 || n > 15) return { malformed: 'bad-number' };
    return { type: 'kube-proxy-sysctl', settings: settingsOf([['net.netfilter.nf_conntrack_max', Number(v.slice(0, n))]]) };
  }
  return null;
}

/** A drop message somewhere in the text (for lines whose framing was not recognised). */
export function mentionsDrop(text: string): boolean {
  return text.includes('conntrack: table full') || text.includes('conntrack: nf_conntrack: table full');
}
