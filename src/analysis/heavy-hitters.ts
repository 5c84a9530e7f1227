/**
 * Bounded tallies for "who fills the table" questions (top sources, ports, pairs) over captures of
 * millions of entries, with memory bounded by a fixed number of distinct keys, never by input size.
 *
 * A {@link BoundedTally} counts exactly until it holds `capacity` distinct keys (default
 * {@link EXACT_KEYS} = 200,000). The next new key turns it into a Space-Saving summary
 * (Metwally, Agrawal, El Abbadi 2005) over the same `capacity` counters: a new key replaces the
 * smallest counter and inherits its count (+1) as its possible over-count. Every key whose true
 * count exceeds N / capacity is guaranteed to be kept, and a reported count over-estimates the
 * true count by at most the replaced minimum. From then on `approximate` is true.
 */

/** Distinct keys counted exactly per tally before the heavy-hitters sketch takes over. */
export const EXACT_KEYS = 200_000;

/** One item of a top list. */
export interface TallyItem<T> {
  readonly key: string;
  readonly count: number;
  /** Upper bound of the over-count (0 while exact). */
  readonly err: number;
  readonly first: T | undefined;
}


/**
 * Numeric keys for a tally (issue 7): a key that has a numeric form (an IPv4 address, a protocol/port
 * pair, ...) is held as three int32 words in typed arrays instead of a string in a Map, so the capture
 * fast path counts without building or hashing a key string per entry. `text` must give exactly the
 * string the record path would pass to `add()`, and `parse` must accept exactly the strings `text` gives
 * (round trip): a string key with a numeric form is always held numerically, so the two paths share one
 * slot per key and every count, slot id, heap order and tie-break stays that of the string-only tally.
 */
export interface KeyCodec {
  /** The key's text for numeric key (a, b, c). */
  text(a: number, b: number, c: number): string;
  /** Write the numeric form of `key` into out[0..2]; false when it has none. */
  parse(key: string, out: Int32Array): boolean;
}

/**
 * The k first slots of 0..slots-1 in the order `before` gives (an insertion into a sorted list of k: one
 * pass, k small). Shared by BoundedTally and the capture engine's WasmTally, so both order ties alike.
 */
export function topSlots(slots: number, k: number, before: (a: number, b: number) => boolean): number[] {
  const best: number[] = [];
  for (let s = 0; s < slots; s++) {
    if (best.length === k && !before(s, best[k - 1]!)) continue;
    let i = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(s);
    else best[i] = s;
    while (i > 0 && before(best[i]!, best[i - 1]!)) {
      const t = best[i - 1]!;
      best[i - 1] = best[i]!;
      best[i] = t;
      i--;
    }
  }
  return best;
}

/** Hash of a numeric key (murmur3-style mixing; linear probing needs well-spread low bits). */
function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h ^ b, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h ^ c, 0x27d4eb2f);
  h ^= h >>> 16;
  return h;
}

/** Put slot `slot` with key (a, b, c) and hash h in the first empty bucket of its probe chain. */
function place(index: Int32Array, mask: number, h: number, slot: number, a: number, b: number, c: number): void {
  let i = h & mask;
  while (index[i << 2] !== 0) i = (i + 1) & mask;
  const at = i << 2;
  index[at] = slot + 1;
  index[at + 1] = a;
  index[at + 2] = b;
  index[at + 3] = c;
}

/**
 * Exact counts up to `capacity` distinct keys, then a Space-Saving heavy-hitters sketch.
 *
 * Speed: a slot is an integer id into typed arrays (counts, errors, heap positions), not an object.
 * Once the tally is a sketch, every new key sifts the min-heap from the root to a leaf; with 200,000
 * slot objects scattered over the JS heap that walk cost two cache misses per level (about 4 µs per
 * key, 7 s for a 1M-entry capture with many distinct pairs). The heap is now two parallel typed arrays
 * (slot id and its count at each heap position), so the walk stays in a few contiguous megabytes. The
 * algorithm, its tie-breaking and so every reported number are exactly those of the object version.
 *
 * With a {@link KeyCodec}, keys that have a numeric form live in an open-addressing table over typed
 * arrays (linear probing, backward-shift deletion when the sketch evicts one); their strings are made
 * only when asked (top lists, ties). The slot logic is shared, so the numbers are those of string keys.
 */
export class BoundedTally<T = undefined> {
  readonly capacity: number;
  /** key → slot id, for keys without a numeric form. */
  private readonly map = new Map<string, number>();
  /** Key text per slot (for a numeric slot: made on demand, undefined until then). */
  private readonly keys: (string | undefined)[] = [];
  private readonly firsts: (T | undefined)[] = [];
  private counts: Float64Array;
  private errs: Float64Array | null = null;
  /** Sketch mode only: heap position of each slot, slot id at each position, and its count there. */
  private posOf: Int32Array | null = null;
  private heapIds: Int32Array | null = null;
  private heapCounts: Float64Array | null = null;
  private n = 0;
  private readonly codec: KeyCodec | null;
  /** Numeric slots: 1 per slot holding a numeric key, and its three words. */
  private isNum: Uint8Array;
  private nk: Int32Array;
  /**
   * Open-addressing index of numeric keys, 4 words per bucket: slot id + 1 (0 = empty) and the key's
   * three words inline, so a probe compares keys within one cache line instead of following the slot id.
   */
  private index: Int32Array;
  /** Buckets in the index (a power of 2). */
  private buckets: number;
  private numCount = 0;
  private readonly scratch = new Int32Array(3);

  constructor(capacity: number = EXACT_KEYS, codec: KeyCodec | null = null) {
    if (!(capacity >= 1)) throw new RangeError(`BoundedTally capacity must be >= 1, got ${capacity}`);
    this.capacity = Math.floor(capacity);
    this.codec = codec;
    // grown on demand: most tallies hold a few thousand keys
    const initial = Math.min(this.capacity, 1024);
    this.counts = new Float64Array(initial);
    this.isNum = new Uint8Array(codec ? initial : 0);
    this.nk = new Int32Array(codec ? initial * 3 : 0);
    this.buckets = codec ? 2048 : 0;
    this.index = new Int32Array(this.buckets * 4);
  }

  /** True once more distinct keys arrived than the tally holds: counts are upper bounds. */
  get approximate(): boolean {
    return this.heapIds !== null;
  }

  /** How many adds were counted. */
  get total(): number {
    return this.n;
  }

  /** Distinct keys held (at most `capacity`). */
  get size(): number {
    return this.map.size + this.numCount;
  }

  /** Count one occurrence of `key`; `first` is kept when the key is new to the tally. Returns the key's count. */
  add(key: string, first?: T): number {
    const codec = this.codec;
    if (codec !== null && codec.parse(key, this.scratch)) {
      const sc = this.scratch;
      return this.addNum(sc[0]!, sc[1]!, sc[2]!, first);
    }
    this.n++;
    const id = this.map.get(key);
    if (id !== undefined) return this.hit(id);
    const slot = this.newSlot();
    this.keys[slot] = key;
    this.firsts[slot] = first;
    this.map.set(key, slot);
    return this.counts[slot]!;
  }

  /** add() for a key the caller knows has no numeric form (the capture engine's interface; parsed here all the same). */
  addString(key: string): number {
    return this.add(key);
  }

  /** Count one occurrence of numeric key (a, b, c) (needs a codec; the same as add(codec.text(a, b, c))). */
  addNum(a: number, b: number, c: number, first?: T): number {
    this.n++;
    const h = hash3(a, b, c);
    const found = this.findNum(a, b, c, h);
    if (found >= 0) return this.hit(found);
    const slot = this.newSlot();
    this.keys[slot] = undefined;
    this.firsts[slot] = first;
    this.isNum[slot] = 1;
    this.nk[slot * 3] = a;
    this.nk[slot * 3 + 1] = b;
    this.nk[slot * 3 + 2] = c;
    this.insertNum(slot, h, a, b, c);
    return this.counts[slot]!;
  }

  /** An existing slot counted once more. */
  private hit(id: number): number {
    const c = ++this.counts[id]!;
    if (this.heapIds !== null) {
      const pos = this.posOf![id]!;
      this.heapCounts![pos] = c;
      this.siftDown(pos);
    }
    return c;
  }

  /**
   * The slot for a key new to the tally, its count set: a fresh slot while exact (count 1), else the
   * smallest counter, whose key is removed and whose count the new key inherits + 1 (Space-Saving).
   * The caller stores the key in the slot.
   */
  private newSlot(): number {
    if (this.heapIds === null && this.size < this.capacity) {
      const nid = this.keys.length;
      if (nid === this.counts.length) this.grow();
      this.keys.push(undefined);
      this.firsts.push(undefined);
      this.counts[nid] = 1;
      return nid;
    }
    if (this.heapIds === null) this.buildHeap();
    const min = this.heapIds![0]!;
    if (this.isNum.length > 0 && this.isNum[min] === 1) {
      this.deleteNum(min);
      this.isNum[min] = 0;
    } else {
      this.map.delete(this.keys[min]!);
    }
    const count = this.counts[min]! + 1;
    this.errs![min] = this.counts[min]!;
    this.counts[min] = count;
    this.heapCounts![0] = count;
    this.siftDown(0);
    return min;
  }

  private grow(): void {
    const len = Math.min(this.capacity, this.counts.length * 2);
    const counts = new Float64Array(len);
    counts.set(this.counts);
    this.counts = counts;
    if (this.codec !== null) {
      const isNum = new Uint8Array(len);
      isNum.set(this.isNum);
      this.isNum = isNum;
      const nk = new Int32Array(len * 3);
      nk.set(this.nk);
      this.nk = nk;
    }
  }

  /** The slot holding numeric key (a, b, c) with hash h, or -1. */
  private findNum(a: number, b: number, c: number, h: number): number {
    const index = this.index;
    const mask = this.buckets - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = i << 2;
      const e = index[at]!;
      if (e === 0) return -1;
      if (index[at + 1] === a && index[at + 2] === b && index[at + 3] === c) return e - 1;
    }
  }

  private insertNum(slot: number, h: number, a: number, b: number, c: number): void {
    this.numCount++;
    if (this.numCount * 2 > this.buckets) {
      this.rehash(this.buckets * 2);
      return; // rehash placed every numeric slot, this one included
    }
    place(this.index, this.buckets - 1, h, slot, a, b, c);
  }

  private rehash(buckets: number): void {
    const index = new Int32Array(buckets * 4);
    const mask = buckets - 1;
    const nk = this.nk;
    const isNum = this.isNum;
    for (let s = 0; s < this.keys.length; s++) {
      if (isNum[s] !== 1) continue;
      const a = nk[s * 3]!, b = nk[s * 3 + 1]!, c = nk[s * 3 + 2]!;
      place(index, mask, hash3(a, b, c), s, a, b, c);
    }
    this.index = index;
    this.buckets = buckets;
  }

  /** Remove numeric slot s from the index (backward-shift deletion keeps probe chains intact). */
  private deleteNum(s: number): void {
    const index = this.index;
    const mask = this.buckets - 1;
    const nk = this.nk;
    let i = hash3(nk[s * 3]!, nk[s * 3 + 1]!, nk[s * 3 + 2]!) & mask;
    while (index[i << 2] !== s + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const at = j << 2;
      const e = index[at]!;
      if (e === 0) break;
      const k = hash3(index[at + 1]!, index[at + 2]!, index[at + 3]!) & mask;
      // the entry at j may move to the hole at i unless its home lies cyclically in (i, j]
      const stays = i <= j ? k > i && k <= j : k > i || k <= j;
      if (!stays) {
        const to = i << 2;
        index[to] = e;
        index[to + 1] = index[at + 1]!;
        index[to + 2] = index[at + 2]!;
        index[to + 3] = index[at + 3]!;
        i = j;
      }
    }
    index[i << 2] = 0;
    this.numCount--;
  }

  /** The key text of a slot (made and cached for a numeric slot). */
  private keyOf(s: number): string {
    let k = this.keys[s];
    if (k === undefined) {
      const nk = this.nk;
      k = this.codec!.text(nk[s * 3]!, nk[s * 3 + 1]!, nk[s * 3 + 2]!);
      this.keys[s] = k;
    }
    return k;
  }

  /** The k most frequent keys, count descending then key ascending. */
  top(k: number): TallyItem<T>[] {
    if (k <= 0) return [];
    const counts = this.counts;
    const before = (a: number, b: number): boolean => counts[a]! > counts[b]! || (counts[a] === counts[b] && this.keyOf(a) < this.keyOf(b));
    // every slot holds a live key (the sketch reuses slots, it never empties one)
    const best = topSlots(this.keys.length, k, before);
    return best.map((s) => ({ key: this.keyOf(s), count: counts[s]!, err: this.errs === null ? 0 : this.errs[s]!, first: this.firsts[s] }));
  }

  /** The count held for a key (an upper bound once approximate), 0 when not held. */
  get(key: string): number {
    if (this.codec !== null && this.codec.parse(key, this.scratch)) {
      const sc = this.scratch;
      const s = this.findNum(sc[0]!, sc[1]!, sc[2]!, hash3(sc[0]!, sc[1]!, sc[2]!));
      return s < 0 ? 0 : this.counts[s]!;
    }
    const id = this.map.get(key);
    return id === undefined ? 0 : this.counts[id]!;
  }

  private buildHeap(): void {
    // the heap starts in slot id order (no key was deleted before the sketch began)
    const size = this.keys.length;
    const heapIds = new Int32Array(size);
    const heapCounts = new Float64Array(size);
    const posOf = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      heapIds[i] = i;
      heapCounts[i] = this.counts[i]!;
      posOf[i] = i;
    }
    this.heapIds = heapIds;
    this.heapCounts = heapCounts;
    this.posOf = posOf;
    this.errs = new Float64Array(size);
    for (let i = (size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const heapIds = this.heapIds!;
    const heapCounts = this.heapCounts!;
    const posOf = this.posOf!;
    const n = heapIds.length;
    const item = heapIds[i]!;
    const itemCount = heapCounts[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heapCounts[r]! < heapCounts[l]! ? r : l;
      if (heapCounts[c]! >= itemCount) break;
      const moved = heapIds[c]!;
      heapIds[i] = moved;
      heapCounts[i] = heapCounts[c]!;
      posOf[moved] = i;
      i = c;
    }
    heapIds[i] = item;
    heapCounts[i] = itemCount;
    posOf[item] = i;
  }
}

/** Name under which keys beyond a {@link CappedCounter}'s cap are counted. */
export const OTHER_KEY = '(other)';

/**
 * Counts per name for small vocabularies (families, protocols, states, zones). Names come from the
 * input, so the map is capped: beyond `cap` distinct names, new names count under {@link OTHER_KEY}.
 */
export class CappedCounter {
  private readonly map = new Map<string, number>();
  readonly cap: number;

  constructor(cap = 1000) {
    this.cap = cap;
  }

  add(key: string, n = 1): void {
    const v = this.map.get(key);
    if (v !== undefined) { this.map.set(key, v + n); return; }
    if (this.map.size >= this.cap) key = OTHER_KEY;
    this.map.set(key, (this.map.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.map.get(key) ?? 0;
  }

  /** A null-prototype object, keys ordered by count descending then name. */
  toObject(): Record<string, number> {
    const out = Object.create(null) as Record<string, number>;
    const entries = [...this.map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [k, v] of entries) out[k] = v;
    return out;
  }
}
