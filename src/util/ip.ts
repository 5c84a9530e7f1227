/**
 * IP address normalisation. /proc/net/nf_conntrack prints IPv6 addresses zero-padded
 * (`2001:0db8:ffff:0021:0000:0000:0000:0002`) while `conntrack -L` prints the short form
 * (`2001:db8:ffff:21::2`): both must tally as one address, so every IPv6 address is rewritten to
 * the RFC 5952 text form (lower case, no leading zeros, the longest run of two or more zero groups
 * as `::`, the first such run on a tie). IPv4 addresses are returned unchanged (conntrack never
 * pads them), and so is anything that is not a valid address: a garbled paste stays visible as
 * written instead of being guessed at.
 */

/** True when the text contains a colon, i.e. it can only be an IPv6 address (or garbage). */
export function isIpv6Text(s: string): boolean {
  return s.indexOf(':') !== -1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;        // 0-9
  if (c >= 97 && c <= 102) return c - 87;       // a-f
  if (c >= 65 && c <= 70) return c - 55;        // A-F
  return -1;
}

/** Parse one group of 1-4 hex digits; -1 when it is not one. */
function parseGroup(s: string, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 4) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const h = hexValue(s.charCodeAt(i));
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/** Parse dotted IPv4 into two 16-bit groups (for `::ffff:192.0.2.1`); null when invalid. */
function parseV4Groups(s: string): [number, number] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const b: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    b.push(n);
  }
  return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
}

/**
 * Parse an IPv6 address into its 8 groups, or null when the text is not a valid IPv6 address.
 * A zone suffix (`%eth0`) is not accepted: conntrack never prints one.
 */
export function parseIpv6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45) return null;
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return null;
  const parseSide = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === '') return [];
    const pieces = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (allowV4Tail && i === pieces.length - 1 && piece.indexOf('.') !== -1) {
        const v4 = parseV4Groups(piece);
        if (!v4) return null;
        out.push(v4[0], v4[1]);
        continue;
      }
      const g = parseGroup(piece, 0, piece.length);
      if (g < 0) return null;
      out.push(g);
    }
    return out;
  };
  if (dbl === -1) {
    const groups = parseSide(s, true);
    return groups && groups.length === 8 ? groups : null;
  }
  const head = parseSide(s.slice(0, dbl), false);
  const tail = parseSide(s.slice(dbl + 2), true);
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** Format 8 groups in RFC 5952 form. */
export function formatIpv6(groups: readonly number[]): string {
  // find the longest run (>= 2) of zero groups; the first one wins a tie
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** Small cache: real captures repeat the same few IPv6 addresses many times. */
const CACHE_MAX = 4096;
const cache = new Map<string, string>();

/**
 * The canonical text of an address: IPv6 in RFC 5952 form, IPv4 and invalid text unchanged.
 * `normalizeIp('2001:0db8:0000:0000:0000:0000:0000:0001') === normalizeIp('2001:db8::1')`.
 */
export function normalizeIp(s: string): string {
  if (s.indexOf(':') === -1) return s;
  const hit = cache.get(s);
  if (hit !== undefined) return hit;
  const groups = parseIpv6(s);
  const out = groups ? formatIpv6(groups) : s;
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(s, out);
  return out;
}
