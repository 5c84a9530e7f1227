/**
 * --redact: consistent pseudonyms for IP addresses and host names everywhere in a Report (evidence text,
 * messages, summaries, paths, table tops, inputs[].host, hosts[].name, the sysctl file, object keys...), so
 * a report can leave the customer's walls. Works on the Report, so every format is redacted alike.
 *
 * Pseudonyms (numbered in order of first appearance in the report's JSON order, so deterministic):
 * - IPv4 → 198.18.0.1, 198.18.0.2, … (198.18.0.0/15, RFC 2544 benchmarking: never a real host; still a
 *   valid address, so tables and tools keep working; .0 and .255 skipped), past 198.19.255.254 → `ipv4-N`.
 * - IPv6 → 100::1, 100::2, … (100::/64, RFC 6666 discard prefix). Spellings of one address
 *   (2001:db8::1, 2001:0db8:0:0::1) are one address (RFC 5952 form is the key).
 * - host names → host-1, host-2, … Host names are those the report names (hosts[].name, inputs[].host,
 *   facts.hostname, findings/skips host, run.options.host); every occurrence in any text is replaced,
 *   case-insensitively, as a whole token (not inside a longer name: "web-07" in "incident-web-07/kern.log"
 *   is replaced, in "web-070" it is not). A fully qualified name's first label maps to the same pseudonym.
 * A pseudonym that equals an original somewhere in the report is skipped, so no two originals share one.
 * Numbers, times and everything else are untouched; run.assumptions gains a line saying so.
 */
import type { Report } from '../model/report.js';
import { formatIpv6, parseIpv6 } from '../util/ip.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `(?<![0-9A-Za-z.])${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z]|\\.\\d)`;
// a candidate only (validated by parseIpv6): groups of up to 4 hex digits with at least 2 colons, maybe a v4 tail
const IPV6 = '(?<![0-9A-Za-z:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})?(?![0-9A-Za-z:])';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every string of a JSON-like value (keys and values), in JSON order. */
function eachString(v: unknown, f: (s: string) => void): void {
  if (typeof v === 'string') f(v);
  else if (Array.isArray(v)) for (const x of v) eachString(x, f);
  else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      f(k);
      eachString((v as Record<string, unknown>)[k], f);
    }
  }
}

/** A copy of a JSON-like value with every string (keys too) mapped; prototypes (null or Object) kept. */
function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v !== null && typeof v === 'object') {
    const out = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    for (const k of Object.keys(v)) {
      // defineProperty: a key named "__proto__" stays a plain key
      Object.defineProperty(out, f(k), { value: mapStrings((v as Record<string, unknown>)[k], f), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

function hostNamesOf(report: Report): string[] {
  const names: string[] = [];
  const add = (n: unknown): void => { if (typeof n === 'string' && n.trim() !== '') names.push(n.trim()); };
  for (const h of report.hosts) { add(h.name); add(h.facts?.hostname); }
  for (const i of report.inputs) add(i.host);
  for (const f of report.findings) add(f.host);
  for (const s of report.skips) add(s.host);
  add(report.run.options['host']);
  return names;
}

type Kind = 'v4' | 'v6' | 'host';

/** Redact a Report: see the file header for the pseudonyms. Pure and deterministic. */
export function redactReport(report: Report): Report {
  // host names and their short labels → one key per host (the lower-cased full name)
  const hostKey = new Map<string, string>();
  for (const n of hostNamesOf(report)) {
    const low = n.toLowerCase();
    if (new RegExp(`^${IPV4}$`).test(n) || parseIpv6(n)) continue; // an address, not a name
    if (!hostKey.has(low)) hostKey.set(low, low);
    const label = low.split('.')[0]!;
    if (label !== low && label.length >= 2 && !hostKey.has(label)) hostKey.set(label, low);
  }
  const names = [...hostKey.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeRegExp);
  const hostPart = names.length ? `|(?<![0-9A-Za-z])(?:${names.join('|')})(?![0-9A-Za-z])` : '';
  const re = new RegExp(`(${IPV6})|(${IPV4})${hostPart}`, 'gi');

  const classify = (m: string, v6: string | undefined, v4: string | undefined): { kind: Kind; key: string } | null => {
    if (v6 !== undefined) {
      const g = parseIpv6(m);
      return g ? { kind: 'v6', key: formatIpv6(g) } : null;
    }
    if (v4 !== undefined) return { kind: 'v4', key: m };
    const k = hostKey.get(m.toLowerCase());
    return k === undefined ? null : { kind: 'host', key: k };
  };

  // pass 1: every original, in order of first appearance
  const order: Record<Kind, string[]> = { v4: [], v6: [], host: [] };
  const seen: Record<Kind, Set<string>> = { v4: new Set(), v6: new Set(), host: new Set() };
  eachString(report, (s) => {
    for (const m of s.matchAll(re)) {
      const c = classify(m[0], m[1], m[2]);
      if (c && !seen[c.kind].has(c.key)) { seen[c.kind].add(c.key); order[c.kind].push(c.key); }
    }
  });
  // every host's key is named even when its text never occurs elsewhere
  for (const k of new Set(hostKey.values())) if (!seen.host.has(k)) { seen.host.add(k); order.host.push(k); }

  // pseudonyms, skipping any that is itself an original
  const pseudo: Record<Kind, Map<string, string>> = { v4: new Map(), v6: new Map(), host: new Map() };
  let k4 = 0;
  for (const o of order.v4) {
    let p: string;
    do {
      k4++;
      p = k4 < 2 * 65536 ? `198.${18 + Math.floor(k4 / 65536)}.${Math.floor(k4 / 256) % 256}.${k4 % 256}` : `ipv4-${k4}`;
    } while (seen.v4.has(p) || p.endsWith('.0') || p.endsWith('.255'));
    pseudo.v4.set(o, p);
  }
  let k6 = 0;
  for (const o of order.v6) {
    let p: string;
    do p = `100::${(++k6).toString(16)}`; while (seen.v6.has(p));
    pseudo.v6.set(o, p);
  }
  let kh = 0;
  for (const o of order.host) {
    let p: string;
    do p = `host-${++kh}`; while (seen.host.has(p));
    pseudo.host.set(o, p);
  }

  // pass 2: replace (one regex pass per string, so a pseudonym is never rewritten again)
  const replace = (s: string): string => s.replace(re, (m: string, v6: string | undefined, v4: string | undefined) => {
    const c = classify(m, v6, v4);
    return c ? pseudo[c.kind].get(c.key) ?? m : m;
  });
  const out = mapStrings(report, replace) as Report;
  const note = 'addresses and host names are pseudonyms (--redact): IPv4 198.18.x.x, IPv6 100::x, hosts host-N, consistent within this report';
  return { ...out, run: { ...out.run, assumptions: [...out.run.assumptions, note] } };
}
