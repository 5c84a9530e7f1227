/**
 * Bundles: a directory, `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`/`.txz` (system `xz -dc`), `.zip` (yauzl) or a
 * single `.xz` file, opened safely and turned into Sources for the ordinary ingest path. Sample call:
 *
 *   const b = await openBundle('sosreport-web1-2026-11-20-abcdef.tar.xz', { limits: DEFAULT_LIMITS, sniffers, id: '3' });
 *   try { for (const e of b.entries) await ingest(e.source); } finally { await b.cleanup(); }
 *
 * Safety for untrusted uploads: nothing is written outside a private temp dir (mkdtemp under
 * os.tmpdir(), mode 0700, numbered file names); absolute paths, `..`, links leaving the bundle, devices
 * and FIFOs are refused; decompressed bytes, members and nesting depth are capped (BundleLimits); a
 * damaged archive keeps what was read before the damage. Sources read from the temp area, so they must be
 * consumed before `cleanup()`.
 */
import { constants as fsc, createReadStream, lstatSync, promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../model/errors.js';
import type { InputKind } from '../../model/records.js';
import type { Sniffer } from '../sniff.js';
import { sourceFromDescriptor, type Source } from '../source.js';
import { classify } from './classify.js';
import { detectBundle, type BundleType } from './detect.js';
import type { BundleFacts } from './facts.js';
import { Budget, ByteCapError, DEFAULT_LIMITS, formatBytes, type BundleLimits } from './limits.js';
import { BundleReader, type Layer } from './reader.js';
import { findProgram, runProgram } from './tools.js';

export { DEFAULT_LIMITS, detectBundle };
export type { BundleLimits, BundleType, BundleFacts };

/** One member to analyse. */
export interface BundleEntry {
  /**
   * A Source (origin 'bundle', path `bundle.tar.xz!/var/log/kern.log`, or `dir/var/log/kern.log` for
   * directories, kindHint from the layout table when matched, mtimeMs from the member header) ready for
   * ingest. It reads the private temp area (or the directory's file): consume it before cleanup().
   */
  readonly source: Source;
  /** The member's path inside the bundle, normalised ("var/log/kern.log"; "inner.tar.gz!/var/log/x" when nested). */
  readonly member: string;
  /** Host this member belongs to when the bundle holds several hosts (directory of hosts / several sosreports), else null. */
  readonly hostHint: string | null;
  /** Per-namespace capture (`ip_netns_exec_<ns>_conntrack_*`): the namespace name. */
  readonly namespace: string | null;
  /** Read from a sos_strings/…/*.tailed (the command output was truncated by sos). */
  readonly truncated: boolean;
  /** The kind: from the layout table, else from sniffing (the Source's kindHint is set only for layout). */
  readonly kind: InputKind;
  /** How it was recognised: a layout row, content sniffing, or a binary journal converted to JSON. */
  readonly via: 'layout' | 'sniff' | 'journal';
}

/** A member that is not analysed. */
export interface BundleOther {
  readonly path: string;
  readonly status: 'skipped' | 'refused' | 'failed';
  readonly reason: string;
}

export interface BundleResult {
  /**
   * Members to analyse, in a deterministic order: layout order, rotated logs oldest first (kern.log.2.gz,
   * kern.log.1, kern.log), then the rest by path; several hosts one after the other (by root path), nested
   * archives after their parent.
   */
  readonly entries: readonly BundleEntry[];
  /**
   * Every other member, with the one status vocabulary: skipped (reason, e.g. "not relevant", "empty"),
   * refused (absolute path, `..`, link escaping the bundle, device, FIFO, over a cap), failed (corrupt).
   * Directories are not listed. Paths are member paths ("var/log/x", "inner.tar!/y").
   */
  readonly others: readonly BundleOther[];
  /**
   * Host facts from the bundle's files (sosreport `hostname`, `uname`, `date`, `uptime`): hostname, kernel,
   * dateMs (the `date` output: the year source for year-less stamps), uptimeSec with dateMs (a boot-time
   * anchor), year (from `date` even when its zone name is ambiguous). All null when the bundle holds
   * several hosts: see hostFacts.
   */
  readonly facts: BundleFacts;
  /** Facts per host hint, when the bundle holds several hosts (else empty). */
  readonly hostFacts: ReadonlyMap<string, BundleFacts>;
  /** false when a cap, a truncation (archive damage or a sos `.tailed` output), a refusal or damage kept data out. */
  readonly complete: boolean;
  /** One line per problem that the CLI should print (bomb stopped, truncated xz, ...). */
  readonly problems: readonly string[];
  /** Decompressed bytes counted against maxBytes, and members counted against maxMembers. */
  readonly counted: { readonly bytes: number; readonly members: number };
  /** Remove the private temporary area (if any). Always call it (finally). */
  cleanup(): Promise<void>;
}

export interface OpenBundleOptions {
  readonly limits: BundleLimits;
  readonly sniffers: readonly Sniffer[];
  /** The bundle's input id; entries get `<id>.1`, `<id>.2`, ... in entry order. */
  readonly id: string;
}

function fileSource(id: string, path: string, data: string, inPlace: boolean, kindHint: InputKind | undefined, mtimeMs: number | null): Source {
  // the size (of the member's plain bytes) lets progress show a share and a big capture count on the
  // tally thread; lstat, as a link is never followed (the reader reports a member it cannot read)
  let sizeBytes: number | null = null;
  try {
    const st = lstatSync(data);
    if (st.isFile()) sizeBytes = st.size;
  } catch { /* unknown size */ }
  // O_NOFOLLOW for the user's directory: a file swapped for a link since the walk is not followed
  return sourceFromDescriptor({ id, path, file: data, origin: 'bundle', mtimeMs, sizeBytes, noFollow: inPlace, gunzip: false, ...(kindHint ? { kindHint } : {}) });
}

/** Open the top layer of a bundle by type. */
async function readTop(reader: BundleReader, path: string, type: BundleType, top: Layer): Promise<void> {
  switch (type) {
    case 'directory':
      await reader.readDirectory(top, path);
      break;
    case 'tar':
      await reader.readTar(top, createReadStream(path, { highWaterMark: 1024 * 1024 }), true, null);
      break;
    case 'tar.gz': {
      const input = createReadStream(path, { highWaterMark: 1024 * 1024 });
      const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
      input.on('error', (e) => gunzip.destroy(e));
      await reader.readTar(top, input.pipe(gunzip) as Readable, true, null);
      break;
    }
    case 'tar.xz':
    case 'xz': {
      const xz = findProgram('xz');
      if (xz === null) {
        throw new InputError('CTD_INPUT_UNSUPPORTED_ARCHIVE', `${path}: reading xz data needs the xz program, which is not installed (install xz-utils or xz); or convert with: xz -dc ${path} | gzip > ${path.replace(/\.(?:tar\.xz|txz|xz)$/i, '')}.tar.gz`, { path });
      }
      if (type === 'tar.xz') {
        const run = runProgram(xz, ['-dc'], path);
        await reader.readTar(top, run.stdout, true, run);
      } else {
        await readSingleXz(reader, path, xz, top);
      }
      break;
    }
    case 'zip': {
      const r = await reader.readZip(top, path);
      if (!r.opened) throw new InputError('CTD_INPUT_CORRUPT', `${path}: corrupt or truncated zip archive (${r.error ?? 'unreadable'}); nothing could be read`, { path });
      break;
    }
  }
  await reader.expand(top);
}

/** A single .xz file: decompress it into the temp area; a tar inside is read as a tar, else one member. */
async function readSingleXz(reader: BundleReader, path: string, xz: string, top: Layer): Promise<void> {
  const name = basename(path).replace(/\.xz$/i, '') || 'data';
  const run = runProgram(xz, ['-dc'], path);
  reader.budget.member();
  try {
    await reader.consume(top, name, run.stdout, null, true);
  } catch (e) {
    run.kill();
    if (!(e instanceof ByteCapError)) throw e;
    reader.refuse(name, `over the decompressed-size cap (${formatBytes(reader.budget.limits.maxBytes)})`);
    reader.incomplete = true;
    reader.stopped = true;
    reader.problems.push(`${path}: stopped at the cap of ${formatBytes(reader.budget.limits.maxBytes)} of decompressed data (--max-bytes); the rest was not read`);
    return;
  }
  const r = await run.done;
  if (r.code !== 0) {
    reader.incomplete = true;
    reader.problems.push(`${path}: truncated or corrupt xz data (${r.stderr || `exit status ${String(r.code)}`}); what was read before the damage is used`);
  }
  // a tar inside a lone .xz (named without .tar) is the bundle itself, not a nested layer
  const m = top.members.get(name);
  if (m && m.type === 'file' && m.probe.magic === 'tar' && m.data !== null) {
    top.members.delete(name);
    await reader.readTar(top, createReadStream(m.data, { highWaterMark: 1024 * 1024 }), false, null);
  }
}

/**
 * Open a bundle: read every member (streaming, within the caps), recognise the relevant ones (layout
 * table, then the handed-in sniffers) and return them as Sources plus the status of every other member.
 * Throws InputError for a bundle that cannot be read at all (unsupported archive, missing `xz`, a corrupt
 * zip or an archive damaged before its first member); everything else is reported in the result.
 */
export async function openBundle(path: string, opts: OpenBundleOptions): Promise<BundleResult> {
  const type = await detectBundle(path);
  if (type === null) throw new InputError('CTD_INPUT_UNRECOGNIZED', `${path}: not a directory or a supported archive`, { path });
  const budget = new Budget(opts.limits);
  const reader = new BundleReader(path, budget, opts.sniffers);
  const label = type === 'directory' ? `${path.replace(/\/+$/, '')}/` : `${path}!/`;
  reader.topLabel = label;
  const top: Layer = { label, memberPrefix: '', depth: 1, archiveName: null, members: new Map() };
  reader.layers.push(top);
  try {
    await readTop(reader, path, type, top);
    const topRead = reader.damagedLayers.get(top);
    if (topRead === 0 && top.members.size === 0) {
      throw new InputError('CTD_INPUT_CORRUPT', reader.problems.find((p) => p.startsWith(`${path}:`)) ?? `${path}: corrupt archive; nothing could be read`, { path });
    }
    const c = await classify(reader, type === 'directory');
    reader.summarise();
    const problems = [...reader.problems];
    let complete = !reader.incomplete;
    if (c.truncatedMembers.length > 0) {
      complete = false;
      for (const m of c.truncatedMembers) problems.push(`${label}${m}: sos kept only the tail of this output (sos_strings/…/*.tailed); counts from it are partial`);
    }
    const entries: BundleEntry[] = c.entries.map((e, i) => ({
      source: fileSource(`${opts.id}.${i + 1}`, e.path, e.data, e.inPlace, e.kindHint, e.mtimeMs),
      member: e.member, hostHint: e.hostHint, namespace: e.namespace, truncated: e.truncated, kind: e.kind, via: e.via,
    }));
    return {
      entries,
      others: [...reader.others, ...c.others],
      facts: c.facts,
      hostFacts: c.hostFacts,
      complete,
      problems,
      counted: { bytes: budget.bytes, members: budget.members },
      cleanup: () => reader.cleanup(),
    };
  } catch (e) {
    await reader.cleanup();
    throw e;
  }
}
