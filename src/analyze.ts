/**
 * The pipeline, end to end: paths → ingest (open, peek, sniff) → parsers → accumulators (digests per
 * input) → hosts (group, correlate, build sections) → rules → Report. The CLI and the library API
 * (`analyze`) both run this; renderers see only the Report it returns.
 */
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import type { Evidence, FleetRow, Finding, HostReport, InputReport, Report, RuleSkip } from './model/report.js';
import type { AnalyzeOptions } from './model/options.js';
import type { InputKind } from './model/records.js';
import { CtdError, InputError, SkipInput } from './model/errors.js';
import { newAccount, type LineAccount } from './model/line-account.js';
import { openPathSource, peekSource, assertNotEmpty, HEAD_BYTES, sourceFromDescriptor, type FileDescriptor, type Source } from './ingest/source.js';
import { isMainThread, Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerTask } from './worker.js';
import { parallelScanWorkers } from './ingest/parallel-scan.js';
import { detectBundle } from './ingest/bundle/detect.js';
import { DEFAULT_LIMITS } from './ingest/bundle/limits.js';
import type { BundleResult } from './ingest/bundle/index.js';
import { detectBinary } from './ingest/binary.js';
import { chooseKind, headLines } from './ingest/sniff.js';
import { kinds as defaultKinds } from './parsers/index.js';
import type { KindModule } from './parsers/kind.js';
import { SNIFF_LINES } from './parsers/kind.js';
import { isMixedSession, sessionKind } from './parsers/session.js';
import type { ParseContext } from './parsers/line-parser.js';
import { RecordRouter, allDigests, emptyBag, type DigestBag } from './analysis/registry.js';
import { buildHost, type HostBuild } from './analysis/host.js';
import { DEFAULT_TOP } from './analysis/table.js';
import { rules as defaultRules } from './rules/index.js';
import { runRules, type RuleOverride } from './rules/engine.js';
import { makeTimeZone, UTC } from './util/time.js';
import { VERSION } from './version.js';
import { DEFAULT_MEMORY_BUDGET } from './analysis/recommend.js';
import { compareText } from './util/format.js';

export interface InputOutcome {
  report: InputReport;
  bag: DigestBag;
  /** The input was named on the command line (its failure is a usage-level error: exit 2). */
  readonly explicit: boolean;
  /** Host named by the input's records (first non-null), if any. */
  host: string | null;
  /** Host the bundle placed this input under (its directory or hostname file), if any. */
  hintHost?: string | null;
}

export interface RunResult {
  readonly report: Report;
  /** Explicit inputs that could not be used (exit 2). */
  readonly failedExplicit: readonly { readonly path: string; readonly message: string }[];
  /** No input gave anything to analyse (exit 2). */
  readonly noUsableInput: boolean;
  /** Bundle problems (a cap reached, damage, truncation), one line each, for stderr. */
  readonly problems: readonly string[];
}

export const DEFAULT_BURST_GAP_MS = 60_000;

function inputReport(path: string, f: Partial<InputReport> & Pick<InputReport, 'status'>): InputReport {
  // keys in the order of the schema, so the JSON reads the same for every input
  return {
    path,
    host: f.host ?? null,
    kind: f.kind ?? null,
    format: f.format ?? null,
    status: f.status,
    reason: f.reason ?? null,
    lines: f.lines ?? { total: 0, parsed: 0, ignored: 0, malformed: 0 },
    issues: f.issues ?? [],
    dropLines: f.dropLines ?? 0,
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
  };
}

/** Read one explicit source through its kind's parser into digests. Never throws for input problems. */
/** What a bundle knows about one of its members. */
export interface SourceHints {
  /** Year for year-less stamps (the bundle's `date`), used when --year is not given. */
  readonly year?: number | null;
  /** Host the member belongs to (the bundle's hostname, or its host directory). */
  readonly host?: string | null;
  /** Per-namespace capture: the namespace. */
  readonly namespace?: string | null;
  /** sos kept only the tail of this output. */
  readonly truncated?: boolean;
}

export async function ingestSource(
  source: Source, options: AnalyzeOptions, kinds: readonly KindModule[], assumptions: string[], hints: SourceHints = {},
): Promise<InputOutcome> {
  const explicit = source.origin === 'explicit';
  const account: LineAccount = newAccount();
  let kind: InputKind | null = null;
  let format: string | null = null;
  let bag = emptyBag();
  let peeked: Awaited<ReturnType<typeof peekSource>> | null = null;
  try {
    peeked = await peekSource(source);
    assertNotEmpty(peeked);
    // the first HEAD_BYTES, whatever the blocks: the verdict never depends on chunking
    const binary = detectBinary(peeked.head.subarray(0, HEAD_BYTES));
    if (binary) throw new InputError('CTD_INPUT_BINARY', `${source.path}: binary input (${binary}), not a text log or capture`, { path: source.path });
    const forced = options.kind ?? source.kindHint;
    let mod: KindModule | undefined;
    if (forced) {
      mod = kinds.find((k) => k.kind === forced);
      if (!mod) throw new InputError('CTD_INPUT_UNRECOGNIZED', `${source.path}: kind ${forced} is not supported yet`, { path: source.path });
    } else {
      const lines = headLines(peeked.sniffHead, peeked.isComplete && peeked.sniffHead.length === peeked.head.length, SNIFF_LINES);
      const choice = chooseKind(kinds, lines, basename(source.path));
      if (!choice) {
        if (lines.every((l) => l.trim() === '')) throw new SkipInput('CTD_INPUT_EMPTY', `${source.path}: only blank lines`, { path: source.path });
        throw new InputError('CTD_INPUT_UNRECOGNIZED', `${source.path}: not a recognised input (expected a kernel log, usage timeline, conntrack capture, counters or sysctl output; use --kind to force one)`, { path: source.path });
      }
      mod = kinds.find((k) => k.kind === choice.kind)!;
      // a shell session with commands of other kinds: split it at the command lines
      if (isMixedSession(lines, mod.kind)) mod = sessionKind(mod, kinds);
    }
    kind = mod.kind;
    const tz = (options.tz ? makeTimeZone(options.tz) : null) ?? UTC;
    const year = options.year ?? hints.year ?? null;
    if (options.year === undefined && hints.year != null) {
      const a = `year ${hints.year} of year-less stamps in the bundle taken from its date output`;
      if (!assumptions.includes(a)) assumptions.push(a);
    }
    const ctx: ParseContext = { sourceId: source.id, path: source.path, mtimeMs: source.mtimeMs, year, tz, tallyThread: wantsTallyThread(source.sizeBytes ?? null, options), top: options.top ?? DEFAULT_TOP, burstGapMs: options.burstGapMs ?? DEFAULT_BURST_GAP_MS };
    const router = new RecordRouter(ctx, {
      ...(options.sinceMs !== undefined ? { sinceMs: options.sinceMs } : {}),
      ...(options.untilMs !== undefined ? { untilMs: options.untilMs } : {}),
    });
    const hash = options.hash ? createHash('sha256') : null;
    let read = 0;
    const head = peeked;
    const chunks = async function* (): AsyncIterable<Buffer> {
      for await (const c of head.chunks()) {
        hash?.update(c);
        read += c.length;
        options.onProgress?.(source.path, read, source.sizeBytes ?? null);
        yield c;
      }
    };
    let failure: CtdError | null = null;
    try {
      // a big regular file of a kind with a parallel prefilter (kernel logs): worker threads scan byte
      // ranges, this thread parses their candidate lines (same outcome as run(); null: not worth it)
      // worker threads: up to 3 where they may run, beside this one (see parallelScanWorkers), never more than --jobs when given
      const scanWorkers = options.jobs === undefined ? parallelScanWorkers() : Math.min(options.jobs, parallelScanWorkers());
      const file = source.reopen !== undefined && hash === null && scanWorkers > 0 ? source.reopen : undefined;
      const onScanProgress = (n: number): void => options.onProgress?.(source.path, n, source.sizeBytes ?? null);
      const res = (file !== undefined && mod.runFile !== undefined ? await mod.runFile(file, ctx, router.add, account, { onProgress: onScanProgress, workers: scanWorkers }) : null)
        ?? await mod.run(chunks(), ctx, router.add, account, { runs: true });
      format = res.format;
      for (const a of res.assumptions) if (!assumptions.includes(a)) assumptions.push(a);
    } catch (err) {
      if (err instanceof SkipInput) throw err;
      if (!(err instanceof CtdError)) throw err;
      failure = err; // what was read before the damage still counts
    }
    bag = router.finish();
    const recordHost = firstHost(bag);
    let host = recordHost ?? hints.host ?? null;
    if (hints.namespace) {
      // a per-namespace capture is its own table: keep it apart from the host's init namespace
      host = `${host ?? 'host'}/netns:${hints.namespace}`;
      for (const d of allDigests(bag)) (d as { host: string | null }).host = host;
    }
    const truncated = hints.truncated ? 'sos kept only the tail of this output (.tailed): counts from it are partial' : null;
    const dropLines = bag.kernel.reduce((n, d) => n + d.dropLines, 0);
    const lines = { total: account.total, parsed: account.parsed, ignored: account.ignored, malformed: account.malformed };
    const sha256 = hash && !failure ? hash.digest('hex') : undefined;
    if (router.outOfWindow) {
      const a = `${source.path}: ${router.outOfWindow} dated records outside --since/--until left out`;
      if (!assumptions.includes(a)) assumptions.push(a);
    }
    const hintHost = hints.host ?? null;
    if (failure) {
      return { explicit, bag, host, hintHost, report: inputReport(source.path, { status: 'failed', kind, format, host, reason: failure.message, lines, issues: account.issues, dropLines }) };
    }
    return { explicit, bag, host, hintHost, report: inputReport(source.path, { status: 'parsed', kind, format, host, reason: truncated, lines, issues: account.issues, dropLines, ...(sha256 ? { sha256 } : {}) }) };
  } catch (err) {
    if (err instanceof SkipInput) {
      return { explicit, bag: emptyBag(), host: null, report: inputReport(source.path, { status: 'skipped', kind, reason: reasonOf(err, source.path) }) };
    }
    if (err instanceof CtdError) {
      return { explicit, bag: emptyBag(), host: null, report: inputReport(source.path, { status: 'failed', kind, reason: err.message }) };
    }
    throw err;
  } finally {
    await peeked?.close().catch(() => undefined);
  }
}

function reasonOf(err: CtdError, path: string): string {
  const m = err.message;
  return m.startsWith(`${path}: `) ? m.slice(path.length + 2) : m;
}

/** The input's own host: a hostname fact, else the host of most drop lines, else any host its records name. */
function firstHost(bag: DigestBag): string | null {
  for (const d of bag.settings) if (d.host !== null) return d.host;
  let best: string | null = null;
  let bestLines = -1;
  for (const d of bag.kernel) {
    if (d.host !== null && d.dropLines > bestLines) {
      best = d.host;
      bestLines = d.dropLines;
    }
  }
  if (best !== null) return best;
  for (const d of allDigests(bag)) if (d.host !== null) return d.host;
  return null;
}

/**
 * One name per host: a short name seen in logs ("web1") and the FQDN of the host's `hostname` output
 * ("web1.example.net") are the same host, shown under the longer name.
 */
function hostAliases(names: ReadonlySet<string>, pairs: ReadonlyMap<string, string>): (h: string | null) => string | null {
  const alias = new Map<string, string>(pairs);
  for (const n of names) {
    const base = n.split('/')[0]!;
    const suffix = n.slice(base.length);
    for (const m of names) {
      const mb = m.split('/')[0]!;
      if (mb.startsWith(`${base}.`) && m.slice(mb.length) === suffix) {
        const cur = alias.get(n);
        if (!cur || m.length > cur.length) alias.set(n, m);
      }
    }
  }
  return (h) => (h === null ? null : alias.get(h) ?? h);
}

/** Group digests by host: null-host digests join their input's host, else the only host there is. */
function groupByHost(outcomes: readonly InputOutcome[]): Map<string | null, DigestBag> {
  const groups = new Map<string | null, DigestBag>();
  const raw = new Set<string>();
  for (const o of outcomes) {
    if (o.host !== null) raw.add(o.host);
    for (const d of allDigests(o.bag)) if (d.host !== null) raw.add(d.host);
  }
  // a bundle's host directory (or hostname file) and the host its logs name are one host: the logs' name wins
  const pairs = new Map<string, string>();
  for (const o of outcomes) {
    const h = o.hintHost;
    const r = o.host;
    // a short name and its FQDN are matched by hostAliases below (the FQDN wins)
    if (h && r && h !== r && !r.includes('/netns:') && !h.startsWith(`${r}.`) && !r.startsWith(`${h}.`) && !pairs.has(h)) pairs.set(h, r);
  }
  for (const o of outcomes) if (o.hintHost) raw.add(o.hintHost);
  const canon = hostAliases(raw, pairs);
  // per-namespace pseudo-hosts (host/netns:ns) do not count when looking for "the only host"
  const names = new Set([...raw].map((n) => canon(n)!).filter((n) => !n.includes('/netns:')));
  const only = names.size === 1 ? [...names][0]! : null;
  const bagFor = (h: string | null): DigestBag => {
    let b = groups.get(h);
    if (!b) {
      b = emptyBag();
      groups.set(h, b);
    }
    return b;
  };
  for (const o of outcomes) {
    o.host = canon(o.host);
    const fallback = o.host ?? only;
    const place = (h: string | null): DigestBag => bagFor(canon(h) ?? fallback);
    for (const d of o.bag.kernel) place(d.host).kernel.push(d);
    for (const d of o.bag.counters) place(d.host).counters.push(d);
    for (const d of o.bag.timeline) place(d.host).timeline.push(d);
    for (const d of o.bag.table) place(d.host).table.push(d);
    // settings and facts describe the input's host (a hostname fact names it)
    for (const d of o.bag.settings) place(d.host).settings.push(d);
  }
  return groups;
}

interface Opened {
  readonly source: Source;
  readonly hints: SourceHints;
}

interface OpenedBundle {
  readonly path: string;
  readonly result: BundleResult;
}

/** Turn explicit paths into Sources (bundles into their members); a path that cannot be opened becomes a failed input. */
async function openAll(paths: readonly string[], options: AnalyzeOptions, kinds: readonly KindModule[], bundles: OpenedBundle[]): Promise<(Opened | InputOutcome)[]> {
  const out: (Opened | InputOutcome)[] = [];
  let n = 0;
  for (const p of paths) {
    n++;
    try {
      const type = p === '-' ? null : await detectBundle(p);
      if (type === null) {
        out.push({ source: await openPathSource(p, String(n), options.kind), hints: {} });
        continue;
      }
      const limits = { ...DEFAULT_LIMITS, ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}), ...(options.maxMembers !== undefined ? { maxMembers: options.maxMembers } : {}) };
      // the bundle reader (tar, zip, xz) loads only when a bundle is given
      const { openBundle } = await import('./ingest/bundle/index.js');
      const result = await openBundle(p, { limits, sniffers: kinds, id: String(n) });
      bundles.push({ path: p, result });
      const prefix = type === 'directory' ? `${p.replace(/\/+$/, '')}/` : `${p}!/`;
      for (const e of result.entries) {
        const facts = e.hostHint !== null ? result.hostFacts.get(e.hostHint) ?? null : result.facts;
        out.push({
          source: e.source,
          hints: { year: facts?.year ?? null, host: e.hostHint ?? facts?.hostname ?? null, namespace: e.namespace, truncated: e.truncated },
        });
      }
      for (const o of result.others) {
        out.push({ explicit: false, bag: emptyBag(), host: null, report: inputReport(`${prefix}${o.path}`, { status: o.status, reason: o.reason }) });
      }
    } catch (err) {
      if (!(err instanceof CtdError)) throw err;
      out.push({ explicit: true, bag: emptyBag(), host: null, report: inputReport(p, { status: 'failed', reason: err.message }) });
    }
  }
  return out;
}

/** Inputs of this size or more may count a table capture's destinations, ports and pairs on the tally thread. */
export const TALLY_THREAD_MIN_BYTES = 16 << 20;

/**
 * Use the tally thread (analysis/tally-thread.ts) for this input? Not with --jobs 0 (one thread) or in a
 * worker; else for a regular file of {@link TALLY_THREAD_MIN_BYTES} or more. CTDOCTOR_TALLY_THREAD=1 takes
 * it for any input (tests), =0 never; the report is the same either way.
 */
function wantsTallyThread(sizeBytes: number | null, options: AnalyzeOptions): boolean {
  const env = process.env['CTDOCTOR_TALLY_THREAD'];
  if (env === '0' || !isMainThread || (options.jobs ?? defaultJobs()) === 0) return false;
  return env === '1' || (sizeBytes !== null && sizeBytes >= TALLY_THREAD_MIN_BYTES);
}

/** Worker threads to use by default: one per spare core, at most 3 (0 on a single core). */
export function defaultJobs(): number {
  return Math.max(0, Math.min(availableParallelism() - 1, 3));
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * Read every opened input. With worker threads (--jobs), regular files that are not table captures are
 * read in workers while the main thread reads the rest; outcomes and assumptions are put back in input
 * order, so the report is byte-identical to a serial run.
 */
async function ingestAll(opened: readonly (Opened | InputOutcome)[], options: AnalyzeOptions, kinds: readonly KindModule[], assumptions: string[]): Promise<InputOutcome[]> {
  const jobs = options.jobs ?? defaultJobs();
  const results: (InputOutcome | undefined)[] = opened.map((o) => ('report' in o ? o : undefined));
  const perInput: string[][] = opened.map(() => []);
  const offload: number[] = [];
  const local: number[] = [];
  const canWork = jobs > 0 && existsSync(fileURLToPath(WORKER_URL));
  for (const [i, o] of opened.entries()) {
    if ('report' in o) continue;
    if (canWork && o.source.reopen && (await isOffloadable(o.source.reopen, options, kinds, options.jobs === undefined))) offload.push(i);
    else local.push(i);
  }
  const readLocal = async (i: number): Promise<void> => {
    const o = opened[i] as Opened;
    results[i] = await ingestSource(o.source, options, kinds, perInput[i]!, o.hints);
  };
  if (offload.length < 1 || offload.length + local.length < 2) {
    for (const i of [...offload, ...local].sort((a, b) => a - b)) await readLocal(i);
  } else {
    const { onProgress: _drop, ...plain } = options;
    const pool = Array.from({ length: Math.min(jobs, offload.length) }, () => new Worker(WORKER_URL));
    try {
      const queue = [...offload];
      const retry: number[] = [];
      const runWorker = async (w: Worker): Promise<void> => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const o = opened[i] as Opened;
          const task: WorkerTask = { index: i, desc: o.source.reopen!, options: plain, hints: o.hints };
          type Reply = { index: number; outcome?: InputOutcome; assumptions?: string[]; retryOnMain?: boolean; error?: string };
          const reply = await new Promise<Reply>((resolve, reject) => {
            const onMessage = (m: Reply): void => {
              if (m.index !== i) return;
              w.off('message', onMessage);
              w.off('error', reject);
              resolve(m);
            };
            w.on('message', onMessage);
            w.once('error', reject);
            w.postMessage(task);
          });
          if (reply.error !== undefined) throw new Error(`worker failed on ${o.source.path}: ${reply.error}`);
          if (reply.retryOnMain) retry.push(i);
          else {
            results[i] = reply.outcome!;
            perInput[i] = reply.assumptions!;
          }
        }
      };
      const runLocal = async (): Promise<void> => {
        for (const i of local) await readLocal(i);
      };
      await Promise.all([runLocal(), ...pool.map(runWorker)]);
      for (const i of retry) await readLocal(i);
    } finally {
      await Promise.all(pool.map((w) => w.terminate()));
    }
  }
  for (const list of perInput) for (const a of list) if (!assumptions.includes(a)) assumptions.push(a);
  return results.map((r) => r!);
}

/** Read in a worker? Yes unless it is (or may hold) a table capture, whose digest cannot cross threads. */
async function isOffloadable(desc: FileDescriptor, options: AnalyzeOptions, kinds: readonly KindModule[], skipSmall: boolean): Promise<boolean> {
  const kind = options.kind ?? desc.kindHint;
  if (kind) return kind !== 'conntrack-table';
  try {
    const peeked = await peekSource(sourceFromDescriptor({ ...desc, sizeBytes: null }));
    await peeked.close();
    if (skipSmall && peeked.isComplete && peeked.head.length < 1024 * 1024) return false; // small: not worth a thread
    const lines = headLines(peeked.sniffHead, peeked.isComplete && peeked.sniffHead.length === peeked.head.length, SNIFF_LINES);
    const choice = chooseKind(kinds, lines, basename(desc.path));
    return choice !== null && choice.kind !== 'conntrack-table' && !isMixedSession(lines, choice.kind);
  } catch {
    return false; // the main thread reads it and reports the problem
  }
}

/** Boot time of each host from a bundle's `date` and `uptime` (an anchor for monotonic stamps), and the uptime then. */
function bundleBootTimes(bundles: readonly OpenedBundle[]): Map<string | null, { bootMs: number; uptimeSec: number }> {
  const out = new Map<string | null, { bootMs: number; uptimeSec: number }>();
  for (const b of bundles) {
    const all = b.result.hostFacts.size ? [...b.result.hostFacts.entries()] : [[b.result.facts.hostname, b.result.facts] as const];
    for (const [host, f] of all) {
      if (f.dateMs !== null && f.uptimeSec !== null) out.set(host, { bootMs: f.dateMs - f.uptimeSec * 1000, uptimeSec: f.uptimeSec });
    }
  }
  return out;
}

export async function runAnalysis(paths: readonly string[], options: AnalyzeOptions = {}, kinds: readonly KindModule[] = defaultKinds): Promise<RunResult> {
  const assumptions: string[] = [];
  const bundles: OpenedBundle[] = [];
  const outcomes: InputOutcome[] = [];
  let groups: Map<string | null, DigestBag>;
  const problems: string[] = [];
  try {
    const opened = await openAll(paths, options, kinds, bundles);
    outcomes.push(...(await ingestAll(opened, options, kinds, assumptions)));
    groups = groupByHost(outcomes);
  } finally {
    for (const b of bundles) await b.result.cleanup();
  }
  for (const b of bundles) problems.push(...b.result.problems);
  const bootTimes = bundleBootTimes(bundles);
  // Attach the host to each input report once grouping decided it.
  const hostBuilds: HostBuild[] = [];
  const names = [...groups.keys()].sort((a, b) => (a === null ? -1 : b === null ? 1 : compareText(a, b)));
  for (const name of names) {
    if (options.host !== undefined && name !== options.host) continue;
    const hostBoot = bootTimes.get(name) ?? (bootTimes.size === 1 && groups.size <= 2 ? [...bootTimes.values()][0] : undefined);
    hostBuilds.push(buildHost(name, groups.get(name)!, {
      burstGapMs: options.burstGapMs ?? DEFAULT_BURST_GAP_MS,
      bootTimeMs: options.bootTimeMs ?? hostBoot?.bootMs ?? null,
      bootUptimeSec: options.bootTimeMs !== undefined ? null : hostBoot?.uptimeSec ?? null,
      bootTimeLabel: options.bootTimeMs !== undefined ? '--boot-time' : 'the bundle\'s date and uptime',
      max: options.max ?? null,
      top: options.top ?? DEFAULT_TOP,
      memoryBudget: options.memoryBudget ?? DEFAULT_MEMORY_BUDGET,
    }));
  }
  const overrides = new Map<string, RuleOverride>(Object.entries(options.rules ?? {}));
  const { findings, skips } = runRules(defaultRules, hostBuilds.map((h) => ({ host: h.report, facets: h.facets, evidence: h.evidence })), {
    overrides, maxOverride: options.max ?? null, memoryBudget: options.memoryBudget ?? DEFAULT_MEMORY_BUDGET,
  });
  const inputs = outcomes.map((o) => {
    const host = o.host ?? (o.report.status === 'parsed' && groups.size === 1 ? [...groups.keys()][0]! : o.host);
    return inputReport(o.report.path, { ...o.report, host });
  });
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'ctdoctor', version: VERSION },
    run: {
      options: publicOptions(options),
      assumptions,
      complete: bundles.every((b) => b.result.complete) && outcomes.every((o) => o.report.status !== 'failed' && o.report.status !== 'refused'),
    },
    inputs,
    hosts: hostBuilds.map((h) => h.report),
    findings: findings as Finding[],
    skips: skips as RuleSkip[],
    ...(hostBuilds.length > 1 ? { fleet: fleetSummary(hostBuilds.map((h) => h.report), findings) } : {}),
  };
  const failedExplicit = outcomes
    .filter((o) => o.explicit && (o.report.status === 'failed' || o.report.status === 'refused'))
    .map((o) => ({ path: o.report.path, message: o.report.reason ?? 'failed' }));
  const noUsableInput = !outcomes.some((o) => o.report.status === 'parsed');
  return { report, failedExplicit, noUsableInput, problems };
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Several hosts: one row each — drops, peak share of max, top finding — worst first. */
export function fleetSummary(hosts: readonly HostReport[], findings: readonly Finding[]): FleetRow[] {
  const rows: FleetRow[] = hosts.map((h) => {
    const max = h.timeline?.max ?? h.settings['net.netfilter.nf_conntrack_max'] ?? null;
    const peak = h.timeline && h.timeline.samples ? h.timeline.peak.count : h.table && !h.table.partial ? h.table.entries : null;
    const top = findings.filter((f) => f.host === h.name).sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])[0];
    return {
      host: h.name,
      dropsLogged: h.drops.logged,
      dropsSuppressed: h.drops.suppressed,
      peakShareOfMax: max && peak !== null ? Math.round((peak / max) * 10000) / 10000 : null,
      topFinding: top ? { id: top.id, severity: top.severity } : null,
    };
  });
  const sev = (r: FleetRow): number => (r.topFinding ? SEVERITY_ORDER[r.topFinding.severity] : 3);
  return rows.sort((a, b) => sev(a) - sev(b) || b.dropsLogged - a.dropsLogged || (b.peakShareOfMax ?? -1) - (a.peakShareOfMax ?? -1) || compareText(a.host ?? '', b.host ?? ''));
}

function publicOptions(o: AnalyzeOptions): Record<string, unknown> {
  return {
    burstGapSeconds: (o.burstGapMs ?? DEFAULT_BURST_GAP_MS) / 1000,
    tz: o.tz ?? 'UTC',
    year: o.year ?? null,
    bootTime: o.bootTimeMs !== undefined ? new Date(o.bootTimeMs).toISOString() : null,
    kind: o.kind ?? null,
    max: o.max ?? null,
    host: o.host ?? null,
    top: o.top ?? DEFAULT_TOP,
    rules: o.rules ?? {},
    memoryBudget: o.memoryBudget ?? DEFAULT_MEMORY_BUDGET,
    maxBytes: o.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxMembers: o.maxMembers ?? DEFAULT_LIMITS.maxMembers,
    hash: o.hash ?? false,
    since: o.sinceMs !== undefined ? new Date(o.sinceMs).toISOString() : null,
    until: o.untilMs !== undefined ? new Date(o.untilMs).toISOString() : null,
  };
}

/** Library API: analyse paths and return the typed Report (the object `--format json` prints). */
export async function analyze(paths: readonly string[], options: AnalyzeOptions = {}): Promise<Report> {
  return (await runAnalysis(paths, options)).report;
}

export type { Evidence, HostReport };
