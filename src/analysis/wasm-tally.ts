/**
 * The tallies of one capture in the capture engine (issue 7; wasm/capture.ts, role 2): the four
 * BoundedTally ports, the small counters and the remaining-timeout histograms live in one WebAssembly
 * instance, so a run of packed entries (parsers/conntrack-table/run.ts) is counted in one call without a
 * JavaScript step per entry. CaptureTally (table.ts) drives it; this file holds the JavaScript halves:
 *
 * - {@link WasmTally}: the BoundedTally interface over one of the four tallies. Keys with a numeric form
 *   (the same KeyCodecs) are counted in the module; other keys (IPv6 addresses) keep their text in a Map
 *   here while their slot — count, error, bucket links — lives in the module, so the slot ids, bucket order
 *   and tie-breaks are exactly those of heavy-hitters.ts. When the sketch evicts a string key, the module
 *   logs the slot and {@link TallyEngine.drainEvictions} drops the text here. With {@link NumericTexts},
 *   some numeric keys stand for texts (IPv6 addresses by their {@link V6Texts} id, round 16): their top-list
 *   keys are those texts.
 * - {@link TallyEngine}: the instance, its control words and the run counter.
 */
import { topSlots, type KeyCodec, type TallyItem } from './heavy-hitters.js';
import {
  C_EVICTED, CTRL_WORDS, SLOT_WORDS, S_A, S_B, S_C, S_COUNT, S_ERR, S_ISNUM, T_HEAP, T_NUM, T_SLOT, T_SLOTS, T_STR, T_TOTAL,
  ENTRY_WORDS, M_COUNT_RUN, RUN_ENTRIES, newCaptureInstance, type CaptureExports,
} from '../util/capture-wasm.js';

/** One capture's tallies in one instance. */
export class TallyEngine {
  readonly x: CaptureExports;
  /** Control words (C_* in util/capture-wasm.ts). */
  readonly ctrl: Int32Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  /** Where runs are copied to be counted. */
  readonly runPtr: number;
  /** Where countRun writes a run's triples for the tally thread (int32 index; with C_REMOTE). */
  readonly triples: number;
  readonly tallies: WasmTally[] = [];

  /**
   * `tallies`: the tallies to make (0 sources, 1 destinations, 2 ports, 3 pairs) and whether countRun will
   * count runs here (it needs the source tally and the timeout histograms); a tally left out has no memory,
   * and counting into it traps.
   */
  constructor(capacity: number, tallies: readonly number[] = [0, 1, 2, 3], countRun = true) {
    this.x = newCaptureInstance();
    let mask = countRun ? M_COUNT_RUN : 0;
    for (const t of tallies) mask |= 1 << t;
    const ctrlPtr = this.x.initTallies(capacity, mask);
    this.runPtr = this.x.outputArea(RUN_ENTRIES);
    this.triples = this.x.tripleArea() >> 2;
    // every allocation is made above: the memory does not grow after this, so the views stay valid
    const buf = this.x.memory.buffer;
    this.ctrl = new Int32Array(buf, ctrlPtr, CTRL_WORDS);
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
  }

  /** The WasmTally for tally t (0 sources, 1 destinations, 2 ports, 3 pairs), one the constructor made. */
  tally(t: number, codec: KeyCodec, texts?: NumericTexts): WasmTally {
    const w = new WasmTally(this, t, codec, texts);
    this.tallies[t] = w;
    return w;
  }

  /** Drop the texts of string keys the sketch evicted (logged by the module since the last call). */
  drainEvictions(): void {
    const n = this.ctrl[C_EVICTED]!;
    if (n === 0) return;
    const at = this.x.evictArea() >> 2;
    for (let k = 0; k < n; k++) this.tallies[this.i32[at + 2 * k]!]!.evict(this.i32[at + 2 * k + 1]!);
    this.ctrl[C_EVICTED] = 0;
  }

  /** Count packed entries [from, n) of the run area; see countRun in wasm/capture.ts. */
  countRun(from: number, n: number): number {
    const i = this.x.countRun(this.runPtr, from, n);
    this.drainEvictions();
    return i;
  }

  /** Copy `count` packed entries into the run area. */
  loadRun(entries: Int32Array, count: number): void {
    this.i32.set(entries.subarray(0, count * ENTRY_WORDS), this.runPtr >> 2);
  }
}

/**
 * Ids of IPv6 address texts, both ways, per capture (round 15/16): the tally thread keys IPv6 destinations
 * and pairs by them, the main thread IPv6 sources; an id is given by TEXT, so a key has one id whichever
 * path (a run's tokenizer id, a record's string) brought it.
 */
export class V6Texts {
  readonly texts: string[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of `text`, or -1 when it has none yet. */
  find(text: string): number {
    return this.ids.get(text) ?? -1;
  }

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      this.ids.set(text, id);
    }
    return id;
  }
}

/**
 * Numeric keys that stand for texts the codec has no numeric form of (IPv6 addresses by text id, see
 * {@link V6Texts}): `text` gives such a key's text (undefined: the codec's), `parse` a text's key when
 * it is one of them.
 */
export interface NumericTexts {
  text(a: number, b: number, c: number): string | undefined;
  parse(key: string, out: Int32Array): boolean;
}

/** The BoundedTally interface over tally t of a {@link TallyEngine} (see the module doc). */
export class WasmTally {
  private readonly engine: TallyEngine;
  private readonly t: number;
  private readonly codec: KeyCodec;
  private readonly base: number;
  private readonly slots: number;
  private readonly map = new Map<string, number>();
  /** Text of the string keys by slot. */
  private readonly strKeys: (string | undefined)[] = [];
  private readonly scratch = new Int32Array(3);
  private readonly texts: NumericTexts | undefined;

  constructor(engine: TallyEngine, t: number, codec: KeyCodec, texts?: NumericTexts) {
    this.engine = engine;
    this.t = t;
    this.codec = codec;
    this.texts = texts;
    this.base = engine.x.tallyAt(t) >> 2;
    this.slots = engine.i32[this.base + T_SLOT]! >> 2;
  }

  private field(f: number): number {
    return this.engine.i32[this.base + f]!;
  }

  get approximate(): boolean {
    return this.field(T_HEAP) !== 0;
  }

  get total(): number {
    return this.field(T_TOTAL) >>> 0;
  }

  get size(): number {
    return this.field(T_NUM) + this.field(T_STR);
  }

  /** Count one occurrence of `key`; its count. */
  add(key: string): number {
    if (this.codec.parse(key, this.scratch)) {
      const sc = this.scratch;
      return this.addNum(sc[0]!, sc[1]!, sc[2]!);
    }
    return this.addString(key);
  }

  /** Count `key` as a string key (one the codec does not parse); its count. */
  addString(key: string): number {
    const e = this.engine;
    const id = this.map.get(key);
    if (id !== undefined) return e.x.tallyHit(this.t, id) >>> 0;
    const slot = e.x.tallyNewString(this.t);
    // the slot may have held an evicted string key: drop that one before this key takes the slot
    e.drainEvictions();
    this.strKeys[slot] = key;
    this.map.set(key, slot);
    return e.u32[this.slots + slot * SLOT_WORDS + S_COUNT]!;
  }

  /** Count numeric key (a, b, c); its count. */
  addNum(a: number, b: number, c: number): number {
    const e = this.engine;
    const count = e.x.tallyAddNum(this.t, a, b, c) >>> 0;
    if (e.ctrl[C_EVICTED] !== 0) e.drainEvictions();
    return count;
  }

  /** A string slot the sketch reused: its key is no longer held. */
  evict(slot: number): void {
    const key = this.strKeys[slot];
    if (key !== undefined) this.map.delete(key);
    this.strKeys[slot] = undefined;
  }

  /** The k most frequent keys, count descending then key ascending (BoundedTally.top). */
  top(k: number): TallyItem<undefined>[] {
    return topOfSlots(this.engine.u32, this.slots, this.field(T_SLOTS), this.approximate, (s) => this.strKeys[s], this.codec, k, this.texts);
  }

  /**
   * What top(k) for every k ≤ `upTo` and approximate read, copied (the tally thread hands this to the main
   * thread): the slots whose count is at least the upTo-th largest count, ties included — any top(k) picks
   * among those alone — in slot order (the whole tally when it holds at most upTo keys). `numText` may
   * give a numeric key's text: its slot is then a string slot in the copy.
   */
  snapshot(upTo: number, numText?: (a: number, b: number, c: number) => string | undefined): TallySnapshot {
    const n = this.field(T_SLOTS);
    const base = this.slots;
    const engine = this.engine;
    // picked by the module (a JavaScript loop over 200,000 slots, run once, is cold code: ~5 ms a tally at
    // the end of a capture, on the critical path); the run area is free once the capture ended
    const room = RUN_ENTRIES * ENTRY_WORDS;
    const k = upTo >= 1 && upTo <= room ? engine.x.keptSlots(this.t, upTo, engine.runPtr, room) : -1;
    const kept = k >= 0 ? Array.from(engine.i32.subarray(engine.runPtr >> 2, (engine.runPtr >> 2) + k)) : this.keptSlots(n, upTo);
    const u32 = engine.u32;
    const slots = new Uint32Array(kept.length * SLOT_WORDS);
    const strSlots: number[] = [];
    const strTexts: string[] = [];
    kept.forEach((s, i) => {
      const at = base + s * SLOT_WORDS;
      slots.set(u32.subarray(at, at + SLOT_WORDS), i * SLOT_WORDS);
      let text: string | undefined;
      if ((u32[at + S_ISNUM]! & 1) === 0) text = this.strKeys[s];
      else if (numText !== undefined) {
        // a numeric key that stands for a text (the tally thread's IPv6 keys): a string slot in the copy
        text = numText(u32[at + S_A]! | 0, u32[at + S_B]! | 0, u32[at + S_C]! | 0);
        if (text !== undefined) slots[i * SLOT_WORDS + S_ISNUM] = 0;
      }
      if (text !== undefined) {
        strSlots.push(i);
        strTexts.push(text);
      }
    });
    return { approximate: this.approximate, upTo: n > upTo ? upTo : Infinity, slots, strSlots, strTexts };
  }

  /** keptSlots of the module, in JavaScript (an upTo beyond the run area). */
  private keptSlots(n: number, upTo: number): number[] {
    const u32 = this.engine.u32;
    const base = this.slots;
    let threshold = 0;
    if (n > upTo) {
      // the upTo largest counts in a min-heap: its root is the upTo-th largest
      const heap = new Uint32Array(upTo);
      for (let s = 0; s < n; s++) {
        const c = u32[base + s * SLOT_WORDS + S_COUNT]!;
        if (s < upTo) {
          let i = s;
          while (i > 0 && heap[(i - 1) >> 1]! > c) { heap[i] = heap[(i - 1) >> 1]!; i = (i - 1) >> 1; }
          heap[i] = c;
        } else if (c > heap[0]!) {
          let i = 0;
          for (;;) {
            const l = 2 * i + 1;
            if (l >= upTo) break;
            const m = l + 1 < upTo && heap[l + 1]! < heap[l]! ? l + 1 : l;
            if (heap[m]! >= c) break;
            heap[i] = heap[m]!;
            i = m;
          }
          heap[i] = c;
        }
      }
      threshold = heap[0]!;
    }
    const kept: number[] = [];
    for (let s = 0; s < n; s++) if (u32[base + s * SLOT_WORDS + S_COUNT]! >= threshold) kept.push(s);
    return kept;
  }

  /** The count held for a key (an upper bound once approximate), 0 when not held. */
  get(key: string): number {
    let s: number;
    if (this.codec.parse(key, this.scratch) || (this.texts !== undefined && this.texts.parse(key, this.scratch))) {
      const sc = this.scratch;
      s = this.engine.x.tallyFind(this.t, sc[0]!, sc[1]!, sc[2]!);
    } else {
      s = this.map.get(key) ?? -1;
    }
    return s < 0 ? 0 : this.engine.u32[this.slots + s * SLOT_WORDS + S_COUNT]!;
  }
}

/** A tally's slot records and string keys, as {@link WasmTally.snapshot} copies them. */
export interface TallySnapshot {
  readonly approximate: boolean;
  /** top(k) is answered for k up to this (Infinity: every slot was kept). */
  readonly upTo: number;
  /** SLOT_WORDS words per kept slot, in slot order. */
  readonly slots: Uint32Array;
  /** The string keys among them: their indexes in `slots` and their texts. */
  readonly strSlots: readonly number[];
  readonly strTexts: readonly string[];
}

/**
 * The k most frequent keys of a tally's slot records (from word `base` of u32, `n` slots), count
 * descending then key ascending: BoundedTally.top over the module's slot layout.
 */
function topOfSlots(
  u32: Uint32Array, base: number, n: number, sketch: boolean, strKey: (s: number) => string | undefined, codec: KeyCodec, k: number, texts?: NumericTexts,
): TallyItem<undefined>[] {
  if (k <= 0) return [];
  const cache = new Map<number, string>();
  const keyOf = (s: number): string => {
    const at = base + s * SLOT_WORDS;
    if ((u32[at + S_ISNUM]! & 1) === 0) return strKey(s)!;
    let key = cache.get(s);
    if (key === undefined) {
      const a = u32[at + S_A]! | 0, b = u32[at + S_B]! | 0, c = u32[at + S_C]! | 0;
      key = texts?.text(a, b, c) ?? codec.text(a, b, c);
      cache.set(s, key);
    }
    return key;
  };
  const count = (s: number): number => u32[base + s * SLOT_WORDS + S_COUNT]!;
  const before = (a: number, b: number): boolean => count(a) > count(b) || (count(a) === count(b) && keyOf(a) < keyOf(b));
  const best = topSlots(n, k, before);
  return best.map((s) => ({ key: keyOf(s), count: count(s), err: sketch ? u32[base + s * SLOT_WORDS + S_ERR]! : 0, first: undefined }));
}

/** A tally counted elsewhere (the tally thread), read from its {@link TallySnapshot}: top lists only. */
export class SnapshotTally {
  readonly approximate: boolean;
  private readonly upTo: number;
  private readonly slots: Uint32Array;
  private readonly strKeys = new Map<number, string>();
  private readonly codec: KeyCodec;

  constructor(snap: TallySnapshot, codec: KeyCodec) {
    this.approximate = snap.approximate;
    this.upTo = snap.upTo;
    this.slots = snap.slots;
    this.codec = codec;
    snap.strSlots.forEach((slot, i) => this.strKeys.set(slot, snap.strTexts[i]!));
  }

  top(k: number): TallyItem<undefined>[] {
    if (k > this.upTo) throw new RangeError(`top(${k}) of a tally snapshot kept for top lists of at most ${this.upTo}`);
    return topOfSlots(this.slots, 0, this.slots.length / SLOT_WORDS, this.approximate, (s) => this.strKeys.get(s), this.codec, k);
  }
}
