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

interface Slot<T> {
  key: string;
  count: number;
  /** Possible over-count (Space-Saving): the count inherited from the key it replaced. */
  err: number;
  /** Data kept from the first add of this key (e.g. the first record, for evidence). */
  first: T | undefined;
  /** Position in the min-heap (sketch mode only). */
  pos: number;
}

/** One item of a top list. */
export interface TallyItem<T> {
  readonly key: string;
  readonly count: number;
  /** Upper bound of the over-count (0 while exact). */
  readonly err: number;
  readonly first: T | undefined;
}

/** Sort order of top lists: count descending, then key ascending (deterministic output). */
function before(a: { key: string; count: number }, b: { key: string; count: number }): boolean {
  return a.count > b.count || (a.count === b.count && a.key < b.key);
}

/** Exact counts up to `capacity` distinct keys, then a Space-Saving heavy-hitters sketch. */
export class BoundedTally<T = undefined> {
  readonly capacity: number;
  private readonly map = new Map<string, Slot<T>>();
  /** Min-heap by count; built when the tally turns approximate. */
  private heap: Slot<T>[] | null = null;
  private n = 0;

  constructor(capacity: number = EXACT_KEYS) {
    if (!(capacity >= 1)) throw new RangeError(`BoundedTally capacity must be >= 1, got ${capacity}`);
    this.capacity = Math.floor(capacity);
  }

  /** True once more distinct keys arrived than the tally holds: counts are upper bounds. */
  get approximate(): boolean {
    return this.heap !== null;
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
    const slot = this.map.get(key);
    if (slot !== undefined) {
      slot.count++;
      if (this.heap) this.siftDown(slot.pos);
      return slot.count;
    }
    if (this.heap === null && this.map.size < this.capacity) {
      this.map.set(key, { key, count: 1, err: 0, first, pos: -1 });
      return 1;
    }
    if (this.heap === null) this.buildHeap();
    // Space-Saving: the new key takes over the smallest counter
    const heap = this.heap!;
    const min = heap[0]!;
    this.map.delete(min.key);
    min.key = key;
    min.err = min.count;
    min.count += 1;
    min.first = first;
    this.map.set(key, min);
    const count = min.count;
    this.siftDown(0);
    return count;
  }

  /** The k most frequent keys, count descending then key ascending. */
  top(k: number): TallyItem<T>[] {
    const best: Slot<T>[] = [];
    if (k <= 0) return [];
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
    return best.map((s) => ({ key: s.key, count: s.count, err: s.err, first: s.first }));
  }

  /** The count held for a key (an upper bound once approximate), 0 when not held. */
  get(key: string): number {
    return this.map.get(key)?.count ?? 0;
  }

  private buildHeap(): void {
    const heap = [...this.map.values()];
    heap.forEach((s, i) => { s.pos = i; });
    this.heap = heap;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(i: number): void {
    const heap = this.heap!;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]!.count < heap[l]!.count ? r : l;
      if (heap[c]!.count >= item.count) break;
      heap[i] = heap[c]!;
      heap[i]!.pos = i;
      i = c;
    }
    heap[i] = item;
    item.pos = i;
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
