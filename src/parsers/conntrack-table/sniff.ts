/**
 * Sniffer for conntrack table captures (`conntrack -L`, `-o extended`, `-o xml`, `conntrack -E`,
 * /proc/net/nf_conntrack, /proc/net/ip_conntrack). Reads the first lines only.
 *
 * Literal sample that scores high:
 *
 *     tcp      6 431999 ESTABLISHED src=192.0.2.2 dst=192.0.2.1 sport=22 dport=40272 src=192.0.2.1 dst=192.0.2.2 sport=40272 dport=22 [ASSURED] mark=0 use=1
 */
import { contentStart, parseEntry } from './conntrack-table.js';

const TRAILER_RE = /conntrack v[0-9][0-9.]*\s*\(conntrack-tools\):\s*\d+ flow (?:entries|events) ha(?:ve|s) been shown/;
const NAME_HINT_RE = /(?:nf_conntrack|ip_conntrack|conntrack_-L|conntrack-L|conntrack_-E|conntrack\.txt|conntrack-table)/;

/**
 * Confidence 0..1 that these lines are a table capture: 0.7 + 0.3 × (entry lines / content lines)
 * when at least one line parses as an entry (or an XML flow); 0.6 for a lone trailer (an empty
 * `| grep`); 0 otherwise. The file name adds 0.05 only when the content already matched.
 */
export function sniffConntrackTable(head: readonly string[], name: string): number {
  let content = 0;
  let entries = 0;
  let trailers = 0;
  for (const line of head) {
    const i = contentStart(line);
    if (i >= line.length) continue;
    content++;
    if (line.indexOf('<flow', i) !== -1 && line.indexOf('<meta direction=', i) !== -1) { entries++; continue; }
    if (TRAILER_RE.test(line)) { trailers++; continue; }
    if (line.indexOf('src=', i) === -1) continue;
    // a kselftest "# " prefix or a tools prefix before the entry
    let j = i;
    if (line.charCodeAt(j) === 35) j = contentStart(line.slice(j + 1)) + j + 1;
    const tools = /^conntrack v[0-9.]+\s*\(conntrack-tools\):\s*/.exec(line.slice(j));
    if (tools) j += tools[0].length;
    const ev = /\[(?:NEW|UPDATE|DESTROY)\]/.exec(line.slice(j));
    if (ev && ev.index > 0) j += ev.index;
    const r = parseEntry(line, j, 0, '', 0, line);
    if (r.ok) entries++;
  }
  let score = 0;
  if (entries > 0) score = 0.7 + 0.3 * Math.min(1, entries / Math.max(1, content));
  else if (trailers > 0) score = 0.6;
  if (score > 0 && NAME_HINT_RE.test(name)) score = Math.min(1, score + 0.05);
  return Math.round(score * 1000) / 1000;
}
