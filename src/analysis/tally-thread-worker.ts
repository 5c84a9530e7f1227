/**
 * The tally thread's worker (tally-thread.ts): for each capture the main thread starts, a fresh instance
 * of the capture engine's tallies, fed from the shared ring in input order until OP_END; then the
 * snapshots of the destination, port and pair tallies go back through the port.
 */
import { workerData } from 'node:worker_threads';
import { NO_PORT, PAIR_CODEC, pairTail, PORT_CODEC, V4_CODEC } from '../util/keys.js';
import { PROTOCOL_NAMES, V6_KEY } from '../util/capture-wasm.js';
import { TallyEngine, V6Texts, type WasmTally } from './wasm-tally.js';
import {
  H_DONE, H_FAILED, H_READ, H_WRITE, OP_END, OP_NUM, OP_RUN, OP_STR, OP_V6TEXT, RING_MASK,
  type TallyThreadData, type TallyThreadResult, type TallyThreadStart,
} from './tally-thread.js';

const { header, ring: ringBuffer, port } = workerData as TallyThreadData;
const h = new Int32Array(header);
const ring = new Int32Array(ringBuffer);
/** Next word to read, and the end of what the main thread published. */
let r = Atomics.load(h, H_READ);
let avail = r;

/** Tell the main thread how far the ring was read (it may be waiting for room). */
function release(): void {
  Atomics.store(h, H_READ, r);
  Atomics.notify(h, H_READ);
}

/** The ring is read up to what was published: wait for more. */
function refill(): void {
  release();
  while ((avail = Atomics.load(h, H_WRITE)) === r) Atomics.wait(h, H_WRITE, r);
}

function next(): number {
  if (r === avail) refill();
  const v = ring[r & RING_MASK]!;
  r = (r + 1) | 0;
  return v;
}

/** Copy n words of the ring into `into` from index `at`. */
function read(into: Int32Array, at: number, n: number): void {
  while (n > 0) {
    if (r === avail) refill();
    const start = r & RING_MASK;
    const k = Math.min(n, (avail - r) | 0, ring.length - start);
    into.set(ring.subarray(start, start + k), at);
    at += k;
    n -= k;
    r = (r + k) | 0;
  }
}

/** Code units of a string key being read (reused). */
const units: number[] = [];

function text(len: number): string {
  units.length = len;
  for (let i = 0; i < len; i += 2) {
    const w = next();
    units[i] = w & 0xffff;
    if (i + 1 < len) units[i + 1] = w >>> 16;
  }
  if (len <= 4096) return String.fromCharCode.apply(null, units);
  let s = '';
  for (let i = 0; i < len; i += 4096) s += String.fromCharCode.apply(null, units.slice(i, i + 4096));
  return s;
}

/**
 * IPv6 keys as numbers (round 15): a destination or pair whose address texts contain a colon is counted as
 * a numeric key over this thread's ids of those texts — (id, V6_KEY, 0) for a destination, (src id, dst
 * id, pairTail | V6_KEY) for a pair — instead of a string in a Map (a concatenated key string per entry
 * cost ~1 µs to build and hash, and its garbage). IPv4 keys have 0 in the second word and no bit 30 in the
 * third (the protocol takes bits 17–24), so the forms never meet. Ids are given by TEXT, whether the text
 * came with a run (OP_V6TEXT, which also fills the module's map from the input tokenizer's ids, so that
 * countTriples keys a run's IPv6 entries itself, round 16) or inside a record-path key (OP_STR), so a key
 * has one form whichever path counted it, and every count, slot and eviction is the string form's. The
 * snapshot turns these slots back into string slots with their texts.
 */
/** The text of pair (src, dst, tail) over the capture's IPv6 texts: PAIR_CODEC's form. */
function v6PairText(t: V6Texts, a: number, b: number, c: number): string {
  const port = c & 0x1ffff;
  return `${t.texts[a]!}\u0000${t.texts[b]!}\u0000${PROTOCOL_NAMES[(c & ~V6_KEY) >>> 17]!}\u0000${port === NO_PORT ? '' : port}`;
}

/** A record-path pair key of two texts with a colon, as numbers in `out` (false: keep it a string). */
function v6PairKey(t: V6Texts, key: string, out: Int32Array): boolean {
  const parts = key.split('\u0000');
  if (parts.length !== 4 || !parts[0]!.includes(':') || !parts[1]!.includes(':')) return false;
  const proto = PROTOCOL_NAMES.indexOf(parts[2]!);
  if (proto < 0) return false;
  const p = parts[3]!;
  const port = p === '' ? NO_PORT : /^(?:0|[1-9][0-9]{0,4})$/.test(p) && Number(p) <= 65535 ? Number(p) : -1;
  if (port < 0) return false;
  out[0] = t.id(parts[0]!);
  out[1] = t.id(parts[1]!);
  out[2] = pairTail(proto, port) | V6_KEY;
  // only a key whose text comes back exactly (a port written "0443" stays a string)
  return v6PairText(t, out[0], out[1], out[2]) === key;
}

function count(capacity: number, top: number): TallyThreadResult['snapshots'] {
  // the destination, port and pair tallies only: no source tally, no countRun here
  const engine = new TallyEngine(capacity, [1, 2, 3], false);
  const tallies: WasmTally[] = [];
  tallies[1] = engine.tally(1, V4_CODEC);
  tallies[2] = engine.tally(2, PORT_CODEC);
  tallies[3] = engine.tally(3, PAIR_CODEC);
  const area = engine.runPtr >> 2;
  /** The input tokenizer's IPv6 ids (OP_V6TEXT) as this thread's text ids, in the module (countTriples reads it). */
  const v6map = engine.x.v6MapArea() >> 2;
  const texts = new V6Texts();
  const pair = new Int32Array(3);
  for (;;) {
    const op = next();
    if (op === OP_RUN) {
      const n = next();
      read(engine.i32, area, 3 * n);
      engine.x.countTriples(engine.runPtr, n);
      engine.drainEvictions();
      release();
    } else if (op === OP_NUM) {
      const t = next();
      const a = next(), b = next(), c = next();
      tallies[t]!.addNum(a, b, c);
    } else if (op === OP_STR) {
      const t = next();
      const key = text(next());
      if (t === 1 && key.includes(':')) tallies[1]!.addNum(texts.id(key), V6_KEY, 0);
      else if (t === 3 && key.includes(':') && v6PairKey(texts, key, pair)) tallies[3]!.addNum(pair[0]!, pair[1]!, pair[2]!);
      else tallies[t]!.addString(key);
    } else if (op === OP_V6TEXT) {
      const id = next();
      engine.i32[v6map + id] = texts.id(text(next()));
    } else if (op === OP_END) {
      release();
      return [
        tallies[1]!.snapshot(top, (a, b) => (b === V6_KEY ? texts.texts[a] : undefined)),
        tallies[2]!.snapshot(top),
        tallies[3]!.snapshot(top, (a, b, c) => ((c & V6_KEY) !== 0 ? v6PairText(texts, a, b, c) : undefined)),
      ];
    } else {
      throw new Error(`unknown op ${op} in the tally ring`);
    }
  }
}

port.on('message', (start: TallyThreadStart) => {
  let result: TallyThreadResult;
  try {
    result = { seq: start.seq, snapshots: count(start.capacity, start.top) };
  } catch (err) {
    result = { seq: start.seq, error: err instanceof Error ? err.message : String(err) };
    port.postMessage(result);
    Atomics.store(h, H_FAILED, start.seq);
    Atomics.notify(h, H_READ);
    Atomics.notify(h, H_DONE);
    return;
  }
  // the slot copies move to the main thread (no second copy)
  port.postMessage(result, result.snapshots!.map((snap) => snap.slots.buffer as ArrayBuffer));
  Atomics.store(h, H_DONE, start.seq);
  Atomics.notify(h, H_DONE);
});
