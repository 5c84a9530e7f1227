/**
 * The reading side of bundles: walk a directory, stream a tar (plain, gzip, or xz through the system
 * `xz -dc`), or a zip (yauzl), and collect a member table per archive layer. A member listing looks like:
 *
 *   sosreport-web1-2026-11-20-abcdef/sos_commands/kernel/dmesg              file
 *   sosreport-web1-2026-11-20-abcdef/hostname -> sos_commands/host/hostname  symlink
 *
 * One streaming pass per layer reads each member's head (64 KiB), probes it (archive magic, binary,
 * sniffers, layout paths) and either spills the member into the private temp area (relevant, a link's
 * likely target, or an archive to open next) or drains it. Member names are only names: spill files are
 * numbered (`<tmp>/17`), so a hostile name can never choose where bytes land. A second step ("expand")
 * decompresses .gz/.xz members, opens archives inside archives (same budget, depth-capped) and converts
 * binary journals. Every decompressed byte is counted against the shared Budget.
 */
import { constants as fsc, createReadStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Extract, type Header as TarHeader } from 'tar-stream';
import { openPromise as openZip, type Entry as ZipEntry, type ZipFile } from 'yauzl';
import type { InputKind } from '../../model/records.js';
import { detectBinary } from '../binary.js';
import { chooseKind, headLines, type Sniffer } from '../sniff.js';
import { HEAD_BYTES } from '../source.js';
import { matchesAnyCandidate } from '../bundle-layouts.js';
import { CONVERT_HINT, detectMagic, type Magic } from './detect.js';
import { Budget, ByteCapError, formatBytes } from './limits.js';
import { baseName, normalizeMemberPath } from './paths.js';
import { drainOrClose } from '../../util/streams.js';
import { findProgram, runProgram, type ChildRun } from './tools.js';

/** Lines handed to sniffers (the parsers' SNIFF_LINES; repeated here so ingest never imports parsers). */
const SNIFF_LINES = 64;

/** What a member's head says about it. */
export interface Probe {
  readonly magic: Magic | null;
  /** Kind by content sniffing (null when not recognised or not text). */
  readonly kind: InputKind | null;
  /** Why the member is not kept (empty, binary, not relevant, unsupported compression); null when kept. */
  readonly skipReason: string | null;
}

/** A regular file member. */
export interface FileMember {
  readonly type: 'file';
  readonly path: string;
  /** The file holding the member's (decompressed) bytes; null when not kept. */
  data: string | null;
  /** True when `data` is in the private temp area (so it may be deleted once replaced). */
  spilled: boolean;
  probe: Probe;
  readonly mtimeMs: number | null;
  /** The member was an archive: its members are listed in a layer of their own. */
  container: string | null;
  /** The member's data was converted (`journal`: `journalctl --file F -o json`). */
  via: 'file' | 'journal';
  /** Set when the member could not be read (status failed). */
  failed: string | null;
}

/** A symbolic or hard link member (resolved inside the layer at classification). */
export interface LinkMember {
  readonly type: 'symlink' | 'hardlink';
  readonly path: string;
  readonly target: string;
  readonly mtimeMs: number | null;
}

export type Member = FileMember | LinkMember;

/** One archive layer (or the directory) with its members. */
export interface Layer {
  /** Prefix of a member's reported path: "bundle.tar.xz!/", "dir/", "bundle.tar!/inner.tar.gz!/". */
  readonly label: string;
  /** Prefix of BundleEntry.member: "" at the top, "inner.tar.gz!/" inside a nested archive. */
  readonly memberPrefix: string;
  /** 1 for the bundle itself. */
  readonly depth: number;
  /** The nested archive's base name (a host-name fallback); null at the top. */
  readonly archiveName: string | null;
  /** Keyed by normalised member path (a Map: member names are untrusted text). */
  readonly members: Map<string, Member>;
}

/** A member that is not analysed, in the report's status vocabulary. */
export interface OtherMember {
  readonly path: string;
  readonly status: 'skipped' | 'refused' | 'failed';
  readonly reason: string;
}

/** The sosreport directory that holds the tail of truncated outputs. */
const SOS_STRINGS_RE = /(?:^|\/)sos_strings\//;

/** Drop the compression suffix of a member name (kern.log.2.gz → kern.log.2). */
function stripCompressionSuffix(name: string): string {
  return name.replace(/\.(?:gz|xz)$/i, '');
}

/** Write all of `b` (FileHandle.write may write fewer bytes than asked, and says how many). */
async function writeAll(fh: fsp.FileHandle, b: Buffer): Promise<void> {
  for (let off = 0; off < b.length;) {
    const n = (await fh.write(b, off, b.length - off)).bytesWritten;
    if (n <= 0) throw new Error('write made no progress');
    off += n;
  }
}

function errText(e: unknown): string {
  if (e instanceof Error) return e.message.replace(/\s+/g, ' ').trim();
  return String(e);
}

/** Reads one bundle into layers; owns the private temp area. */
export class BundleReader {
  readonly layers: Layer[] = [];
  readonly others: OtherMember[] = [];
  readonly problems: string[] = [];
  /** Set when a cap, damage, a refusal or a failure kept data out. */
  incomplete = false;
  /** A cap stopped everything: no further layer or member is read. */
  stopped = false;
  private tmp: string | null = null;
  private spillSeq = 0;
  private refusedCount = 0;
  private readonly refusedExamples: string[] = [];
  private readonly missingJournal: string[] = [];
  /** How members are shown in problem lines: "bundle.tar.xz!/" or "dir/". */
  topLabel: string;

  constructor(
    readonly bundlePath: string,
    readonly budget: Budget,
    readonly sniffers: readonly Sniffer[],
  ) {
    this.topLabel = `${bundlePath}!/`;
  }

  /** A new numbered file path in the private temp area (created on first use, mode 0700). */
  async tempFile(): Promise<string> {
    if (this.tmp === null) {
      this.tmp = await fsp.mkdtemp(join(tmpdir(), 'ctdoctor-'));
      await fsp.chmod(this.tmp, 0o700);
    }
    this.spillSeq++;
    return join(this.tmp, String(this.spillSeq));
  }

  /** The temp area, when one was created. */
  get tempDir(): string | null {
    return this.tmp;
  }

  async cleanup(): Promise<void> {
    const t = this.tmp;
    this.tmp = null;
    if (t !== null) await fsp.rm(t, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------ outcomes

  refuse(path: string, reason: string): void {
    this.others.push({ path, status: 'refused', reason });
    this.incomplete = true;
    this.refusedCount++;
    if (this.refusedExamples.length < 3) this.refusedExamples.push(`${path}: ${reason}`);
  }

  fail(path: string, reason: string): void {
    this.others.push({ path, status: 'failed', reason });
    this.incomplete = true;
    this.problems.push(`${this.topLabel}${path}: ${reason}`);
  }

  skip(path: string, reason: string): void {
    this.others.push({ path, status: 'skipped', reason });
  }

  private byteCap(where: string): void {
    this.incomplete = true;
    if (!this.stopped) {
      this.problems.push(`${this.bundlePath}: stopped at the cap of ${formatBytes(this.budget.limits.maxBytes)} of decompressed data (--max-bytes) while reading ${where}; the rest of the bundle was not read (a decompression bomb, or raise --max-bytes)`);
    }
    this.stopped = true;
  }

  private memberCap(): void {
    this.incomplete = true;
    if (!this.stopped) {
      this.problems.push(`${this.bundlePath}: more than ${this.budget.limits.maxMembers} members (--max-members); the rest of the bundle was not read`);
    }
    this.stopped = true;
  }

  /** Final problem lines that summarise many members (refusals, journals). */
  summarise(): void {
    if (this.refusedCount > 0) {
      const more = this.refusedCount > this.refusedExamples.length ? `; and ${this.refusedCount - this.refusedExamples.length} more` : '';
      this.problems.push(`${this.bundlePath}: refused ${this.refusedCount} unsafe member${this.refusedCount === 1 ? '' : 's'} (${this.refusedExamples.join('; ')}${more})`);
    }
    if (this.missingJournal.length > 0) {
      this.problems.push(`${this.bundlePath}: ${this.missingJournal.length} binary journal file${this.missingJournal.length === 1 ? ' was' : 's were'} not read (journalctl is not installed); convert each on a systemd host with: journalctl --file FILE -o json > FILE.json`);
    }
  }

  // ------------------------------------------------------------------ probing

  /** Probe a member's head: archive magic first, then empty/binary, then sniffers and layout paths. */
  probe(head: Buffer, complete: boolean, path: string): Probe {
    const magic = detectMagic(head);
    if (magic === 'bzip2' || magic === '7z' || magic === 'zstd' || magic === 'rar') {
      const c = CONVERT_HINT[magic];
      return { magic, kind: null, skipReason: `${c.type} data is not supported; convert with: ${c.hint.replace(/FILE/g, baseName(path))}` };
    }
    if (magic !== null) return { magic, kind: null, skipReason: null };
    if (complete && head.length === 0) return { magic: null, kind: null, skipReason: 'empty' };
    const binary = detectBinary(head);
    if (binary !== null) return { magic: null, kind: null, skipReason: `binary (${binary})` };
    const lines = headLines(head, complete, SNIFF_LINES);
    if (lines.every((l) => l.trim() === '')) return { magic: null, kind: null, skipReason: 'empty (only blank lines)' };
    const kind = chooseKind(this.sniffers, lines, stripCompressionSuffix(baseName(path)))?.kind ?? null;
    // keep what the layout may ask for and what sos links to (the .tailed outputs), even if unrecognised
    const keep = kind !== null || matchesAnyCandidate(path) || SOS_STRINGS_RE.test(path);
    return { magic: null, kind, skipReason: keep ? null : 'not relevant' };
  }

  /**
   * Read a member's bytes: probe the head, then spill the whole member to the temp area or drain it.
   * `count`: count the bytes here (zip members); tar members were counted as the archive was decompressed.
   */
  async consume(layer: Layer, path: string, chunks: AsyncIterable<Buffer>, mtimeMs: number | null, count: boolean): Promise<void> {
    const it = chunks[Symbol.asyncIterator]();
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    while (size < HEAD_BYTES) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      if (count) this.budget.take(r.value.length);
      parts.push(r.value);
      size += r.value.length;
    }
    const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const probe = this.probe(head, done, path);
    const member: FileMember = { type: 'file', path, data: null, spilled: false, probe, mtimeMs, container: null, via: 'file', failed: null };
    if (probe.skipReason !== null) {
      if (!done) {
        for (let r = await it.next(); !r.done; r = await it.next()) if (count) this.budget.take(r.value.length);
      }
      layer.members.set(path, member);
      return;
    }
    const file = await this.tempFile();
    const fh = await fsp.open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      if (head.length) await writeAll(fh, head);
      if (!done) {
        for (let r = await it.next(); !r.done; r = await it.next()) {
          if (count) this.budget.take(r.value.length);
          await writeAll(fh, r.value);
        }
      }
    } finally {
      await fh.close();
    }
    member.data = file;
    member.spilled = true;
    layer.members.set(path, member);
  }

  // ------------------------------------------------------------------ tar

  /**
   * Stream a tar through tar-stream. `count`: count the bytes fed (they come out of a decompressor or
   * the file); false when the tar is a spilled member whose bytes were counted already.
   * `decoder`: the xz process producing the stream (its exit status tells a truncated .tar.xz).
   */
  async readTar(layer: Layer, input: Readable, count: boolean, decoder: ChildRun | null): Promise<void> {
    const ex = tarExtract();
    let stop = false;
    let feedError: unknown = null;
    const feed = (async () => {
      try {
        for await (const chunk of input) {
          if (stop || ex.destroyed) break;
          const b = chunk as Buffer;
          if (count) this.budget.take(b.length);
          if (!ex.write(b)) await drainOrClose(ex);
        }
        if (!stop && !ex.destroyed) ex.end(undefined);
      } catch (e) {
        if (!stop) {
          feedError = e;
          ex.destroy(e as Error);
        }
      }
    })();
    let current: string | null = null;
    let read = 0;
    let damage: unknown = null;
    try {
      for await (const entry of ex) {
        if (this.stopped) break;
        if (!this.budget.member()) {
          this.memberCap();
          break;
        }
        current = null;
        await this.tarEntry(layer, entry as unknown as AsyncIterable<Buffer> & { readonly header: TarHeader }, (p) => {
          current = p;
        });
        current = null;
        read++;
      }
    } catch (e) {
      damage = feedError ?? e;
    } finally {
      stop = true;
      if (!ex.destroyed) ex.destroy();
      input.destroy();
      decoder?.kill();
      await feed;
    }
    let decoderMsg: string | null = null;
    if (decoder) {
      const r = await decoder.done;
      // exit 0: fine; null: killed by us (cap, stop); anything else: xz saw damage
      if (r.code !== 0 && r.code !== null) {
        decoderMsg = r.stderr || `xz exited with status ${r.code}`;
        if (damage === null && !this.stopped) damage = new Error(decoderMsg);
      }
    }
    if (damage === null) return;
    const where: string = current ?? '(between members)';
    if (damage instanceof ByteCapError) {
      if (current !== null) this.refuse(current, `over the decompressed-size cap (${formatBytes(this.budget.limits.maxBytes)})`);
      this.byteCap(layer.memberPrefix ? `${layer.memberPrefix}${where === '(between members)' ? '' : where}` : where);
      return;
    }
    const reason = decoderMsg && !errText(damage).includes(decoderMsg) ? `${errText(damage)}; ${decoderMsg}` : errText(damage);
    if (current !== null) {
      this.others.push({ path: current, status: 'failed', reason: `the archive is damaged inside this member (${reason})` });
    }
    this.incomplete = true;
    this.damaged(layer, reason, read);
  }

  /** Members read by layer before damage (the top layer's count decides "nothing usable"). */
  readonly damagedLayers = new Map<Layer, number>();

  private damaged(layer: Layer, reason: string, read: number): void {
    this.damagedLayers.set(layer, read);
    const name = layer.memberPrefix ? `${this.topLabel}${layer.memberPrefix.replace(/!\/$/, '')}` : this.bundlePath;
    this.problems.push(`${name}: truncated or corrupt archive (${reason}) after ${read} member${read === 1 ? '' : 's'}; what was read before the damage is used`);
  }

  private async tarEntry(layer: Layer, entry: AsyncIterable<Buffer> & { readonly header: TarHeader }, setCurrent: (p: string) => void): Promise<void> {
    const h = entry.header;
    const drain = async (): Promise<void> => {
      for await (const _ of entry) {
        // the bytes were counted as they were decompressed; nothing is kept
      }
    };
    const norm = normalizeMemberPath(h.name);
    if (norm === null) return drain();
    if ('refused' in norm) {
      this.refuse(layer.memberPrefix + h.name, norm.refused);
      return drain();
    }
    const path = norm.path;
    const shown = layer.memberPrefix + path;
    const mtimeMs = h.mtime instanceof Date && !Number.isNaN(h.mtime.getTime()) ? h.mtime.getTime() : null;
    switch (h.type ?? 'file') {
      case 'directory':
        return drain();
      case 'file':
      case 'contiguous-file':
        setCurrent(shown);
        return this.consume(layer, path, entry, mtimeMs, false);
      case 'symlink':
      case 'link':
        layer.members.set(path, { type: h.type === 'link' ? 'hardlink' : 'symlink', path, target: h.linkname ?? '', mtimeMs });
        return drain();
      case 'character-device':
      case 'block-device':
        this.refuse(shown, 'device file');
        return drain();
      case 'fifo':
        this.refuse(shown, 'FIFO (named pipe)');
        return drain();
      default:
        this.skip(shown, `unsupported member type (${String(h.type)})`);
        return drain();
    }
  }

  // ------------------------------------------------------------------ zip

  /**
   * Read a zip with yauzl (central directory first, so a zip must be a file). Returns false when the zip
   * cannot be opened at all (no central directory: truncated or not a zip).
   */
  async readZip(layer: Layer, file: string): Promise<{ readonly opened: boolean; readonly error: string | null }> {
    let zip: ZipFile;
    try {
      // decodeStrings false: names are checked here, member by member (yauzl would reject the whole zip)
      zip = await openZip(file, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
    } catch (e) {
      return { opened: false, error: errText(e) };
    }
    let read = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        if (this.stopped) break;
        if (!this.budget.member()) {
          this.memberCap();
          break;
        }
        await this.zipEntry(layer, zip, entry);
        read++;
      }
    } catch (e) {
      this.incomplete = true;
      this.damaged(layer, errText(e), read);
    } finally {
      zip.close();
    }
    return { opened: true, error: null };
  }

  private async zipEntry(layer: Layer, zip: ZipFile, entry: ZipEntry): Promise<void> {
    const raw = entry.fileNameRaw;
    // bit 11: UTF-8 names; otherwise CP437, of which ASCII is the common part (latin1 keeps other bytes visible)
    let name = (entry.generalPurposeBitFlag & 0x800) !== 0 ? raw.toString('utf8') : raw.toString('latin1');
    // some Windows tools write backslashes: treat them as separators, so "..\\x" is caught as traversal
    name = name.replace(/\\/g, '/');
    const isDir = name.endsWith('/');
    const norm = normalizeMemberPath(name);
    if (norm === null) return;
    if ('refused' in norm) {
      this.refuse(layer.memberPrefix + name, norm.refused);
      return;
    }
    const path = norm.path;
    const shown = layer.memberPrefix + path;
    const unix = entry.versionMadeBy >> 8 === 3;
    const mode = unix ? (entry.externalFileAttributes >>> 16) & 0o170000 : 0;
    if (isDir || mode === 0o040000) return;
    if (mode === 0o020000 || mode === 0o060000) return this.refuse(shown, 'device file');
    if (mode === 0o010000) return this.refuse(shown, 'FIFO (named pipe)');
    if (mode === 0o140000) return this.refuse(shown, 'socket');
    const mtime = entry.getLastModDate({ timezone: 'UTC' }).getTime();
    const mtimeMs = Number.isNaN(mtime) ? null : mtime;
    if (entry.isEncrypted()) return this.fail(shown, 'encrypted zip member');
    if (!entry.canDecodeFileData()) return this.fail(shown, `unsupported zip compression method ${entry.compressionMethod}`);
    if (this.budget.bytes + entry.uncompressedSize > this.budget.limits.maxBytes) {
      // the declared size alone passes the cap: refuse without inflating a byte
      this.budget.byteCapHit = true;
      this.refuse(shown, `declares ${formatBytes(entry.uncompressedSize)}, over the decompressed-size cap`);
      this.byteCap(shown);
      return;
    }
    let stream: Readable;
    try {
      stream = await zip.openReadStreamPromise(entry);
    } catch (e) {
      return this.fail(shown, `corrupt zip member (${errText(e)})`);
    }
    try {
      if (mode === 0o120000) {
        let target = '';
        for await (const c of stream) {
          this.budget.take((c as Buffer).length);
          target += (c as Buffer).toString('utf8');
          if (target.length > 4096) break;
        }
        stream.destroy();
        layer.members.set(path, { type: 'symlink', path, target, mtimeMs });
        return;
      }
      await this.consume(layer, path, stream, mtimeMs, true);
    } catch (e) {
      stream.destroy();
      if (e instanceof ByteCapError) {
        this.refuse(shown, `over the decompressed-size cap (${formatBytes(this.budget.limits.maxBytes)})`);
        this.byteCap(shown);
        return;
      }
      this.fail(shown, `corrupt zip member (${errText(e)})`);
    }
  }

  // ------------------------------------------------------------------ directory

  /** Walk a directory (sorted, never following symlinks); files are read in place, not copied. */
  async readDirectory(layer: Layer, root: string): Promise<void> {
    const stack: string[] = [''];
    while (stack.length > 0 && !this.stopped) {
      const rel = stack.pop()!;
      let names: import('node:fs').Dirent[];
      try {
        names = await fsp.readdir(rel ? join(root, rel) : root, { withFileTypes: true });
      } catch (e) {
        this.fail(rel || '.', `cannot read directory (${(e as NodeJS.ErrnoException).code ?? errText(e)})`);
        continue;
      }
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirs: string[] = [];
      for (const d of names) {
        if (this.stopped) break;
        if (!this.budget.member()) {
          this.memberCap();
          break;
        }
        const path = rel ? `${rel}/${d.name}` : d.name;
        const full = join(root, path);
        if (d.isDirectory()) {
          subdirs.push(path);
        } else if (d.isSymbolicLink()) {
          try {
            const target = await fsp.readlink(full);
            const st = await fsp.lstat(full);
            layer.members.set(path, { type: 'symlink', path, target, mtimeMs: st.mtimeMs });
          } catch (e) {
            this.fail(path, `cannot read link (${(e as NodeJS.ErrnoException).code ?? errText(e)})`);
          }
        } else if (d.isFile()) {
          await this.directoryFile(layer, path, full);
        } else if (d.isFIFO()) {
          this.refuse(path, 'FIFO (named pipe)');
        } else if (d.isCharacterDevice() || d.isBlockDevice()) {
          this.refuse(path, 'device file');
        } else {
          this.refuse(path, 'socket or special file');
        }
      }
      // depth-first in name order: push in reverse so the smallest name is walked first
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  }

  private async directoryFile(layer: Layer, path: string, full: string): Promise<void> {
    let fh;
    try {
      // O_NOFOLLOW: the walk saw a regular file; refuse it if it was swapped for a link since
      fh = await fsp.open(full, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    } catch (e) {
      return this.fail(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? errText(e)})`);
    }
    try {
      const st = await fh.stat();
      const head = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
      const { bytesRead } = head.length ? await fh.read(head, 0, head.length, 0) : { bytesRead: 0 };
      const h = head.subarray(0, bytesRead);
      const probe = this.probe(h, bytesRead >= st.size, path);
      layer.members.set(path, {
        type: 'file', path, data: probe.skipReason === null ? full : null, spilled: false, probe,
        mtimeMs: st.mtimeMs, container: null, via: 'file', failed: null,
      });
    } catch (e) {
      this.fail(path, `cannot read (${errText(e)})`);
    } finally {
      await fh.close();
    }
  }

  // ------------------------------------------------------------------ expand

  /** Decompress .gz/.xz members, open nested archives, convert journals (members in path order). */
  async expand(layer: Layer): Promise<void> {
    const files = [...layer.members.values()].filter((m): m is FileMember => m.type === 'file' && m.data !== null && m.probe.magic !== null);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const m of files) {
      if (this.stopped) return;
      const magic = m.probe.magic;
      if (magic === 'gzip' || magic === 'xz') await this.decompressMember(layer, m, magic);
      else if (magic === 'tar' || magic === 'zip') await this.nested(layer, m, magic, m.data!);
      else if (magic === 'journal') await this.journal(layer, m);
    }
  }

  /** Stream a file through a decompressor into a new temp file, counting. Returns the damage, if any. */
  private async decompressTo(src: string, magic: 'gzip' | 'xz', out: string): Promise<{ damage: string | null }> {
    let run: ChildRun | null = null;
    let stream: Readable;
    if (magic === 'gzip') {
      const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
      const input = createReadStream(src);
      input.on('error', (e) => gunzip.destroy(e));
      stream = input.pipe(gunzip);
    } else {
      const xz = findProgram('xz');
      if (xz === null) return { damage: 'xz is not installed (needed for .xz data); install xz-utils or decompress it first' };
      run = runProgram(xz, ['-dc'], src);
      stream = run.stdout;
    }
    const fh = await fsp.open(out, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    let damage: string | null = null;
    try {
      for await (const c of stream) {
        this.budget.take((c as Buffer).length);
        await writeAll(fh, c as Buffer);
      }
    } catch (e) {
      stream.destroy();
      run?.kill();
      if (e instanceof ByteCapError) throw e;
      damage = errText(e);
    } finally {
      await fh.close();
    }
    if (run) {
      const r = await run.done;
      if (r.code !== 0 && damage === null) damage = r.stderr || `xz exited with status ${String(r.code)}`;
    }
    return { damage };
  }

  private async readHead(file: string): Promise<{ head: Buffer; complete: boolean }> {
    const fh = await fsp.open(file, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
      const st = await fh.stat();
      return { head: buf.subarray(0, bytesRead), complete: bytesRead >= st.size };
    } finally {
      await fh.close();
    }
  }

  private async dropSpill(m: FileMember): Promise<void> {
    if (m.spilled && m.data !== null) await fsp.rm(m.data, { force: true });
  }

  private async decompressMember(layer: Layer, m: FileMember, magic: 'gzip' | 'xz'): Promise<void> {
    const shown = layer.memberPrefix + m.path;
    const out = await this.tempFile();
    let res;
    try {
      res = await this.decompressTo(m.data!, magic, out);
    } catch (e) {
      if (e instanceof ByteCapError) {
        await this.dropSpill(m);
        m.data = null;
        m.failed = 'over the decompressed-size cap';
        this.refuse(shown, `over the decompressed-size cap (${formatBytes(this.budget.limits.maxBytes)})`);
        this.byteCap(shown);
        return;
      }
      throw e;
    }
    await this.dropSpill(m);
    const { head, complete } = await this.readHead(out);
    if (res.damage !== null) {
      if (head.length === 0) {
        m.data = null;
        m.failed = `corrupt ${magic} data (${res.damage})`;
        this.fail(shown, m.failed);
        return;
      }
      // keep what was decompressed before the damage, and say so
      this.incomplete = true;
      this.problems.push(`${this.topLabel}${shown}: truncated or corrupt ${magic} data (${res.damage}); the part before the damage is read`);
    }
    const probe = this.probe(head, complete, stripCompressionSuffix(m.path));
    m.data = out;
    m.spilled = true;
    if (probe.magic === 'tar' || probe.magic === 'zip') {
      m.probe = probe;
      await this.nested(layer, m, probe.magic, out);
      return;
    }
    m.probe = probe.magic !== null ? { magic: null, kind: null, skipReason: `compressed twice (${probe.magic} inside ${magic})` } : probe;
    if (m.probe.skipReason !== null) {
      await this.dropSpill(m);
      m.data = null;
      m.spilled = false;
    }
  }

  /** Open an archive member as a layer of its own (within maxDepth and the same budget). */
  private async nested(layer: Layer, m: FileMember, magic: 'tar' | 'zip', file: string): Promise<void> {
    const shown = layer.memberPrefix + m.path;
    m.container = `${shown}!/`;
    if (layer.depth + 1 > this.budget.limits.maxDepth) {
      this.refuse(shown, `archive nested deeper than ${this.budget.limits.maxDepth} levels (--max-depth)`);
      await this.dropSpill(m);
      m.data = null;
      return;
    }
    const inner: Layer = { label: `${layer.label}${m.path}!/`, memberPrefix: `${shown}!/`, depth: layer.depth + 1, archiveName: baseName(m.path), members: new Map() };
    this.layers.push(inner);
    if (magic === 'tar') {
      // a spilled tar's bytes were counted when they were decompressed
      await this.readTar(inner, createReadStream(file, { highWaterMark: 1024 * 1024 }), !m.spilled, null);
    } else {
      const r = await this.readZip(inner, file);
      if (!r.opened) this.fail(shown, `corrupt zip archive (${r.error ?? 'unreadable'})`);
    }
    await this.dropSpill(m);
    m.data = null;
    await this.expand(inner);
  }

  /** Convert a binary journal with `journalctl --file F -o json` (output counted), or say how. */
  private async journal(layer: Layer, m: FileMember): Promise<void> {
    const shown = layer.memberPrefix + m.path;
    const jc = findProgram('journalctl');
    if (jc === null) {
      await this.dropSpill(m);
      m.data = null;
      m.probe = { magic: 'journal', kind: null, skipReason: `binary systemd journal; journalctl is not installed here: convert it on a systemd host with: journalctl --file ${baseName(m.path)} -o json > ${baseName(m.path)}.json` };
      this.missingJournal.push(shown);
      this.incomplete = true;
      return;
    }
    const out = await this.tempFile();
    const run = runProgram(jc, ['--file', m.data!, '-o', 'json', '--no-pager'], null);
    const fh = await fsp.open(out, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    let capped = false;
    try {
      for await (const c of run.stdout) {
        this.budget.take((c as Buffer).length);
        await writeAll(fh, c as Buffer);
      }
    } catch (e) {
      run.kill();
      if (!(e instanceof ByteCapError)) throw e;
      capped = true;
    } finally {
      await fh.close();
    }
    const r = await run.done;
    await this.dropSpill(m);
    if (capped) {
      m.data = null;
      m.failed = 'over the decompressed-size cap';
      this.refuse(shown, `journal conversion passed the decompressed-size cap (${formatBytes(this.budget.limits.maxBytes)})`);
      this.byteCap(shown);
      return;
    }
    const { head } = await this.readHead(out);
    if (r.code !== 0 || head.length === 0) {
      m.data = null;
      m.failed = `journalctl could not read this journal file (${r.stderr || `exit status ${String(r.code)}`})`;
      this.fail(shown, m.failed);
      return;
    }
    m.data = out;
    m.spilled = true;
    m.via = 'journal';
    m.probe = { magic: null, kind: 'kernel-log', skipReason: null };
  }
}
