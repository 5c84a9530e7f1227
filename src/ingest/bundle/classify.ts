/**
 * From member tables to entries: resolve links inside each layer, find the hosts (sosreport roots, or a
 * directory of hosts), apply the layout table per root (first candidate that exists wins), then take the
 * members the sniffers recognised. Each member ends as exactly one entry or one `others` row. Sample of
 * what one root gives (layout order, rotated logs oldest first):
 *
 *   sos_commands/kernel/dmesg           kernel-log   (layout: dmesg)
 *   var/log/kern.log.2.gz               kernel-log   (layout: kernel log)
 *   var/log/kern.log.1                  kernel-log
 *   var/log/kern.log                    kernel-log
 */
import { promises as fsp } from 'node:fs';
import type { InputKind } from '../../model/records.js';
import { COMPILED_LAYOUT, TAILED_RE, namespaceOf, rotation, type LayoutFact } from '../bundle-layouts.js';
import { NO_FACTS, parseDate, parseHostname, parseUname, parseUptime, type BundleFacts } from './facts.js';
import type { BundleReader, FileMember, Layer, OtherMember } from './reader.js';
import { baseName, dirName, resolveLinkTarget } from './paths.js';

/** An entry before it becomes a Source. */
export interface EntryDraft {
  /** Reported path of the member (layer label + member path). */
  readonly path: string;
  /** BundleEntry.member. */
  readonly member: string;
  /** The file holding the bytes. */
  readonly data: string;
  /** True when `data` is a file of the user's directory (opened with O_NOFOLLOW). */
  readonly inPlace: boolean;
  readonly kindHint: InputKind | undefined;
  readonly kind: InputKind;
  readonly via: 'layout' | 'sniff' | 'journal';
  readonly mtimeMs: number | null;
  readonly namespace: string | null;
  readonly truncated: boolean;
  hostHint: string | null;
}

/** One host candidate: a sosreport root, a host's directory, or the loose rest of a layer. */
interface Unit {
  readonly layer: Layer;
  /** "" or "dir/". */
  readonly root: string;
  /** A sosreport root or a host directory (counts towards "several hosts"). */
  readonly isHost: boolean;
  readonly entries: EntryDraft[];
  facts: BundleFacts;
}

/** Directory names that are parts of one host's file system, never host names. */
const FS_DIRS = new Set(['var', 'log', 'proc', 'sys', 'etc', 'run', 'usr', 'tmp', 'home', 'root', 'opt', 'boot', 'dev', 'srv', 'lib', 'journal', 'sos_commands', 'sos_strings', 'sos_logs', 'sos_reports']);

type Resolved =
  | { readonly file: FileMember }
  | { readonly refused: string }
  | { readonly skipped: string };

function resolve(layer: Layer, path: string): Resolved {
  let cur = path;
  for (let hops = 0; hops <= 16; hops++) {
    const m = layer.members.get(cur);
    if (!m) return { skipped: `dangling link (target ${cur} is not in the bundle)` };
    if (m.type === 'file') return { file: m };
    const r = resolveLinkTarget(m.path, m.target, m.type === 'hardlink');
    if ('refused' in r) return { refused: r.refused };
    if (!layer.members.has(r.path)) {
      const prefix = `${r.path}/`;
      for (const k of layer.members.keys()) if (k.startsWith(prefix)) return { skipped: `link to a directory (${m.target})` };
      return { skipped: `dangling link (target ${m.target} is not in the bundle)` };
    }
    cur = r.path;
  }
  return { refused: 'link loop (more than 16 links)' };
}

function usable(f: FileMember): boolean {
  return f.data !== null && f.failed === null && f.container === null && f.probe.skipReason === null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rotation-aware order: same directory and log stem together, oldest rotation first, then by path. */
function rotationOrder(a: string, b: string): number {
  const ra = rotation(baseName(a));
  const rb = rotation(baseName(b));
  return cmp(dirName(a), dirName(b)) || cmp(ra.stem, rb.stem) || rb.age - ra.age || cmp(a, b);
}

const FACT_READ_BYTES = 4096;

async function readSmall(file: string): Promise<string> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(FACT_READ_BYTES);
    const { bytesRead } = await fh.read(buf, 0, FACT_READ_BYTES, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function readFacts(sources: ReadonlyMap<LayoutFact, string>): Promise<BundleFacts> {
  const text = async (f: LayoutFact): Promise<string | null> => {
    const file = sources.get(f);
    if (file === undefined) return null;
    try {
      return await readSmall(file);
    } catch {
      return null;
    }
  };
  const host = await text('hostname');
  const uname = await text('kernel');
  const date = await text('date');
  const up = await text('uptime');
  const d = date === null ? null : parseDate(date);
  return {
    hostname: host === null ? null : parseHostname(host),
    kernel: uname === null ? null : parseUname(uname),
    dateMs: d?.dateMs ?? null,
    uptimeSec: up === null ? null : parseUptime(up),
    year: d?.year ?? null,
  };
}

/** Roots of sosreports in a layer: the directories that hold a `sos_commands/` directory. */
function sosRoots(layer: Layer): string[] {
  const roots = new Set<string>();
  for (const p of layer.members.keys()) {
    const segs = p.split('/');
    const i = segs.indexOf('sos_commands');
    if (i !== -1 && i < segs.length - 1) roots.add(i === 0 ? '' : `${segs.slice(0, i).join('/')}/`);
  }
  return [...roots].sort(cmp);
}

/** A directory of hosts: every relevant member under a top directory, at least two, none a file-system name. */
function hostDirs(layer: Layer, resolved: ReadonlyMap<string, Resolved>): string[] | null {
  const tops = new Set<string>();
  for (const [p, r] of resolved) {
    if (!('file' in r) || !usable(r.file)) continue;
    const i = p.indexOf('/');
    if (i === -1) return null;
    tops.add(p.slice(0, i));
  }
  if (tops.size < 2) return null;
  for (const t of tops) if (FS_DIRS.has(t)) return null;
  return [...tops].sort(cmp).map((t) => `${t}/`);
}

function hostName(unit: Unit, bundlePath: string): string {
  if (unit.facts.hostname) return unit.facts.hostname;
  if (unit.root) return baseName(unit.root.slice(0, -1));
  const name = unit.layer.archiveName ?? baseName(bundlePath.replace(/\/+$/, ''));
  return name.replace(/\.(?:tar\.gz|tar\.xz|tgz|txz|tar|zip|xz)$/i, '');
}

/** The outcome of classification. */
export interface Classification {
  readonly entries: readonly EntryDraft[];
  readonly others: readonly OtherMember[];
  readonly facts: BundleFacts;
  readonly hostFacts: ReadonlyMap<string, BundleFacts>;
  /** Members read from sos_strings/…/*.tailed (sos kept only the tail). */
  readonly truncatedMembers: readonly string[];
}

/** Classify every layer of a read bundle. */
export async function classify(reader: BundleReader, isDirectory: boolean): Promise<Classification> {
  const others: OtherMember[] = [];
  const listed = new Set(reader.others.map((o) => o.path));
  const units: Unit[] = [];
  const truncatedMembers: string[] = [];

  for (const layer of reader.layers) {
    const shown = (p: string): string => layer.memberPrefix + p;
    const resolved = new Map<string, Resolved>();
    for (const p of [...layer.members.keys()].sort(cmp)) {
      const r = resolve(layer, p);
      resolved.set(p, r);
      if ('refused' in r && !listed.has(shown(p))) {
        reader.refuse(shown(p), r.refused);
        listed.add(shown(p));
      }
    }
    // data already used by an entry (a link and its target are one input): resolved file → member shown
    const used = new Map<FileMember, string>();
    const sos = sosRoots(layer);
    const roots = sos.length > 0 ? sos : (hostDirs(layer, resolved) ?? ['']);
    const isHost = sos.length > 0 || roots[0] !== '';
    const layerUnits: { unit: Unit; paths: string[] }[] = roots.map((root) => ({
      unit: { layer, root, isHost, entries: [], facts: NO_FACTS }, paths: [],
    }));
    const loose: { unit: Unit; paths: string[] } = { unit: { layer, root: '', isHost: false, entries: [], facts: NO_FACTS }, paths: [] };
    for (const p of resolved.keys()) {
      let best: { unit: Unit; paths: string[] } | null = null;
      for (const u of layerUnits) {
        if (p.startsWith(u.unit.root) && (!best || u.unit.root.length > best.unit.root.length)) best = u;
      }
      (best ?? loose).paths.push(p);
    }
    if (loose.paths.length > 0) layerUnits.push(loose);

    for (const { unit, paths } of layerUnits) {
      const root = unit.root;
      const claimed = new Set<string>();
      const factSources = new Map<LayoutFact, string>();
      const isUsablePath = (p: string): boolean => {
        const r = resolved.get(p);
        return r !== undefined && 'file' in r && usable(r.file);
      };
      const fileOf = (p: string): FileMember => (resolved.get(p) as { file: FileMember }).file;
      const addEntry = (p: string, f: FileMember, kind: InputKind, via: EntryDraft['via'], kindHint: InputKind | undefined): void => {
        const truncated = TAILED_RE.test(f.path) || TAILED_RE.test(p);
        if (truncated) truncatedMembers.push(shown(p));
        unit.entries.push({
          path: layer.label + p, member: shown(p), data: f.data!, inPlace: isDirectory && !f.spilled, kindHint, kind, via,
          mtimeMs: f.mtimeMs, namespace: namespaceOf(baseName(p)), truncated, hostHint: null,
        });
      };
      const rels = paths.filter((p) => p.startsWith(root)).map((p) => p.slice(root.length)).sort(cmp);

      // 1. the layout table, first candidate that exists wins
      for (const { row, candidates } of COMPILED_LAYOUT) {
        let winner: string | null = null;
        let chosen: string[] = [];
        for (const cand of candidates) {
          const matches = rels.filter((r) => !claimed.has(root + r) && cand.test(r) && isUsablePath(root + r));
          if (matches.length === 0) continue;
          if (winner === null) {
            chosen = cand.many ? matches : [matches[0]!];
            winner = shown(root + chosen[0]!);
            for (const r of chosen) claimed.add(root + r);
            for (const r of matches.slice(chosen.length)) {
              claimed.add(root + r);
              others.push({ path: shown(root + r), status: 'skipped', reason: `${row.name} is read from ${winner}` });
            }
          } else {
            for (const r of matches) {
              claimed.add(root + r);
              others.push({ path: shown(root + r), status: 'skipped', reason: `${row.name} is read from ${winner} (first match wins)` });
            }
          }
        }
        chosen.sort(rotationOrder);
        for (const r of chosen) {
          const p = root + r;
          const f = fileOf(p);
          const prev = used.get(f);
          if (prev !== undefined) {
            others.push({ path: shown(p), status: 'skipped', reason: `same data as ${prev} (link)` });
            continue;
          }
          used.set(f, shown(p));
          if (row.fact && !factSources.has(row.fact)) factSources.set(row.fact, f.data!);
          if (row.kind !== null) addEntry(p, f, row.kind, f.via === 'journal' ? 'journal' : 'layout', row.kind);
          else others.push({ path: shown(p), status: 'skipped', reason: row.fact ? `host fact (${row.name}), not a log` : `not analysed (${row.name})` });
        }
      }

      // 2. everything else: content sniffing (done while reading), rotated logs oldest first
      const rest = paths.filter((p) => !claimed.has(p)).sort(rotationOrder);
      for (const p of rest) {
        if (listed.has(shown(p))) continue;
        const r = resolved.get(p)!;
        const m = layer.members.get(p)!;
        if ('refused' in r) continue; // listed above
        if ('skipped' in r) {
          others.push({ path: shown(p), status: 'skipped', reason: r.skipped });
          continue;
        }
        const f = r.file;
        if (!usable(f)) {
          if (m.type === 'file' && (f.failed !== null || listed.has(shown(p)))) continue;
          let reason: string;
          if (f.container !== null) reason = `archive: its members are listed under ${f.container}`;
          else if (f.failed !== null) reason = `link to ${shown(f.path)}, which failed (${f.failed})`;
          else reason = f.probe.skipReason ?? 'not relevant';
          if (m.type !== 'file' && f.container === null && f.failed === null) reason = `link to ${shown(f.path)}: ${reason}`;
          others.push({ path: shown(p), status: f.failed !== null && m.type === 'file' ? 'failed' : 'skipped', reason });
          continue;
        }
        const prev = used.get(f);
        if (prev !== undefined) {
          others.push({ path: shown(p), status: 'skipped', reason: `read through ${prev}` });
          continue;
        }
        const kind: InputKind | null = f.via === 'journal' ? 'kernel-log' : f.probe.kind;
        if (kind === null) {
          others.push({ path: shown(p), status: 'skipped', reason: 'not relevant' });
          continue;
        }
        used.set(f, shown(p));
        addEntry(p, f, kind, f.via === 'journal' ? 'journal' : 'sniff', f.via === 'journal' ? 'kernel-log' : undefined);
      }
      unit.facts = await readFacts(factSources);
      units.push(unit);
    }
  }

  // several hosts: every host unit's entries get a host hint (the hostname fact, else the directory name)
  const hostUnits = units.filter((u) => u.isHost);
  const several = hostUnits.length >= 2;
  const hostFacts = new Map<string, BundleFacts>();
  if (several) {
    for (const u of hostUnits) {
      const h = hostName(u, reader.bundlePath);
      for (const e of u.entries) e.hostHint = h;
      if (!hostFacts.has(h)) hostFacts.set(h, u.facts);
    }
  }
  let facts: BundleFacts = NO_FACTS;
  if (!several) {
    const pick = <K extends keyof BundleFacts>(k: K): BundleFacts[K] => {
      for (const u of units) if (u.facts[k] !== null) return u.facts[k];
      return null as BundleFacts[K];
    };
    facts = { hostname: pick('hostname'), kernel: pick('kernel'), dateMs: pick('dateMs'), uptimeSec: pick('uptimeSec'), year: pick('year') };
  }
  return { entries: units.flatMap((u) => u.entries), others, facts, hostFacts, truncatedMembers };
}
