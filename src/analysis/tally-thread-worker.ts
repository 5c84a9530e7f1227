/**
 * The tally thread's worker (tally-thread.ts): for each capture the main thread starts, a fresh instance
 * of the capture engine's tallies, fed from the shared ring in input order until OP_END; then the
 * snapshots of the destination, port and pair tallies go back through the port.
 */
import { workerData } from 'node:worker_threads';
import { NO_PORT, PAIR_CODEC, PORT_CODEC, V4_CODEC } from '../util/keys.js';
import { PROTOCOL_NAMES } from '../util/capture-wasm.js';
import { TallyEngine, type WasmTally } from './wasm-tally.js';
import {
  H_DONE, H_FAILED, H_READ, H_WRITE, OP_END, OP_NUM, OP_RUN, OP_STR, OP_V6, OP_V6TEXT, RING_MASK,
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

function count(capacity: number, top: number): TallyThreadResult['snapshots'] {
  const engine = new TallyEngine(capacity);
  const tallies: WasmTally[] = [engine.tally(0, V4_CODEC), engine.tally(1, V4_CODEC), engine.tally(2, PORT_CODEC), engine.tally(3, PAIR_CODEC)];
  const area = engine.runPtr >> 2;
  /** The texts of the IPv6 ids this capture named (OP_V6TEXT). */
  const v6: string[] = [];
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
      tallies[t]!.addString(text(next()));
    } else if (op === OP_V6) {
      // CaptureTally.addV6Keys's keys: the destination, the port (numeric, fixed protocol ids), the pair
      const src = v6[next()]!;
      const dst = v6[next()]!;
      const tail = next();
      const port = tail & 0x1ffff;
      tallies[1]!.addString(dst);
      if (port !== NO_PORT) tallies[2]!.addNum(tail >>> 17, port, 0);
      tallies[3]!.addString(`${src}\u0000${dst}\u0000${PROTOCOL_NAMES[tail >>> 17]!}\u0000${port === NO_PORT ? '' : port}`);
    } else if (op === OP_V6TEXT) {
      const id = next();
      v6[id] = text(next());
    } else if (op === OP_END) {
      release();
      return [1, 2, 3].map((t) => tallies[t]!.snapshot(top));
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
