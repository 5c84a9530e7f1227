/**
 * What kind of bundle a path is: a directory, or an archive recognised by its magic bytes first and its
 * name second. Magic numbers (first bytes unless noted):
 *
 *   1f 8b            gzip (tar.gz when the name says .tar.gz/.tgz or the gunzipped head has "ustar" at 257)
 *   fd 37 7a 58 5a 00  xz
 *   50 4b 03 04      zip (also 50 4b 05 06: an empty zip)
 *   "ustar" at 257   tar
 *   42 5a 68         bzip2 · 37 7a bc af 27 1c  7z · 28 b5 2f fd  zstd · 52 61 72 21  rar   (unsupported)
 */
import { promises as fsp } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../model/errors.js';

/** The bundle forms openBundle reads. */
export type BundleType = 'directory' | 'tar' | 'tar.gz' | 'tar.xz' | 'zip' | 'xz';

/** Content magic of a member or file. */
export type Magic = 'gzip' | 'xz' | 'zip' | 'tar' | 'bzip2' | '7z' | 'zstd' | 'rar' | 'journal';

const SIGS: readonly { readonly magic: Magic; readonly bytes: readonly number[] }[] = [
  { magic: 'gzip', bytes: [0x1f, 0x8b] },
  { magic: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { magic: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { magic: 'zip', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { magic: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
  { magic: '7z', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { magic: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { magic: 'rar', bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { magic: 'journal', bytes: [0x4c, 0x50, 0x4b, 0x53, 0x48, 0x48, 0x52, 0x48] },
];

/** True when a 512-byte tar header with the ustar (POSIX or GNU) magic starts the buffer. */
export function isTarHeader(head: Buffer): boolean {
  return head.length >= 263 && head.toString('latin1', 257, 262) === 'ustar';
}

/** The magic of a head, or null for anything else (text, unknown binary). */
export function detectMagic(head: Buffer): Magic | null {
  for (const s of SIGS) {
    if (head.length >= s.bytes.length && s.bytes.every((b, i) => head[i] === b)) {
      // "BZh" must be followed by a block size digit, or it is text that starts with "BZh"
      if (s.magic === 'bzip2' && !(head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39)) continue;
      return s.magic;
    }
  }
  return isTarHeader(head) ? 'tar' : null;
}

/** How to convert an archive format ctdoctor does not read. */
export const CONVERT_HINT: Readonly<Record<'bzip2' | '7z' | 'zstd' | 'rar', { readonly type: string; readonly hint: string }>> = {
  bzip2: { type: 'bzip2', hint: 'bunzip2 -k FILE (then pass the .tar or file), or: bzip2 -dc FILE | xz > FILE.tar.xz' },
  '7z': { type: '7z', hint: '7z x FILE -oDIR (then pass DIR)' },
  zstd: { type: 'zstd', hint: 'zstd -d FILE (then pass the .tar or file), or: zstd -dc FILE | gzip > FILE.tar.gz' },
  rar: { type: 'rar', hint: 'unrar x FILE DIR/ (then pass DIR)' },
};

function unsupported(path: string, magic: 'bzip2' | '7z' | 'zstd' | 'rar'): InputError {
  const c = CONVERT_HINT[magic];
  return new InputError('CTD_INPUT_UNSUPPORTED_ARCHIVE', `${path}: ${c.type} archives are not supported; convert with: ${c.hint.replace(/FILE/g, path)}`, { path, type: c.type });
}

/** Does the gunzipped start of a gzip head look like a tar? (decompresses at most the head given) */
function gzipHoldsTar(head: Buffer): boolean {
  try {
    const out = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a cut stream is fine */, maxOutputLength: 4096 });
    return isTarHeader(out);
  } catch {
    return false;
  }
}

/**
 * True when the path is a directory or (by magic bytes, then name) an archive: tar, tar.gz/tgz,
 * tar.xz/txz, zip, or a single .xz file (a single .gz is already handled by Source). Returns null for
 * anything else (a plain or gzip file: an ordinary input). Unsupported archives (.tar.bz2/.bz2, .7z,
 * .zst, .rar) throw InputError CTD_INPUT_UNSUPPORTED_ARCHIVE naming a conversion command.
 */
export async function detectBundle(path: string): Promise<BundleType | null> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch {
    return null; // not ours to report: the ordinary input path says "no such file"
  }
  if (st.isDirectory()) return 'directory';
  if (!st.isFile()) return null; // FIFOs and devices are read once, as plain inputs
  const head = Buffer.alloc(4096);
  let n = 0;
  const fh = await fsp.open(path, 'r');
  try {
    n = (await fh.read(head, 0, head.length, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  const h = head.subarray(0, n);
  const magic = detectMagic(h);
  const lower = path.toLowerCase();
  switch (magic) {
    case 'tar': return 'tar';
    case 'zip': return 'zip';
    case 'xz': return /\.(?:tar\.xz|txz)$/.test(lower) ? 'tar.xz' : 'xz';
    case 'gzip': return /\.(?:tar\.gz|tgz)$/.test(lower) || gzipHoldsTar(h) ? 'tar.gz' : null;
    case 'bzip2': case '7z': case 'zstd': case 'rar': throw unsupported(path, magic);
    case 'journal': return null; // a binary journal given alone is an ordinary (binary) input
    default: break;
  }
  // no magic: names only matter for empty or headerless files that claim to be archives
  if (n === 0) return null;
  if (/\.(?:tar\.bz2|tbz2?|bz2)$/.test(lower)) throw unsupported(path, 'bzip2');
  if (/\.7z$/.test(lower)) throw unsupported(path, '7z');
  if (/\.(?:tar\.zst|tzst|zst)$/.test(lower)) throw unsupported(path, 'zstd');
  if (/\.rar$/.test(lower)) throw unsupported(path, 'rar');
  return null;
}
