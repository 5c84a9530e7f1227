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
 * Exact counts up to `capacity` distinct keys, then a Space-Saving heavy-hitters sketch.
 *
 * Speed: a slot is an integer id into typed arrays (counts, errors, heap positions), not an object.
 * Once the tally is a sketch, every new key sifts the min-heap from the root to a leaf; with 200,000
 * slot objects scattered over the JS heap that walk cost two cache misses per level (about 4 µs per
 * key, 7 s for a 1M-entry capture with many distinct pairs). The heap is now two parallel typed arrays
 * (slot id and its count at each heap position), so the walk stays in a few contiguous megabytes. The
 * algorithm, its tie-breaking and so every reported number are exactly those of the object version.
 */
export class BoundedTally<T = undefined> {
  readonly capacity: number;
  /** key → slot id. */
  private readonly map = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly firsts: (T | undefined)[] = [];
  private counts: Float64Array;
  private errs: Float64Array | null = null;
  /** Sketch mode only: heap position of each slot, slot id at each position, and its count there. */
  private posOf: Int32Array | null = null;
  private heapIds: Int32Array | null = null;
  private heapCounts: Float64Array | null = null;
  private n = 0;

  constructor(capacity: number = EXACT_KEYS) {
    if (!(capacity >= 1)) throw new RangeError(`BoundedTally capacity must be >= 1, got ${capacity}`);
    this.capacity = Math.floor(capacity);
    // grown on demand: most tallies hold a few thousand keys
    this.counts = new Float64Array(Math.min(this.capacity, 1024));
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
    return this.map.size;
  }

  /** Count one occurrence of `key`; `first` is kept when the key is new to the tally. Returns the key's count. */
  add(key: string, first?: T): number {
    this.n++;
    const id = this.map.get(key);
    if (id !== undefined) {
      const c = ++this.counts[id]!;
      if (this.heapIds !== null) {
        const pos = this.posOf![id]!;
        this.heapCounts![pos] = c;
        this.siftDown(pos);
      }
      return c;
    }
    if (this.heapIds === null && this.map.size < this.capacity) {
      const nid = this.keys.length;
      if (nid === this.counts.length) {
        const grown = new Float64Array(Math.min(this.capacity, this.counts.length * 2));
        grown.set(this.counts);
        this.counts = grown;
      }
      this.keys.push(key);
      this.firsts.push(first);
      this.counts[nid] = 1;
      this.map.set(key, nid);
      return 1;
    }
    if (this.heapIds === null) this.buildHeap();
    // Space-Saving: the new key takes over the smallest counter
    const heapIds = this.heapIds!;
    const min = heapIds[0]!;
    this.map.delete(this.keys[min]!);
    this.keys[min] = key;
    const count = this.counts[min]! + 1;
    this.errs![min] = this.counts[min]!;
    this.counts[min] = count;
    this.firsts[min] = first;
    this.map.set(key, min);
    this.heapCounts![0] = count;
    this.siftDown(0);
    return count;
  }

  /** The k most frequent keys, count descending then key ascending. */
  top(k: number): TallyItem<T>[] {
    const best: number[] = [];
    if (k <= 0) return [];
    const keys = this.keys;
    const counts = this.counts;
    const before = (a: number, b: number): boolean => counts[a]! > counts[b]! || (counts[a] === counts[b] && keys[a]! < keys[b]!);
    for (const s of this.map.values()) {
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
    return best.map((s) => ({ key: keys[s]!, count: counts[s]!, err: this.errs === null ? 0 : this.errs[s]!, first: this.firsts[s] }));
  }

  /** The count held for a key (an upper bound once approximate), 0 when not held. */
  get(key: string): number {
    const id = this.map.get(key);
    return id === undefined ? 0 : this.counts[id]!;
  }

  private buildHeap(): void {
    // the heap starts in map order, which is id order (no key was deleted before the sketch began)
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
