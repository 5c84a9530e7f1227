/**
 * The tally thread (issue 7): a capture's destination, port and pair tallies counted on a second core.
 *
 * Those three tallies need no evidence and nothing reads them before the capture ends, yet on a large
 * capture they are most of the counting (the pair sketch alone evicts hundreds of thousands of keys). With
 * the capture engine on, a capture of a large input hands them to one worker thread
 * (tally-thread-worker.ts) that holds them in its own instance of the engine's module: the main thread
 * sends, IN INPUT ORDER, every add those tallies would have seen, and the worker applies them in that
 * order, so every count, slot id, bucket order, eviction and tie-break is the one a serial run makes
 * (test/parsers/conntrack-run.test.ts compares both). When the capture ends, the main thread waits for
 * the worker and reads the three tallies from a copy of the slot records a top list of the report's
 * length (--top) can pick (WasmTally.snapshot, SnapshotTally in wasm-tally.ts).
 *
 * The adds travel through a ring of int32 words in a SharedArrayBuffer (no message per add):
 * - OP_RUN n, then n triples (source, destination, pair tail): a run of packed entries, counted by the
 *   module's countTriples as countRun counts them; an entry with IPv6 addresses has their tokenizer ids
 *   and V6_KEY in its tail (round 16), and the worker keys it by the texts OP_V6TEXT gave those ids;
 * - OP_NUM t a b c: a numeric key added to tally t (1 destinations, 2 ports, 3 pairs) by the record path;
 * - OP_STR t len, then the key's UTF-16 code units two per word: a string key (an IPv6 address);
 * - OP_V6TEXT id len, then UTF-16 as OP_STR: the text of the input tokenizer's IPv6 address id (sent
 *   once per capture, before the first run entry that names it);
 * - OP_END: the capture is complete; the worker posts the snapshots and raises H_DONE.
 * Positions are word counts that wrap at 2^32 (int32 arithmetic); a message may straddle the ring's end.
 *
 * One thread serves one capture at a time; a capture that finds it busy (or no worker script: a run
 * from sources under tsx) counts those tallies itself, with the same results.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { KeyCodec, TallyItem } from './heavy-hitters.js';
import { SnapshotTally, type TallySnapshot } from './wasm-tally.js';
import { RUN_ENTRIES, V6_IDS } from '../util/capture-wasm.js';

/** Header words (their own SharedArrayBuffer). */
export const H_WRITE = 0, H_READ = 1, H_DONE = 2, H_FAILED = 3, HEADER_WORDS = 4;
/**
 * Ring size in int32 words (a power of 2; 4 MiB, ~350,000 entries of backlog). The worker's module runs
 * ~0.1 s after the thread is made, and the main thread tokenizes ~350,000 entries in that time: a 1 MiB ring
 * made it wait ~15–25 ms for room at the start of every big capture (round 17).
 */
export const RING_WORDS = 1 << 20;
export const RING_MASK = RING_WORDS - 1;
export const OP_RUN = 1, OP_NUM = 2, OP_STR = 3, OP_END = 4, OP_V6TEXT = 5;
/**
 * Words written before they are published. A publish wakes the worker (a futex call when it waits): per
 * run, the ~52,000 runs an IPv6 line cuts in the bench's 1M capture cost ~0.2 s of the main thread.
 */
const PUBLISH_WORDS = 1 << 15;
/** A string key's code units are written in parts of at most this many words (room is made per part). */
const TEXT_PART_WORDS = 4096;

/** What the main thread gives the worker at its start. */
export interface TallyThreadData {
  readonly header: SharedArrayBuffer;
  readonly ring: SharedArrayBuffer;
  readonly port: MessagePort;
}
/** main → worker, once per capture: count a new capture with this key capacity. */
export interface TallyThreadStart {
  readonly seq: number;
  readonly capacity: number;
  /** The longest top list the section will ask for (the snapshots keep only what those need). */
  readonly top: number;
}
/** worker → main when a capture ends (also on failure). */
export interface TallyThreadResult {
  readonly seq: number;
  readonly snapshots?: readonly TallySnapshot[];
  readonly error?: string;
}

/** No sign of progress from the worker for this long: it is taken for dead. */
const STALL_MS = 30_000;

const WORKER_URL = new URL('./tally-thread-worker.js', import.meta.url);

/** The main thread's end of the tally thread. */
export class TallyThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly h: Int32Array;
  private readonly ring: Int32Array;
  /** Next word to write, and the words written but not yet published. */
  private w = 0;
  private unpublished = 0;
  /** Words known free without asking the worker. */
  private free = RING_WORDS;
  private seq = 0;
  /** A capture is being counted (from begin() to end()). */
  busy = false;
  /** Captures counted so far. */
  captures = 0;
  /** The IPv6 ids whose text the worker holds for the current capture. */
  private v6Known: Uint8Array | null = null;

  constructor() {
    const header = new SharedArrayBuffer(HEADER_WORDS * 4);
    const ring = new SharedArrayBuffer(RING_WORDS * 4);
    this.h = new Int32Array(header);
    this.ring = new Int32Array(ring);
    const { port1, port2 } = new MessageChannel();
    const data: TallyThreadData = { header, ring, port: port1 };
    // a small young generation: the worker's string keys are short-lived, and its default young generation
    // alone made the 2M-entry capture's peak RSS 159 MiB (target 150; 142 MiB with 2 MiB)
    this.worker = new Worker(WORKER_URL, { workerData: data, transferList: [port1], resourceLimits: { maxYoungGenerationSizeMb: 2 } });
    // an idle worker must not keep the process alive; the main thread only ever reads this port synchronously
    this.worker.unref();
    this.port = port2;
    this.port.unref();
  }

  /** Start counting a capture (the thread must be free) whose top lists will be at most `top` long. */
  begin(capacity: number, top: number): void {
    this.busy = true;
    this.v6Known = null;
    this.captures++;
    this.seq++;
    const start: TallyThreadStart = { seq: this.seq, capacity, top };
    this.port.postMessage(start);
  }

  private failed(): never {
    const msg = receiveMessageOnPort(this.port)?.message as TallyThreadResult | undefined;
    // stays busy: the ring may hold a part of this capture, so no later capture uses the thread
    throw new Error(`tally thread failed: ${msg?.error ?? 'no answer'}`);
  }

  /** Make room for n words (n ≤ RING_WORDS), waiting for the worker to read if the ring is full. */
  private room(n: number): void {
    if (this.free >= n) return;
    const h = this.h;
    let lastRead = Atomics.load(h, H_READ);
    let since = Date.now();
    for (;;) {
      this.free = RING_WORDS - ((this.w - Atomics.load(h, H_READ)) | 0);
      if (this.free >= n) return;
      this.publish();
      if (Atomics.load(h, H_FAILED) === this.seq) this.failed();
      const r = Atomics.load(h, H_READ);
      if (r !== lastRead) { lastRead = r; since = Date.now(); }
      else if (Date.now() - since > STALL_MS) this.failed();
      Atomics.wait(h, H_READ, r, 100);
    }
  }

  private put(v: number): void {
    this.ring[this.w & RING_MASK] = v;
    this.w = (this.w + 1) | 0;
    this.free--;
    this.unpublished++;
  }

  /** Let the worker read what was written. */
  private publish(): void {
    if (this.unpublished === 0) return;
    this.unpublished = 0;
    Atomics.store(this.h, H_WRITE, this.w);
    Atomics.notify(this.h, H_WRITE);
  }

  /**
   * A run's triples, as countRun wrote them (n triples of int32 from words[at]): copied into the ring in
   * parts of at most RUN_ENTRIES (the worker's run area).
   */
  runTriples(words: Int32Array, at: number, n: number): void {
    const ring = this.ring;
    for (let from = 0; from < n; from += RUN_ENTRIES) {
      const k = Math.min(RUN_ENTRIES, n - from);
      const count = 3 * k;
      this.room(2 + count);
      this.put(OP_RUN);
      this.put(k);
      const src = words.subarray(at + 3 * from, at + 3 * from + count);
      const start = this.w & RING_MASK;
      const first = Math.min(count, RING_WORDS - start);
      ring.set(src.subarray(0, first), start);
      if (first < count) ring.set(src.subarray(first), 0);
      this.w = (this.w + count) | 0;
      this.free -= count;
      this.unpublished += count;
    }
    if (this.unpublished >= PUBLISH_WORDS) this.publish();
  }

  num(t: number, a: number, b: number, c: number): void {
    this.room(5);
    this.put(OP_NUM);
    this.put(t);
    this.put(a);
    this.put(b);
    this.put(c);
    if (this.unpublished >= PUBLISH_WORDS) this.publish();
  }

  str(t: number, key: string): void {
    this.text(OP_STR, t, key);
  }

  /** The text of the input tokenizer's IPv6 id `id` (sent once per capture, before any run entry naming it). */
  v6Text(id: number, text: string): void {
    const known = this.v6Known ?? (this.v6Known = new Uint8Array(V6_IDS));
    if (known[id] !== 0) return;
    known[id] = 1;
    this.text(OP_V6TEXT, id, text);
  }

  /** op, then t, then the UTF-16 code units of `key` two per word (written in parts: a key may be longer than the ring). */
  private text(op: number, t: number, key: string): void {
    const len = key.length;
    this.room(3);
    this.put(op);
    this.put(t);
    this.put(len);
    const ring = this.ring;
    for (let i = 0; i < len;) {
      const words = Math.min((len - i + 1) >> 1, TEXT_PART_WORDS);
      this.room(words);
      let w = this.w;
      for (const end = Math.min(len, i + 2 * words); i < end; i += 2) {
        ring[w & RING_MASK] = key.charCodeAt(i) | (i + 1 < len ? key.charCodeAt(i + 1) << 16 : 0);
        w = (w + 1) | 0;
      }
      this.w = w;
      this.free -= words;
      this.unpublished += words;
    }
    if (this.unpublished >= PUBLISH_WORDS) this.publish();
  }


  /** The capture is complete: wait for the worker and take the three tallies' snapshots. */
  end(): readonly TallySnapshot[] {
    this.room(1);
    this.put(OP_END);
    this.publish();
    const h = this.h;
    let lastRead = Atomics.load(h, H_READ);
    let since = Date.now();
    while (Atomics.load(h, H_DONE) !== this.seq) {
      if (Atomics.load(h, H_FAILED) === this.seq) this.failed();
      const r = Atomics.load(h, H_READ);
      if (r !== lastRead) { lastRead = r; since = Date.now(); }
      else if (Date.now() - since > STALL_MS) this.failed();
      Atomics.wait(h, H_DONE, Atomics.load(h, H_DONE), 100);
    }
    let msg: TallyThreadResult | undefined;
    // the worker posts before it raises H_DONE, so the message is queued by now
    for (let tries = 0; msg === undefined || msg.seq !== this.seq; tries++) {
      const got = receiveMessageOnPort(this.port);
      if (got === undefined && tries > 1000) this.failed();
      if (got === undefined) Atomics.wait(h, H_DONE, this.seq, 1);
      else msg = got.message as TallyThreadResult;
    }
    if (msg.error !== undefined || msg.snapshots === undefined) throw new Error(`tally thread failed: ${msg.error ?? 'no tallies'}`);
    this.busy = false;
    return msg.snapshots;
  }
}

let thread: TallyThread | null | undefined;

/** The tally thread if it can serve a capture now (made at the first call), else null. */
export function acquireTallyThread(): TallyThread | null {
  if (thread === undefined) {
    thread = WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL)) ? new TallyThread() : null;
  }
  if (thread === null || thread.busy) return null;
  return thread;
}

/**
 * One of the three tallies while the tally thread counts it: adds go to the thread; after
 * {@link RemoteTallies.seal}, the snapshot answers.
 */
export class RemoteTally {
  private frozen: SnapshotTally | null = null;
  private readonly scratch = new Int32Array(3);

  constructor(private readonly thread: TallyThread, private readonly t: number, private readonly codec: KeyCodec) {}

  add(key: string): number {
    // parsed here: protocol ids are registered per thread (util/keys.ts), so only this thread's ids count
    if (this.codec.parse(key, this.scratch)) {
      const sc = this.scratch;
      this.thread.num(this.t, sc[0]!, sc[1]!, sc[2]!);
    } else {
      this.thread.str(this.t, key);
    }
    return 0;
  }

  addString(key: string): number {
    this.thread.str(this.t, key);
    return 0;
  }

  addNum(a: number, b: number, c: number): number {
    this.thread.num(this.t, a, b, c);
    return 0;
  }

  freeze(snap: TallySnapshot): void {
    this.frozen = new SnapshotTally(snap, this.codec);
  }

  private sealed(): SnapshotTally {
    if (this.frozen === null) throw new Error('a tally of the tally thread was read before its capture ended');
    return this.frozen;
  }

  get approximate(): boolean {
    return this.sealed().approximate;
  }

  top(k: number): TallyItem<undefined>[] {
    return this.sealed().top(k);
  }
}
