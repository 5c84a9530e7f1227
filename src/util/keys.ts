/**
 * Numeric forms of the capture tallies' keys (issue 7): an IPv4 address as one int32, a protocol name
 * as a small id, and the three {@link KeyCodec}s the table accumulator gives its tallies (sources and
 * destinations, `protocol/port`, and the `src\0dst\0protocol\0port` pair). Each codec's `text` gives
 * exactly the string the record path builds, and its `parse` accepts exactly the strings `text` gives
 * (canonical dotted quads, registered protocol names, ports 0–65535 written without leading zeros), so a
 * key is held numerically whichever path counted it.
 */
import type { KeyCodec } from '../analysis/heavy-hitters.js';

/** Protocol names given ids (beyond, names have no numeric form and keys stay strings). */
const MAX_PROTOCOLS = 1024;
const protoIds = new Map<string, number>();
const protoNames: string[] = [];

/** The id of a protocol name (registered on first sight), or -1 past {@link MAX_PROTOCOLS} names. */
export function protocolId(name: string): number {
  const id = protoIds.get(name);
  if (id !== undefined) return id;
  if (protoNames.length >= MAX_PROTOCOLS) return -1;
  protoNames.push(name);
  protoIds.set(name, protoNames.length - 1);
  return protoNames.length - 1;
}

/**
 * Names registered first, in this order, so their ids are fixed: the capture engine's tokenizer
 * (wasm/capture.ts) writes these ids into its packed entries.
 */
export const FIXED_PROTOCOLS: readonly string[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'gre'];
for (const name of FIXED_PROTOCOLS) protocolId(name);

/** The dotted text of an IPv4 address held as int32. */
export function v4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** A canonical dotted quad (no leading zeros, octets ≤ 255) as int32, else null. */
export function parseV4(s: string): number | null {
  const n = s.length;
  if (n < 7 || n > 15) return null;
  let value = 0;
  let octets = 0;
  let i = 0;
  while (i < n) {
    const d0 = i;
    let o = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      o = o * 10 + (c - 48);
      i++;
    }
    const len = i - d0;
    if (len === 0 || len > 3 || o > 255 || (len > 1 && s.charCodeAt(d0) === 48)) return null;
    value = value * 256 + o;
    octets++;
    if (i < n) {
      if (s.charCodeAt(i) !== 46 || octets === 4) return null;
      i++;
      if (i === n) return null;
    }
  }
  return octets === 4 ? value | 0 : null;
}

/** A port written as the record path writes it (0–65535, no leading zero), else -1. */
function parsePort(s: string, from: number, to: number): number {
  const len = to - from;
  if (len < 1 || len > 5 || (len > 1 && s.charCodeAt(from) === 48)) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= 65535 ? v : -1;
}

/** "No port" in a pair key (an entry without dport: icmp, gre). */
export const NO_PORT = 65536;

/** Sources and destinations: an IPv4 address as (address, 0, 0). */
export const V4_CODEC: KeyCodec = {
  text: (a) => v4Text(a),
  parse(key, out) {
    const v = parseV4(key);
    if (v === null) return false;
    out[0] = v;
    out[1] = 0;
    out[2] = 0;
    return true;
  },
};

/** Destination ports: `tcp/443` as (protocol id, port, 0). */
export const PORT_CODEC: KeyCodec = {
  text: (a, b) => `${protoNames[a]}/${b}`,
  parse(key, out) {
    const slash = key.lastIndexOf('/');
    if (slash <= 0) return false;
    const port = parsePort(key, slash + 1, key.length);
    if (port < 0) return false;
    const id = protocolId(key.slice(0, slash));
    if (id < 0) return false;
    out[0] = id;
    out[1] = port;
    out[2] = 0;
    return true;
  },
};

/** The third word of a pair key: protocol id and port (or {@link NO_PORT}). */
export function pairTail(protoId: number, port: number): number {
  return (protoId << 17) | port;
}

/** Pairs: `src\0dst\0protocol\0port` as (src, dst, {@link pairTail}). */
export const PAIR_CODEC: KeyCodec = {
  text(a, b, c) {
    const port = c & 0x1ffff;
    return `${v4Text(a)}\u0000${v4Text(b)}\u0000${protoNames[c >>> 17]}\u0000${port === NO_PORT ? '' : port}`;
  },
  parse(key, out) {
    const z1 = key.indexOf('\u0000');
    if (z1 < 0) return false;
    const z2 = key.indexOf('\u0000', z1 + 1);
    if (z2 < 0) return false;
    const z3 = key.indexOf('\u0000', z2 + 1);
    if (z3 < 0 || key.indexOf('\u0000', z3 + 1) !== -1) return false;
    const src = parseV4(key.slice(0, z1));
    if (src === null) return false;
    const dst = parseV4(key.slice(z1 + 1, z2));
    if (dst === null) return false;
    const port = z3 + 1 === key.length ? NO_PORT : parsePort(key, z3 + 1, key.length);
    if (port < 0) return false;
    const id = protocolId(key.slice(z2 + 1, z3));
    if (id < 0) return false;
    out[0] = src;
    out[1] = dst;
    out[2] = pairTail(id, port);
    return true;
  },
};
