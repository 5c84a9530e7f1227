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
 *
 * Which of several smallest counters a new key replaces is fixed (the paper leaves it open), and the
 * capture engine's module (wasm/capture.ts) makes the same choice: the counters are kept in buckets
 * of equal count (the paper's Stream-Summary), each bucket's counters in the order they reached its
 * count, and a new key takes the FIRST counter of the smallest bucket — the one longest at the
 * smallest count. At the start of the sketch each bucket holds its counters in slot id order.
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
 * slot per key and every count, slot id, bucket order and tie-break stays that of the string-only tally.
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
 * Speed: a slot is an integer id into typed arrays (counts, errors, bucket links), not an object. Once
 * the tally is a sketch, a new key or a counted key moves its slot between two buckets' lists: O(1), where
 * the min-heap this replaced (round 17) sifted a new key from the root to a leaf, ~17 levels at 200,000
 * slots, each a cache miss deep down.
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
  /** Sketch mode only: each slot's bucket, and its neighbours in that bucket's list (-1 none). */
  private bucketOf: Int32Array | null = null;
  private prev: Int32Array = new Int32Array(0);
  private next: Int32Array = new Int32Array(0);
  /** The count buckets (sketch mode): count, first and last slot, the buckets of the next smaller and larger count. */
  private bCount: Float64Array = new Float64Array(0);
  private bHead: Int32Array = new Int32Array(0);
  private bTail: Int32Array = new Int32Array(0);
  private bPrev: Int32Array = new Int32Array(0);
  private bNext: Int32Array = new Int32Array(0);
  /** The smallest count's bucket, a free bucket (its bNext the next free one), and the first never used. */
  private bMin = -1;
  private bFree = -1;
  private bFresh = 0;
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
    return this.bucketOf !== null;
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
    if (this.bucketOf !== null) this.raise(id, c);
    return c;
  }

  /**
   * The slot for a key new to the tally, its count set: a fresh slot while exact (count 1), else the
   * smallest counter, whose key is removed and whose count the new key inherits + 1 (Space-Saving).
   * The caller stores the key in the slot.
   */
  private newSlot(): number {
    if (this.bucketOf === null && this.size < this.capacity) {
      const nid = this.keys.length;
      if (nid === this.counts.length) this.grow();
      this.keys.push(undefined);
      this.firsts.push(undefined);
      this.counts[nid] = 1;
      return nid;
    }
    if (this.bucketOf === null) this.buildBuckets();
    const min = this.bHead[this.bMin]!;
    if (this.isNum.length > 0 && this.isNum[min] === 1) {
      this.deleteNum(min);
      this.isNum[min] = 0;
    } else {
      this.map.delete(this.keys[min]!);
    }
    const count = this.counts[min]! + 1;
    this.errs![min] = this.counts[min]!;
    this.counts[min] = count;
    this.raise(min, count);
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

  /** Start the sketch: every slot into its count's bucket, slot ids ascending within a bucket. */
  private buildBuckets(): void {
    const size = this.keys.length;
    const counts = this.counts;
    // slot ids by (count, id): one number each, sorted natively (count × size + id is exact in a double)
    const order = new Float64Array(size);
    for (let s = 0; s < size; s++) order[s] = counts[s]! * size + s;
    order.sort();
    this.bucketOf = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.next = new Int32Array(size);
    // every bucket holds a slot, and a raise makes its new bucket before it may free the old one
    const buckets = size + 1;
    this.bCount = new Float64Array(buckets);
    this.bHead = new Int32Array(buckets);
    this.bTail = new Int32Array(buckets);
    this.bPrev = new Int32Array(buckets);
    this.bNext = new Int32Array(buckets);
    this.errs = new Float64Array(size);
    let b = -1;
    for (let i = 0; i < size; i++) {
      const s = order[i]! % size;
      const c = counts[s]!;
      if (b < 0 || this.bCount[b] !== c) b = this.newBucket(b, c);
      this.append(b, s);
    }
  }

  /** A bucket of count c after bucket `after` (-1: as the smallest). */
  private newBucket(after: number, c: number): number {
    let b = this.bFree;
    if (b >= 0) this.bFree = this.bNext[b]!;
    else b = this.bFresh++;
    const next = after < 0 ? this.bMin : this.bNext[after]!;
    this.bCount[b] = c;
    this.bHead[b] = -1;
    this.bTail[b] = -1;
    this.bPrev[b] = after;
    this.bNext[b] = next;
    if (after < 0) this.bMin = b;
    else this.bNext[after] = b;
    if (next >= 0) this.bPrev[next] = b;
    return b;
  }

  /** Put slot s at the end of bucket b. */
  private append(b: number, s: number): void {
    const last = this.bTail[b]!;
    this.prev[s] = last;
    this.next[s] = -1;
    if (last < 0) this.bHead[b] = s;
    else this.next[last] = s;
    this.bTail[b] = s;
    this.bucketOf![s] = b;
  }

  /** Take slot s out of its bucket b, and drop b when it is left empty. */
  private unlink(b: number, s: number): void {
    const p = this.prev[s]!, n = this.next[s]!;
    if (p < 0) this.bHead[b] = n;
    else this.next[p] = n;
    if (n < 0) this.bTail[b] = p;
    else this.prev[n] = p;
    if (this.bHead[b]! < 0) {
      const bp = this.bPrev[b]!, bn = this.bNext[b]!;
      if (bp < 0) this.bMin = bn;
      else this.bNext[bp] = bn;
      if (bn >= 0) this.bPrev[bn] = bp;
      this.bNext[b] = this.bFree;
      this.bFree = b;
    }
  }

  /** Slot s, whose count just became c, moves from its bucket to the end of count c's bucket. */
  private raise(s: number, c: number): void {
    const b = this.bucketOf![s]!;
    const next = this.bNext[b]!;
    if (next >= 0 && this.bCount[next] === c) {
      this.unlink(b, s);
      this.append(next, s);
    } else if (this.bHead[b] === s && this.bTail[b] === s) {
      this.bCount[b] = c; // alone in its bucket: the bucket takes the new count in place
    } else {
      const nb = this.newBucket(b, c);
      this.unlink(b, s);
      this.append(nb, s);
    }
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
