/**
 * Accumulators fold records as they stream (ripgrep's push model): `add` per record, `finish` once.
 * A capture of a million entries becomes tallies, never an array of entries. `finish` returns one
 * digest per host seen in the input's records (host null when the records name none).
 */
import type { Evidence } from '../model/report.js';
import type { AnyRecord } from '../model/records.js';

export interface Digest {
  readonly host: string | null;
}

export interface Accumulator<D extends Digest> {
  add(r: AnyRecord): void;
  finish(): readonly D[];
}

/** A host-level section built from the digests of all inputs of one host, with evidence by key. */
export interface Built<T> {
  readonly section: T;
  readonly evidence: ReadonlyMap<string, readonly Evidence[]>;
}
