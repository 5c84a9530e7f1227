/**
 * Numeric keys (KeyCodec, src/util/keys.ts) must not change a number: a tally fed numeric keys (the
 * capture fast path) and string keys (the record path) in any mix gives exactly what a string-only
 * tally gives — top lists, counts, over-count bounds, size, approximate — exact and past the cap
 * (Space-Saving evictions, ties, backward-shift deletions in the open-addressing index).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedTally, type KeyCodec } from '../../src/analysis/heavy-hitters.js';
import { NO_PORT, PAIR_CODEC, PORT_CODEC, V4_CODEC, pairTail, parseV4, protocolId, v4Text } from '../../src/util/keys.js';
import { seededRandom } from '../helpers.js';

interface Key { readonly text: string; readonly num: readonly [number, number, number] | null }

function compare(keys: readonly Key[], codec: KeyCodec, capacity: number, seed: number): void {
  const r = seededRandom(seed);
  const plain = new BoundedTally(capacity);
  const mixed = new BoundedTally(capacity, codec);
  for (const k of keys) {
    const a = plain.add(k.text);
    const b = k.num !== null && r() < 0.7 ? mixed.addNum(k.num[0], k.num[1], k.num[2]) : mixed.add(k.text);
    assert.equal(b, a, `count returned for ${JSON.stringify(k.text)}`);
  }
  assert.equal(mixed.size, plain.size);
  assert.equal(mixed.approximate, plain.approximate);
  assert.equal(mixed.total, plain.total);
  for (const n of [1, 3, 10, capacity + 5]) assert.deepEqual(mixed.top(n), plain.top(n), `top(${n}), capacity ${capacity}, seed ${seed}`);
  for (const k of keys.slice(0, 50)) assert.equal(mixed.get(k.text), plain.get(k.text));
}

function zipfPick(r: () => number, n: number): number {
  // skewed: a few keys often, many rarely (ties at small counts, as in a busy node's pair tally)
  return Math.floor(n * r() ** 3);
}

test('IPv4 codec: round trip only for canonical dotted quads', () => {
  for (const s of ['0.0.0.0', '10.244.0.8', '192.0.2.255', '255.255.255.255', '128.0.0.1']) {
    const v = parseV4(s);
    assert.notEqual(v, null, s);
    assert.equal(v4Text(v!), s);
  }
  for (const s of ['192.0.2.01', '192.0.2.256', '192.0.2', '1.2.3.4.5', '2001:db8::1', '', 'a.b.c.d', '1..2.3']) assert.equal(parseV4(s), null, s);
  const out = new Int32Array(3);
  assert.equal(PORT_CODEC.parse('tcp/0443', out), false, 'a port with a leading zero keeps its string');
  assert.equal(PORT_CODEC.parse('tcp/70000', out), false);
  assert.equal(PORT_CODEC.parse('tcp/443', out), true);
  assert.equal(PORT_CODEC.text(out[0]!, out[1]!, out[2]!), 'tcp/443');
  assert.equal(PAIR_CODEC.parse('192.0.2.1\u0000198.51.100.2\u0000icmp\u0000', out), true);
  assert.equal(PAIR_CODEC.text(out[0]!, out[1]!, out[2]!), '192.0.2.1\u0000198.51.100.2\u0000icmp\u0000');
  assert.equal(out[2]! & 0x1ffff, NO_PORT);
});

test('numeric and string keys give identical tallies, exact and past the cap (addresses)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = seededRandom(seed);
    const keys: Key[] = [];
    for (let i = 0; i < 4000; i++) {
      const x = zipfPick(r, 600);
      if (x % 11 === 0) keys.push({ text: `2001:db8::${x.toString(16)}`, num: null });
      else {
        // addresses across the whole int32 range, including ones V8 cannot hold as small integers
        const v = (Math.imul(x + 1, 0x9e3779b1) >>> 0) | 0;
        keys.push({ text: v4Text(v), num: [v, 0, 0] });
      }
    }
    for (const cap of [1, 7, 64, 300, 10_000]) compare(keys, V4_CODEC, cap, seed * 100 + cap);
  }
});

test('numeric and string keys give identical tallies (pairs and ports)', () => {
  const protos = ['tcp', 'udp', 'icmp', 'gre'];
  for (const seed of [11, 12, 13]) {
    const r = seededRandom(seed);
    const pairs: Key[] = [];
    const ports: Key[] = [];
    for (let i = 0; i < 3000; i++) {
      const src = (zipfPick(r, 200) * 7919) | 0;
      const dst = (0xc0000200 + zipfPick(r, 50)) | 0;
      const proto = protos[zipfPick(r, 4)]!;
      const port = proto === 'icmp' || proto === 'gre' ? null : [53, 80, 443, 5432, 65535, 0][zipfPick(r, 6)]!;
      const id = protocolId(proto);
      pairs.push({ text: `${v4Text(src)}\u0000${v4Text(dst)}\u0000${proto}\u0000${port ?? ''}`, num: [src, dst, pairTail(id, port ?? NO_PORT)] });
      if (port !== null) ports.push({ text: `${proto}/${port}`, num: [id, port, 0] });
    }
    for (const cap of [1, 5, 50, 400, 10_000]) {
      compare(pairs, PAIR_CODEC, cap, seed * 1000 + cap);
      compare(ports, PORT_CODEC, cap, seed * 1000 + cap + 1);
    }
  }
});
