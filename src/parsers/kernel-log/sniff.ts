/**
 * Sniffer for kernel logs: how sure are we (0..1) that these first lines are a kernel log? Lines that
 * carry a kernel framing (dmesg, syslog `host kernel:`, journalctl) or an nf_conntrack/ip_conntrack
 * message count as hits. Literal sample that scores high:
 *   [ 1465.133062] nf_conntrack: nf_conntrack: table full, dropping packet
 * `conntrack -L`, `conntrack -S`, `sysctl -a` and `2024-05-13 10:00:00 123456` timelines match no
 * kernel framing and no message, so they score 0 (plus at most the file-name bonus).
 */
import { parseFrame, stripNoise, stripPrompt } from './framing.js';
import { matchKernelMessage } from './messages.js';

const NAME_HINT = /dmesg|kern|messages|syslog|journal/i;
const HAS_LETTER = /[A-Za-z]/;

/** How much a syslog line of another program counts: /var/log/messages mixes them in, but a log of only
 * other programs (a kube-proxy journal, a conntrack event logger) is some other kind's input. */
const OTHER_PROGRAM_WEIGHT = 0.35;

type LineVerdict = 'strong' | 'framed' | 'other' | 'none';

function judge(raw: string): LineVerdict {
  let t = stripNoise(raw);
  if (t.startsWith('-- ')) {
    return t.startsWith('-- Logs begin at') || t.startsWith('-- Journal begins at') || t.startsWith('-- Reboot --')
      || t.startsWith('-- No entries') || t.startsWith('-- Boot ') ? 'framed' : 'none';
  }
  if (t.charCodeAt(0) === 123 /* { */) {
    if (!t.includes('"__REALTIME_TIMESTAMP"') || !t.includes('"MESSAGE"')) return 'none';
    return t.includes('conntrack') ? 'strong' : 'framed';
  }
  const p = stripPrompt(t);
  if (p !== null) t = p;
  if (t === '') return 'none';
  const f = parseFrame(t, false);
  const m = f.source === 'kernel' ? matchKernelMessage(f.body) : null;
  if (m !== null || (f.source === 'kernel' && (f.body.startsWith('nf_conntrack: ') || f.body.startsWith('ip_conntrack: ')))) return 'strong';
  if (f.framing === 'dmesg-none') return 'none';
  if (f.source === 'other') return 'other';
  // an ISO stamp in front of a bare number is a usage timeline, not dmesg --time-format iso
  if (f.framing === 'dmesg-iso' && !HAS_LETTER.test(f.body)) return 'none';
  return 'framed';
}

/** Confidence 0..1 that `head` (first lines of an input) is a kernel log; `name` adds at most 0.05. */
export function sniffKernelLog(head: readonly string[], name: string): number {
  let lines = 0;
  let hits = 0;
  let strong = 0;
  for (const raw of head) {
    if (raw.trim() === '') continue;
    lines++;
    const v = judge(raw);
    if (v === 'other') hits += OTHER_PROGRAM_WEIGHT;
    else if (v !== 'none') hits++;
    if (v === 'strong') strong++;
  }
  let score = 0;
  if (lines > 0 && hits > 0) score = (strong > 0 ? 0.3 : 0) + 0.65 * (hits / lines);
  if (NAME_HINT.test(name)) score += 0.05;
  return Math.min(1, score);
}
