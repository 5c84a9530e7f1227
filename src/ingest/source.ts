/**
 * Sources: where input bytes come from (a file, stdin, a FIFO, a gzip file), as async Buffer blocks.
 * A source is opened once; `peekSource` reads its head (for sniffing) and replays it before the rest.
 */
import { closeSync, constants as fsConstants, createReadStream, openSync, promises as fsp, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { InputError, SkipInput } from '../model/errors.js';
import type { InputKind } from '../model/records.js';
import { drainOrClose } from '../util/streams.js';

/**
 * Stream reads (stdin, FIFOs, gzip): 4 MiB, as fast as 16 MiB ones for indexOf scans, and the blocks the
 * GC has not yet freed weigh a quarter of 16 MiB ones.
 */
export const READ_BLOCK_BYTES = 4 * 1024 * 1024;
/**
 * Regular files are read synchronously into ONE reused block of this size (see {@link readFileBlocks}):
 * the block stays in the CPU's L2 cache between the read's copy and the scans over it. Measured on the
 * 1 GB bench kern.log: read + newline count 0.30 s with a reused 128 KiB block, 0.50 s with a fresh
 * 128 KiB block per read, 0.64–0.80 s with fresh 4 MiB blocks (the old stream path).
 */
export const FILE_BLOCK_BYTES = 128 * 1024;
/** Reads between two yields to the event loop (timers, progress, SIGINT) on the synchronous file path. */
const READS_PER_TURN = 128;
/** How much of the (decompressed) head is read at least (binary detection looks at it). */
export const HEAD_BYTES = 64 * 1024;
/** Complete lines the head should hold for sniffing (more than the sniffers look at). */
export const SNIFF_HEAD_LINES = 80;
/** ... unless they would take more than this. */
export const HEAD_MAX_BYTES = 4 * 1024 * 1024;

export interface Source {
  /** Stable id within the run ("1", "2", ... in argument order); evidence points to it. */
  readonly id: string;
  /** The path as reported: as given on the command line, "-" for stdin, later "bundle!/member". */
  readonly path: string;
  readonly origin: 'explicit' | 'bundle';
  readonly kindHint?: InputKind;
  /** Modification time of the file, when it has one (a year source for year-less stamps). */
  readonly mtimeMs: number | null;
  /** Size on disk, when known (progress only; a .gz file's decompressed size is not known). */
  readonly sizeBytes?: number | null;
  /** How another thread can open the same bytes (regular files only; stdin and FIFOs are read once). */
  readonly reopen?: FileDescriptor;
  /** The byte blocks, decompressed. Iterate once. */
  chunks(): AsyncIterable<Buffer>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** A regular file a worker thread can read again: where, how, and what to call it. */
export interface FileDescriptor {
  readonly id: string;
  readonly path: string;
  /** The file to read (a bundle member may live in the private temp area). */
  readonly file: string;
  readonly origin: 'explicit' | 'bundle';
  readonly kindHint?: InputKind;
  readonly mtimeMs: number | null;
  readonly sizeBytes?: number | null;
  /** Refuse to follow a symlink (a file of the user's directory bundle). */
  readonly noFollow: boolean;
  /** Gunzip by magic bytes (explicit inputs; bundle members are already decompressed). */
  readonly gunzip: boolean;
}

/** The Source for a descriptor (in this thread or another). */
export function sourceFromDescriptor(d: FileDescriptor): Source {
  return {
    id: d.id, path: d.path, origin: d.origin, mtimeMs: d.mtimeMs, sizeBytes: d.sizeBytes ?? null, reopen: d,
    ...(d.kindHint ? { kindHint: d.kindHint } : {}),
    chunks: () => {
      const read = async function* (): AsyncIterable<Buffer> {
        let fh;
        try {
          fh = await fsp.open(d.file, d.noFollow ? fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW : fsConstants.O_RDONLY);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new InputError('CTD_INPUT_UNREADABLE', `${d.path}: read failed (${e.code ?? e.message})`, { path: d.path });
        }
        const stream = fh.createReadStream({ highWaterMark: READ_BLOCK_BYTES, autoClose: true });
        try {
          yield* streamChunks(stream, d.path, false);
        } finally {
          // closes the file when the reader stops early (a peek for sniffing, an error)
          stream.destroy();
        }
      };
      if (d.gunzip && startsWithGzipMagic(d)) return maybeGunzipIterable(read(), d.path);
      return readFileBlocks(d);
    },
  };
}

/** Does the file start with the gzip magic? (false when it cannot be read: the reader reports that) */
function startsWithGzipMagic(d: FileDescriptor): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(d.file, d.noFollow ? fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW : fsConstants.O_RDONLY);
    const two = Buffer.alloc(2);
    return readSync(fd, two, 0, 2, 0) === 2 && two[0] === GZIP_MAGIC[0] && two[1] === GZIP_MAGIC[1];
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * A regular file's bytes, read synchronously into one reused {@link FILE_BLOCK_BYTES} block. A block ends
 * at its last newline (the bytes after it start the next block), unless it holds none.
 *
 * CONTRACT: each yielded Buffer is a fresh view (its own object, so identity-keyed scanners such as
 * NeedleScanner see a new block) of the SAME memory, which the next read overwrites. A consumer must
 * finish with a block before it asks for the next one and must copy whatever it keeps (the line
 * splitter copies its carry, peekSource copies the head). Streams that hold blocks asynchronously
 * (zlib) use the stream path instead.
 */
async function* readFileBlocks(d: FileDescriptor): AsyncIterable<Buffer> {
  let fd: number;
  try {
    fd = openSync(d.file, d.noFollow ? fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW : fsConstants.O_RDONLY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError('CTD_INPUT_UNREADABLE', `${d.path}: read failed (${e.code ?? e.message})`, { path: d.path });
  }
  try {
    const block = Buffer.allocUnsafeSlow(FILE_BLOCK_BYTES);
    let reads = 0;
    /** Bytes after the last newline of the previous read, moved to the block's start: read again with the next. */
    let held = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, block, held, block.length - held, null);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new InputError('CTD_INPUT_UNREADABLE', `${d.path}: read failed (${e.code ?? e.message})`, { path: d.path });
      }
      if (n === 0) {
        if (held > 0) yield block.subarray(0, held);
        return;
      }
      // a block ends at its last newline (round 17): no line is cut in two, so the line splitter carries
      // none, and every capture line reaches the tokenizer whole instead of ~1 a block going to JavaScript
      // (a block without a newline, part of a line longer than the block, is yielded whole)
      const len = held + n;
      const last = block.lastIndexOf(10, len - 1);
      const cut = last < 0 ? len : last + 1;
      yield block.subarray(0, cut);
      held = len - cut;
      if (held > 0) block.copyWithin(0, cut, len);
      // a synchronous read loop would starve timers (progress) and signal handlers (SIGINT): yield now and then
      if (++reads % READS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
}

async function* streamChunks(stream: Readable, path: string, isGzip: boolean): AsyncIterable<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (isGzip) {
      if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) {
        throw new InputError('CTD_INPUT_TRUNCATED_GZIP', `${path}: truncated gzip data (the file ends early; what was read before the damage is kept)`, { path });
      }
      throw new InputError('CTD_INPUT_CORRUPT', `${path}: corrupt gzip data (${e.message})`, { path });
    }
    throw new InputError('CTD_INPUT_UNREADABLE', `${path}: read failed (${e.code ?? e.message})`, { path });
  }
}

/** Build a Source for a command-line path ("-" = stdin). Throws InputError when it cannot be opened. */
export async function openPathSource(path: string, id: string, kindHint?: InputKind): Promise<Source> {
  if (path === '-') {
    return {
      id, path, origin: 'explicit', mtimeMs: null, ...(kindHint ? { kindHint } : {}),
      chunks: () => maybeGunzip(process.stdin, path),
    };
  }
  let st;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('CTD_INPUT_NOT_FOUND', `${path}: no such file`, { path });
    throw new InputError('CTD_INPUT_UNREADABLE', `${path}: cannot read (${code ?? 'error'})`, { path });
  }
  if (st.isDirectory()) throw new InputError('CTD_INPUT_IS_DIRECTORY', `${path}: is a directory (bundles and directories arrive with the bundle reader)`, { path });
  if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) {
    throw new InputError('CTD_INPUT_UNREADABLE', `${path}: not a regular file, FIFO or character device`, { path });
  }
  // Check now, so an unreadable file fails here with its own message; open lazily when read.
  try {
    await fsp.access(path, fsConstants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError('CTD_INPUT_UNREADABLE', `${path}: cannot read (${code === 'EACCES' ? 'permission denied' : code ?? 'error'})`, { path });
  }
  const mtimeMs = st.isFile() ? st.mtimeMs : null;
  if (st.isFile()) {
    return sourceFromDescriptor({ id, path, file: path, origin: 'explicit', mtimeMs, sizeBytes: st.size, noFollow: false, gunzip: true, ...(kindHint ? { kindHint } : {}) });
  }
  return {
    id, path, origin: 'explicit', mtimeMs, sizeBytes: null, ...(kindHint ? { kindHint } : {}),
    chunks: () => maybeGunzip(createReadStream(path, { highWaterMark: READ_BLOCK_BYTES }), path),
  };
}

/** Look at the first block; gunzip transparently when it starts with the gzip magic. */
function maybeGunzip(stream: Readable, path: string): AsyncIterable<Buffer> {
  return maybeGunzipIterable(streamChunks(stream, path, false), path);
}

async function* maybeGunzipIterable(blocks: AsyncIterable<Buffer>, path: string): AsyncIterable<Buffer> {
  const it = blocks[Symbol.asyncIterator]();
  let gunzip: ReturnType<typeof createGunzip> | null = null;
  try {
    const first = await it.next();
    if (first.done) return;
    const head = first.value;
    if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
      const gz = createGunzip({ chunkSize: 1024 * 1024 });
      gunzip = gz;
      const feed = (async () => {
        try {
          if (!gz.write(head)) await drainOrClose(gz);
          for (let r = await it.next(); !r.done && !gz.destroyed; r = await it.next()) {
            if (!gz.write(r.value)) await drainOrClose(gz);
          }
          gz.end();
        } catch (err) {
          gz.destroy(err as Error);
        }
      })();
      yield* streamChunks(gz, path, true);
      await feed;
      return;
    }
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  } finally {
    // a reader that stops early (a peek) closes the file
    gunzip?.destroy();
    await it.return?.();
  }
}

/** A source whose head has been read for sniffing; `chunks()` replays the head, then the rest. */
export interface PeekedSource {
  readonly source: Source;
  /** At least HEAD_BYTES (or all) of the decompressed bytes from the start; how much depends on the blocks. */
  readonly head: Buffer;
  /** The part of the head sniffers see: the same for any chunking of the same bytes. */
  readonly sniffHead: Buffer;
  /** Stop reading (closes the file); harmless after the input was read to its end. */
  close(): Promise<void>;
  /** True when the head holds the whole input. */
  readonly isComplete: boolean;
  chunks(): AsyncIterable<Buffer>;
}

export async function peekSource(source: Source): Promise<PeekedSource> {
  const it = source.chunks()[Symbol.asyncIterator]();
  const blocks: Buffer[] = [];
  let size = 0;
  let lines = 0;
  let done = false;
  // Read until the head holds SNIFF_HEAD_LINES complete lines (or HEAD_MAX_BYTES, or the end), however the
  // bytes arrive (a file in 16 MiB blocks, a pipe in 64 KiB ones), so sniffing never depends on chunking.
  while (size < HEAD_BYTES || (lines < SNIFF_HEAD_LINES && size < HEAD_MAX_BYTES)) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    // a copy: a file's blocks are views of one reused buffer (readFileBlocks)
    blocks.push(Buffer.from(r.value));
    size += r.value.length;
    for (let i = r.value.indexOf(10); i !== -1 && lines < SNIFF_HEAD_LINES; i = r.value.indexOf(10, i + 1)) lines++;
  }
  const all = blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
  return {
    source,
    head: all,
    sniffHead: sniffView(all, done),
    isComplete: done,
    close: async () => {
      await it.return?.();
    },
    chunks: async function* () {
      if (all.length) yield all;
      if (done) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    },
  };
}

/** The bytes sniffers see: up to the SNIFF_HEAD_LINES-th newline, else exactly HEAD_MAX_BYTES (or all of it). */
function sniffView(all: Buffer, done: boolean): Buffer {
  let pos = -1;
  for (let n = 0; n < SNIFF_HEAD_LINES; n++) {
    pos = all.indexOf(10, pos + 1);
    if (pos === -1) break;
  }
  if (pos !== -1) return all.subarray(0, pos + 1);
  return done ? all : all.subarray(0, Math.min(all.length, HEAD_MAX_BYTES));
}

/** Throw SkipInput for an empty input. */
export function assertNotEmpty(p: PeekedSource): void {
  if (p.isComplete && p.head.length === 0) throw new SkipInput('CTD_INPUT_EMPTY', `${p.source.path}: empty input`, { path: p.source.path });
}
