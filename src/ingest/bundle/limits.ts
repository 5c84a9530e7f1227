/**
 * Caps for untrusted bundles, and the one budget every layer of a bundle (archives inside archives)
 * draws from. Bytes are counted as they are decompressed, so a decompression bomb stops at the cap,
 * never by running out of memory or disk.
 */

/** Caps for one bundle (all nested archives included). */
export interface BundleLimits {
  /**
   * Decompressed bytes in all: every byte an archive stream, a compressed member or a journal conversion
   * yields (a plain .tar counts its bytes too). Files of a directory bundle are read in place and not
   * counted; their .gz/.xz files and archives are.
   */
  readonly maxBytes: number;
  /** Members in all (files, links, directories, refused entries: every header counts). */
  readonly maxMembers: number;
  /** Archive layers: the bundle itself is layer 1, an archive inside it layer 2, ... */
  readonly maxDepth: number;
}

/**
 * Defaults: 4 GiB decompressed (a large sosreport holds a few hundred MB; 4 GiB leaves room for big
 * journals while bounding the private temp area), 100,000 members (sosreports hold a few thousand to a
 * few tens of thousands), depth 3 (a tarball of sosreports whose logs are .gz members).
 */
export const DEFAULT_LIMITS: BundleLimits = { maxBytes: 4 * 1024 ** 3, maxMembers: 100_000, maxDepth: 3 };

/** Thrown inside a reader when the byte cap is reached (caught by the reader, never escapes openBundle). */
export class ByteCapError extends Error {
  constructor(readonly cap: number) {
    super(`decompressed data passed the cap of ${cap} bytes`);
    this.name = 'ByteCapError';
  }
}

/** The shared budget of one openBundle call. */
export class Budget {
  bytes = 0;
  members = 0;
  /** Set once a cap stopped reading (the problem line is written by whoever hit it first). */
  byteCapHit = false;
  memberCapHit = false;
  constructor(readonly limits: BundleLimits) {}

  /** Count `n` decompressed bytes; throws ByteCapError when that would pass the cap. */
  take(n: number): void {
    if (this.bytes + n > this.limits.maxBytes) {
      this.byteCapHit = true;
      throw new ByteCapError(this.limits.maxBytes);
    }
    this.bytes += n;
  }

  /** Count one member header; false when the member cap is passed (the member is not read). */
  member(): boolean {
    if (this.members >= this.limits.maxMembers) {
      this.memberCapHit = true;
      return false;
    }
    this.members++;
    return true;
  }
}

/** Human size for messages ("4 GiB", "1.5 MiB", "812 bytes"). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
