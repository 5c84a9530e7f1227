/**
 * Table captures → the `table` section: one pass over ConntrackEntry / ConntrackTrailer /
 * CapturePartial records, memory bounded by distinct keys (never an array of entries).
 *
 * - One input may hold several captures (a pasted shell session): records carry a `capture` number
 *   from the parser ({@link CaptureTag}); the accumulator keeps full tallies only for the current
 *   capture and the best one so far, so memory stays bounded however many captures a paste holds.
 * - The best capture (per input, then per host in {@link buildTableSection}) is the largest
 *   non-partial one; when every capture is partial, the largest partial one. Ties: the earlier one.
 * - Event lines (`[NEW]`/`[UPDATE]`/`[DESTROY]`) are counted as `events` (summed over all captures
 *   of the host's inputs), never as entries.
 * - byState counts TCP entries by state as printed (SCTP/DCCP states live under `timeouts` as
 *   `sctp/STATE`, `dccp/STATE`); TCP entries that print no state (OFFLOAD) are not in byState.
 * - zones: the `zone=` field (else `zone-orig=`), "0" when the entry prints none (conntrack -L omits
 *   the default zone), so zones sum to entries.
 * - Tallies (top sources, destinations, destination ports, pairs) are exact up to
 *   {@link EXACT_KEYS} distinct keys each; beyond, a Space-Saving sketch takes over and the
 *   section says `approximate: true`.
 * - Evidence keeps a few lines, never one per key: "table.topSource" is the line where the top
 *   source took the lead (a line of that source, not necessarily its first).
 * - Remaining timeouts are kept per timeout key in 1-minute bins (up to {@link MAX_TIMEOUT_BINS}
 *   minutes; larger values fall in the last bin). Timeout keys: TCP state as printed ("TIME_WAIT"),
 *   "udp" / "udp/stream" (ASSURED UDP uses the stream timeout), "gre" / "gre/stream",
 *   "sctp/STATE", "dccp/STATE", else the protocol name ("icmp", "icmpv6", "unknown").
 *   Entries without a timeout (OFFLOAD) are not in the histograms.
 */
import type { Accumulator, Built, Digest } from './accumulator.js';
import type { ParseContext } from '../parsers/line-parser.js';
import type { AnyRecord, CapturePartial, ConntrackEntry, ConntrackTrailer } from '../model/records.js';
import type { Evidence, TableSection } from '../model/report.js';
import { BoundedTally, CappedCounter, EXACT_KEYS, type TallyItem } from './heavy-hitters.js';
import { NO_PORT, PAIR_CODEC, PORT_CODEC, V4_CODEC, pairTail, v4Text } from '../util/keys.js';
import { TallyEngine, V6Texts, WasmTally } from './wasm-tally.js';
import { acquireTallyThread, RemoteTally, type TallyThread } from './tally-thread.js';
import {
  C_ASSURED, C_EARLY, C_ENTRIES, C_EVENT, C_HAS_LEADER, C_LEADER_COUNT, C_LEADER_SRC, C_LEADER_STALE, C_LEADER_V6, C_NAT, C_OFFLOAD, C_ORDER,
  C_ORDER_N, C_PROTO, C_REMOTE, C_SC, C_STATE, C_UNREPLIED, C_V6, C_ZONE, E_DST, E_FAMILY, E_ODP, E_PROTO, E_SRC, E_STATE, ENTRY_WORDS, EV_ESTDAY, EV_FIRST, EV_LEADER, EV_STATE, EV_V6,
  EV_UNREPLIED, FAM_V6, HIST_BINS, K_PROTO, K_STATE, K_TKEY, K_ZONE, PROTOCOL_NAMES, STATE_NAMES, TIMEOUT_KEY_NAMES, TIMEOUT_KEYS, V6_IDS, V6_KEY,
  captureEngineEnabled,
} from '../util/capture-wasm.js';
import type { ConntrackRun } from '../model/records.js';

export { EXACT_KEYS };

/** Minute bins kept per timeout key: 131,072 minutes ≈ 91 days, well above the 5-day default. */
export const MAX_TIMEOUT_BINS = 131_072;
/** Default length of the top lists. */
export const DEFAULT_TOP = 10;

const HOUR = 3600;
const DAY = 86400;

/** Remaining timeouts of one timeout key in 1-minute bins. */
export class RemainingHistogram {
  private bins = new Uint32Array(64);
  private used = 0;
  /** Entries counted. */
  count = 0;
  /** Largest remaining timeout seen (seconds). */
  maxRemaining = 0;

  add(remainingSec: number): void {
    let b = Math.floor(remainingSec / 60);
    if (b >= MAX_TIMEOUT_BINS) b = MAX_TIMEOUT_BINS - 1;
    if (b >= this.bins.length) {
      let len = this.bins.length;
      while (len <= b) len *= 2;
      const next = new Uint32Array(Math.min(len, MAX_TIMEOUT_BINS));
      next.set(this.bins);
      this.bins = next;
    }
    this.bins[b]!++;
    if (b + 1 > this.used) this.used = b + 1;
    this.count++;
    if (remainingSec > this.maxRemaining) this.maxRemaining = remainingSec;
  }

  /** Add the bins of another histogram of the same key (the capture engine's, at the end of a capture). */
  addBins(bins: Uint32Array, used: number, count: number, maxRemaining: number): void {
    if (count === 0) return;
    if (used > this.bins.length) {
      let len = this.bins.length;
      while (len < used) len *= 2;
      const next = new Uint32Array(Math.min(len, MAX_TIMEOUT_BINS));
      next.set(this.bins);
      this.bins = next;
    }
    for (let b = 0; b < used; b++) this.bins[b]! += bins[b]!;
    if (used > this.used) this.used = used;
    this.count += count;
    if (maxRemaining > this.maxRemaining) this.maxRemaining = maxRemaining;
  }

  /**
   * Entries idle longer than `seconds` under timeout `timeoutSec`: idle = T − remaining, so they
   * are the entries with remaining < T − seconds. Counted by whole minutes (entries in the minute
   * that holds T − seconds are not counted), so exact whenever T − seconds is a multiple of 60.
   */
  idleOver(seconds: number, timeoutSec: number): number {
    const limit = timeoutSec - seconds;
    if (!(limit > 0)) return 0;
    const kb = Math.min(Math.floor(limit / 60), this.used);
    let sum = 0;
    for (let i = 0; i < kb; i++) sum += this.bins[i]!;
    return sum;
  }
}

/** Kernel defaults (FORMATS.md section 6) by canonical sysctl name. */
export const TIMEOUT_DEFAULTS: Readonly<Record<string, number>> = Object.freeze(Object.assign(Object.create(null) as Record<string, number>, {
  'net.netfilter.nf_conntrack_tcp_timeout_established': 432000,
  'net.netfilter.nf_conntrack_tcp_timeout_syn_sent': 120,
  'net.netfilter.nf_conntrack_tcp_timeout_syn_recv': 60,
  'net.netfilter.nf_conntrack_tcp_timeout_fin_wait': 120,
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait': 60,
  'net.netfilter.nf_conntrack_tcp_timeout_last_ack': 30,
  'net.netfilter.nf_conntrack_tcp_timeout_time_wait': 120,
  'net.netfilter.nf_conntrack_tcp_timeout_close': 10,
  'net.netfilter.nf_conntrack_udp_timeout': 30,
  'net.netfilter.nf_conntrack_udp_timeout_stream': 120,
  'net.netfilter.nf_conntrack_icmp_timeout': 30,
  'net.netfilter.nf_conntrack_icmpv6_timeout': 30,
  'net.netfilter.nf_conntrack_generic_timeout': 600,
  'net.netfilter.nf_conntrack_gre_timeout': 30,
  'net.netfilter.nf_conntrack_gre_timeout_stream': 180,
}));

/** The timeout key an entry's remaining timeout is filed under (see the module doc), or null. */
export function timeoutKey(protocol: string, state: string | null, assured: boolean): string | null {
  switch (protocol) {
    case 'tcp': return state;
    case 'udp': return assured ? 'udp/stream' : 'udp';
    case 'gre': return assured ? 'gre/stream' : 'gre';
    case 'sctp':
    case 'dccp': return state === null ? protocol : `${protocol}/${state}`;
    default: return protocol;
  }
}

/** The canonical sysctl name of a timeout key, or null when there is none. */
export function timeoutSetting(key: string): string | null {
  const p = 'net.netfilter.nf_conntrack_';
  switch (key) {
    case 'udp': return `${p}udp_timeout`;
    case 'udp/stream': return `${p}udp_timeout_stream`;
    case 'gre': return `${p}gre_timeout`;
    case 'gre/stream': return `${p}gre_timeout_stream`;
    case 'icmp': return `${p}icmp_timeout`;
    case 'icmpv6': return `${p}icmpv6_timeout`;
    case 'SYN_SENT2': return `${p}tcp_timeout_syn_sent`;  // the kernel uses the SYN_SENT value
    default: break;
  }
  if (key.startsWith('sctp/') || key.startsWith('dccp/')) {
    const [proto, state] = key.split('/') as [string, string];
    return /^[A-Z_]+$/.test(state) ? `${p}${proto}_timeout_${state.toLowerCase()}` : null;
  }
  if (/^[A-Z][A-Z0-9_]*$/.test(key)) return `${p}tcp_timeout_${key.toLowerCase()}`;
  if (/^[a-z][a-z0-9-]*$/.test(key)) return `${p}generic_timeout`;  // any other protocol
  return null;
}

/** The timeout in force for a key: the setting when given, else the kernel default; null when unknown. */
export function timeoutInForce(key: string, settings: Readonly<Record<string, number>>): number | null {
  const name = timeoutSetting(key);
  if (name === null) return null;
  if (Object.prototype.hasOwnProperty.call(settings, name)) return settings[name]!;
  return TIMEOUT_DEFAULTS[name] ?? null;
}

/** A flat copy of a concatenated string (V8 keeps `a + b` as a rope until it is read). */
function flat(s: string): string {
  // reading a character flattens the rope in place
  void s.charCodeAt(0);
  return s;
}

type EntryLike = ConntrackEntry & { readonly capture?: number; readonly text?: string };
/** An entry of the capture fast path: the numeric fields are present. */
type PackedLike = EntryLike & { readonly src4: number; readonly dst4: number; readonly rsrc4: number; readonly rdst4: number; readonly protoId: number; readonly text: string };

function evidenceOf(path: string, r: { readonly src: { readonly lineNo: number } ; readonly text?: string }): Evidence {
  return { path, line: r.src.lineNo, text: r.text ?? '' };
}

/** A readable stand-in for an entry line when the record carries no text. */
function entryText(r: EntryLike): string {
  if (r.text !== undefined) return r.text;
  const ports = r.origSport !== null ? ` sport=${r.origSport} dport=${r.origDport ?? ''}` : '';
  return `${r.protocol} ${r.timeoutSec ?? ''} ${r.state ?? ''} src=${r.origSrc} dst=${r.origDst}${ports}`.replace(/\s+/g, ' ');
}

/** What CaptureTally needs of a tally: a BoundedTally, or a WasmTally of the capture engine. */
export interface CaptureKeyTally {
  add(key: string): number;
  /** add() for a key without a numeric form (an IPv6 address or pair): no codec parse. */
  addString(key: string): number;
  addNum(a: number, b: number, c: number): number;
  top(k: number): TallyItem<undefined>[];
  readonly approximate: boolean;
}

/**
 * Everything kept about one capture.
 *
 * With the capture engine (`engine`, util/capture-wasm.ts) the four tallies, the small counters and the
 * timeout histograms of run records ({@link addRun}) are counted in WebAssembly; their counters are
 * folded into the fields here ({@link sync}) before anything else counts (so every "first seen" order is
 * that of the input) and when the capture ends ({@link seal}, which the accumulator calls before the
 * tally is read). Entries of other records are counted here as without the engine, into the same tallies.
 */
export class CaptureTally {
  readonly capture: number;
  entries = 0;
  events = 0;
  trailer: ConntrackTrailer | null = null;
  partial: CapturePartial | null = null;
  first: Evidence | null = null;
  readonly byFamily = new CappedCounter();
  readonly byProtocol = new CappedCounter();
  readonly byState = new CappedCounter();
  readonly zones = new CappedCounter();
  assured = 0;
  unreplied = 0;
  offload = 0;
  earlyDroppable = 0;
  nat = 0;
  readonly sources: CaptureKeyTally;
  /** The source with the highest count so far, and a line of it (taken when it took the lead). */
  private leaderKey: string | null = null;
  private leaderCount = 0;
  private leaderEvidence: Evidence | null = null;
  /** The leader as int32 when it came from a packed entry (compared by number on the fast path). */
  private leaderSrc4 = 0;
  /** True when leaderSrc4 does not describe leaderKey (the leader came from the string path). */
  private leaderSrc4Stale = true;
  /** leaderSrc4 is a text id of {@link v6Texts} (an IPv6 source), not an IPv4 address. */
  private leaderV6 = false;
  /**
   * With the tally thread (round 16): IPv6 sources are numeric keys (text id, V6_KEY, 0) over these ids, and
   * the engine's map gives the input tokenizer's ids their text ids (wasm/capture.ts v6map), so countRun
   * counts an IPv6 run entry without stopping once its ids are known. Null otherwise (string keys).
   */
  private readonly v6Texts: V6Texts | null = null;
  private readonly v6Map: Int32Array | null = null;
  readonly destinations: CaptureKeyTally;
  readonly destinationPorts: CaptureKeyTally;
  readonly pairs: CaptureKeyTally;
  /** The capture engine's instance (null: JavaScript tallies). */
  private readonly engine: TallyEngine | null;
  /** The tally thread counting destinations, ports and pairs (tally-thread.ts), or null. */
  private readonly thread: TallyThread | null;
  private readonly remote: readonly RemoteTally[];
  /** Run entries were counted since the last sync. */
  private dirty = false;
  private sealed = false;
  readonly timeouts = new Map<string, RemainingHistogram>();
  /** First line per TCP state (bounded like byState). */
  readonly stateFirst = new Map<string, Evidence>();
  firstUnreplied: Evidence | null = null;
  /** First TCP ESTABLISHED entry with more than a day left: proof that a timeout above 1 day is in force. */
  establishedDayLeft: Evidence | null = null;

  /**
   * Key strings per (protocol, destination port), made once: `tcp/443` for the port tally and
   * `\0tcp\0443` for the tail of the pair key. A cached string carries its hash, so the port tally's
   * lookup costs no concatenation, flattening or hashing per entry. Bounded by the protocols the
   * byState cap allows times 65,536 ports (other port values are built per entry).
   */
  private readonly portKeyCache = new Map<string, ({ readonly port: string; readonly pairTail: string } | undefined)[]>();

  private portKeys(protocol: string, port: number | null): { readonly port: string; readonly pairTail: string } {
    const slot = port === null ? 65536 : port;
    if (slot > 65536 || !Number.isInteger(slot)) return { port: `${protocol}/${port}`, pairTail: `\u0000${protocol}\u0000${port ?? ''}` };
    let arr = this.portKeyCache.get(protocol);
    if (arr === undefined) {
      if (this.portKeyCache.size >= this.byState.cap) return { port: `${protocol}/${port}`, pairTail: `\u0000${protocol}\u0000${port ?? ''}` };
      arr = new Array<{ readonly port: string; readonly pairTail: string } | undefined>(65537);
      this.portKeyCache.set(protocol, arr);
    }
    let k = arr[slot];
    if (k === undefined) {
      // flat strings (not ropes), so their hashes are computed once and kept
      k = { port: flat(`${protocol}/${port}`), pairTail: flat(`\u0000${protocol}\u0000${port ?? ''}`) };
      arr[slot] = k;
    }
    return k;
  }

  /**
   * `thread` (with the engine only): the tally thread, free, that counts this capture's destinations,
   * ports and pairs; it is busy until {@link seal}. Their top lists can then be at most `top` long.
   */
  constructor(capture: number, capacity: number, engine = false, thread: TallyThread | null = null, top = DEFAULT_TOP) {
    this.capture = capture;
    this.thread = engine ? thread : null;
    this.remote = [];
    // numeric keys (src/util/keys.ts): IPv4 addresses, protocol/port and pairs count without key strings
    if (engine) {
      // with the tally thread, this instance holds the source tally only (the thread's hold the other three)
      const e = new TallyEngine(capacity, thread !== null ? [0] : [0, 1, 2, 3]);
      this.engine = e;
      if (this.thread !== null) {
        const texts = new V6Texts();
        this.v6Texts = texts;
        this.v6Map = new Int32Array(e.x.memory.buffer, e.x.v6MapArea(), V6_IDS);
        this.sources = e.tally(0, V4_CODEC, {
          text: (a, b) => (b === V6_KEY ? texts.texts[a] : undefined),
          parse: (key, out) => {
            const id = key.includes(':') ? texts.find(key) : -1;
            if (id < 0) return false;
            out[0] = id;
            out[1] = V6_KEY;
            out[2] = 0;
            return true;
          },
        });
      } else {
        this.sources = e.tally(0, V4_CODEC);
      }
      if (this.thread !== null) {
        this.thread.begin(capacity, top);
        e.ctrl[C_REMOTE] = 1;
        this.remote = [new RemoteTally(this.thread, 1, V4_CODEC), new RemoteTally(this.thread, 2, PORT_CODEC), new RemoteTally(this.thread, 3, PAIR_CODEC)];
        [this.destinations, this.destinationPorts, this.pairs] = this.remote as [RemoteTally, RemoteTally, RemoteTally];
      } else {
        this.destinations = e.tally(1, V4_CODEC);
        this.destinationPorts = e.tally(2, PORT_CODEC);
        this.pairs = e.tally(3, PAIR_CODEC);
      }
    } else {
      this.engine = null;
      this.sources = new BoundedTally(capacity, V4_CODEC);
      this.destinations = new BoundedTally(capacity, V4_CODEC);
      this.destinationPorts = new BoundedTally(capacity, PORT_CODEC);
      this.pairs = new BoundedTally(capacity, PAIR_CODEC);
    }
  }

  /**
   * Count a run of packed entries (the capture engine's tokenizer) exactly as addPacked counts each of
   * them. Reads the run's lines during this call (the record is transient). Without an engine, the run's
   * plain records are counted one by one.
   */
  addRun(run: ConntrackRun, path: string): void {
    const e = this.engine;
    if (e === null) {
      for (const r of run.plain()) this.addEntry(r, path);
      return;
    }
    const ctrl = e.ctrl;
    const n = run.count;
    const entries = run.entries;
    e.loadRun(entries, n);
    this.writeLeader(ctrl);
    this.dirty = true;
    let i = 0;
    while ((i = e.countRun(i, n)) < n) {
      // entry i wants its line as evidence, or its IPv6 keys counted here; the module counted the rest
      const ev = ctrl[C_EVENT]!;
      // the line's text only when it becomes evidence (an IPv6 entry alone rarely does)
      let made: Evidence | null = null;
      const line = i;
      const evidence = (): Evidence => made ?? (made = { path, line: run.firstLineNo + line, text: run.text(line) });
      if ((ev & EV_FIRST) !== 0 && this.first === null) this.first = evidence();
      if ((ev & EV_STATE) !== 0) {
        const state = STATE_NAMES[entries[i * ENTRY_WORDS + E_STATE]!]!;
        if (!this.stateFirst.has(state) && this.stateFirst.size < this.byState.cap) this.stateFirst.set(state, evidence());
      }
      if ((ev & EV_UNREPLIED) !== 0 && this.firstUnreplied === null) this.firstUnreplied = evidence();
      if ((ev & EV_ESTDAY) !== 0 && this.establishedDayLeft === null) this.establishedDayLeft = evidence();
      if ((ev & EV_LEADER) !== 0) {
        this.leaderCount = ctrl[C_LEADER_COUNT]!;
        const at = i * ENTRY_WORDS;
        if ((entries[at + E_FAMILY]! & FAM_V6) !== 0) {
          // an IPv6 source the module counted by its text id (with the tally thread only)
          const id = this.v6Map![entries[at + E_SRC]!]!;
          const texts = this.v6Texts!;
          this.leaderStep(id, ctrl[C_SC]!, () => texts.texts[id]!, evidence, true);
        } else {
          const src4 = entries[at + E_SRC]!;
          this.leaderStep(src4, ctrl[C_SC]!, () => v4Text(src4), evidence);
        }
        this.writeLeader(ctrl);
      }
      if ((ev & EV_V6) !== 0) {
        this.leaderCount = ctrl[C_LEADER_COUNT]!;
        if (this.thread !== null) {
          // an IPv6 id first seen in this capture: its text gets a text id (and goes to the tally thread before
          // the run's triples), the source is counted here; the module counts such entries from now on
          const at = i * ENTRY_WORDS;
          const id = this.v6Id(run, entries[at + E_SRC]!);
          this.v6Id(run, entries[at + E_DST]!);
          const texts = this.v6Texts!;
          this.leaderStep(id, this.sources.addNum(id, V6_KEY, 0), () => texts.texts[id]!, evidence, true);
        } else {
          this.addV6Keys(run, i, evidence);
        }
        this.writeLeader(ctrl);
      }
      i++;
    }
    // the whole run to the tally thread, IPv6 entries included (their ids' texts went before, at EV_V6)
    if (this.thread !== null) this.thread.runTriples(e.i32, e.triples, n);
    this.leaderCount = ctrl[C_LEADER_COUNT]!;
  }

  /** The text id of the input tokenizer's IPv6 id `tok` (with the tally thread): made and sent at its first sight. */
  private v6Id(run: ConntrackRun, tok: number): number {
    const map = this.v6Map!;
    let id = map[tok]!;
    if (id < 0) {
      const text = run.v6Text(tok);
      id = this.v6Texts!.id(text);
      map[tok] = id;
      this.thread!.v6Text(tok, text);
    }
    return id;
  }

  /**
   * The top-source leader after source `key` (counted by text, not by number) reached count sc: it leads
   * from a higher count, or an equal one with a smaller key; a new leader takes a line as evidence.
   */
  private leaderByText(key: string, sc: number, evidence: () => Evidence): void {
    if (sc > this.leaderCount || (sc === this.leaderCount && this.leaderKey !== null && key < this.leaderKey)) {
      if (this.leaderKey !== key) this.leaderEvidence = evidence();
      this.leaderKey = key;
      this.leaderSrc4Stale = true;
      this.leaderCount = sc;
    }
  }

  /** The tally keys of run entry i, whose addresses are IPv6: counted as addEntry counts a record's. */
  private addV6Keys(run: ConntrackRun, i: number, evidence: () => Evidence): void {
    const entries = run.entries;
    const at = i * ENTRY_WORDS;
    const srcId = entries[at + E_SRC]!;
    const dstId = entries[at + E_DST]!;
    const src = run.v6Text(srcId);
    const dst = run.v6Text(dstId);
    this.leaderByText(src, this.sources.addString(src), evidence);
    const proto = entries[at + E_PROTO]!;
    const odp = entries[at + E_ODP]!;
    this.destinations.addString(dst);
    // PORT_CODEC's numeric form of `tcp/443` (the tokenizer's protocol ids are the fixed ones of util/keys.ts)
    if (odp >= 0) this.destinationPorts.addNum(proto, odp, 0);
    this.pairs.addString(`${src}\u0000${dst}${this.portKeys(PROTOCOL_NAMES[proto]!, odp < 0 ? null : odp).pairTail}`);
  }

  /** The leader as the module's countRun reads it. */
  private writeLeader(ctrl: Int32Array): void {
    ctrl[C_HAS_LEADER] = this.leaderKey === null ? 0 : 1;
    ctrl[C_LEADER_SRC] = this.leaderSrc4;
    ctrl[C_LEADER_COUNT] = this.leaderCount;
    ctrl[C_LEADER_STALE] = this.leaderSrc4Stale ? 1 : 0;
    ctrl[C_LEADER_V6] = this.leaderV6 ? 1 : 0;
  }

  /** Fold the engine's counters since the last sync into the fields here, names in first-count order. */
  sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const ctrl = this.engine!.ctrl;
    const entries = ctrl[C_ENTRIES]!;
    this.entries += entries;
    this.assured += ctrl[C_ASSURED]!;
    this.unreplied += ctrl[C_UNREPLIED]!;
    this.offload += ctrl[C_OFFLOAD]!;
    this.earlyDroppable += ctrl[C_EARLY]!;
    this.nat += ctrl[C_NAT]!;
    const v6 = ctrl[C_V6]!;
    if (entries > v6) this.byFamily.add('ipv4', entries - v6);
    if (v6 > 0) this.byFamily.add('ipv6', v6);
    ctrl[C_V6] = 0;
    const order = ctrl[C_ORDER_N]!;
    for (let k = 0; k < order; k++) {
      const w = ctrl[C_ORDER + k]!;
      const kind = w >> 8;
      const id = w & 255;
      if (kind === K_PROTO) this.byProtocol.add(PROTOCOL_NAMES[id]!, ctrl[C_PROTO + id]!);
      else if (kind === K_STATE) this.byState.add(STATE_NAMES[id]!, ctrl[C_STATE + id]!);
      else if (kind === K_ZONE) this.zones.add(String(id), ctrl[C_ZONE + id]!);
      else if (kind === K_TKEY) {
        const key = TIMEOUT_KEY_NAMES[id]!;
        if (!this.timeouts.has(key) && this.timeouts.size < this.byState.cap) this.timeouts.set(key, new RemainingHistogram());
      }
    }
    ctrl.fill(0, C_ENTRIES, C_NAT + 1);
    ctrl.fill(0, C_PROTO, C_ZONE + 10);
    ctrl[C_ORDER_N] = 0;
  }

  /** The capture is complete: fold everything the engine holds (counters and histograms) into the fields. */
  seal(): void {
    if (this.engine === null || this.sealed) return;
    this.sync();
    this.sealed = true;
    if (this.thread !== null) {
      const snaps = this.thread.end();
      this.remote.forEach((t, i) => t.freeze(snaps[i]!));
    }
    const x = this.engine.x;
    const u32 = this.engine.u32;
    for (let k = 0; k < TIMEOUT_KEYS; k++) {
      const h = this.timeouts.get(TIMEOUT_KEY_NAMES[k]!);
      if (h === undefined) continue;
      const m = x.histMeta(k) >> 2;
      const count = u32[m]!;
      if (count === 0) continue;
      const at = x.histBins(k) >> 2;
      h.addBins(u32.subarray(at, at + Math.min(u32[m + 2]!, HIST_BINS)), u32[m + 2]!, count, u32[m + 1]!);
    }
  }

  /** A line of the top source, when the tracked leader is the top source. */
  topSourceEvidence(key: string | undefined): Evidence | null {
    return key !== undefined && key === this.leaderKey ? this.leaderEvidence : null;
  }

  get isEmpty(): boolean {
    return this.entries === 0 && this.events === 0 && this.trailer === null && this.partial === null;
  }

  get approximate(): boolean {
    return this.sources.approximate || this.destinations.approximate || this.destinationPorts.approximate || this.pairs.approximate;
  }

  addEntry(r: EntryLike, path: string): void {
    if (this.dirty) this.sync();
    if (r.src4 !== undefined) {
      this.addPacked(r as PackedLike, path);
      return;
    }
    this.countFacts(r, path);
    if (r.replySrc !== null && r.replyDst !== null && (
      r.replySrc !== r.origDst || r.replyDst !== r.origSrc
      || (r.origSport !== null && r.replyDport !== null && r.replyDport !== r.origSport)
      || (r.origDport !== null && r.replySport !== null && r.replySport !== r.origDport))) this.nat++;

    // evidence for the top source without keeping a line per source: remember a line of the
    // current leader whenever the lead changes (top(1) at the end is that leader, ties aside)
    const ev = (): Evidence => ({ path, line: r.src.lineNo, text: entryText(r) });
    // an IPv6 source with the tally thread: its text id, as countRun counts a run's (round 16)
    const v6 = this.v6Texts !== null && r.origSrc.includes(':') ? this.v6Texts.id(r.origSrc) : -1;
    if (v6 >= 0) this.leaderStep(v6, this.sources.addNum(v6, V6_KEY, 0), () => r.origSrc, ev, true);
    else this.leaderByText(r.origSrc, this.sources.add(r.origSrc), ev);
    this.destinations.add(r.origDst);
    const port = r.origDport;
    const pk = this.portKeys(r.protocol, port);
    if (port !== null) this.destinationPorts.add(pk.port);
    this.pairs.add(`${r.origSrc}\u0000${r.origDst}${pk.pairTail}`);
    this.countTimeout(r, path);
  }

  /** What both paths count alike: entries, the first line, family/protocol/state/zone, flags. */
  private countFacts(r: EntryLike, path: string): void {
    this.entries++;
    if (this.first === null) this.first = { path, line: r.src.lineNo, text: entryText(r) };
    this.byFamily.add(r.family);
    this.byProtocol.add(r.protocol);
    if (r.protocol === 'tcp' && r.state !== null) {
      this.byState.add(r.state);
      if (!this.stateFirst.has(r.state) && this.stateFirst.size < this.byState.cap) {
        this.stateFirst.set(r.state, { path, line: r.src.lineNo, text: entryText(r) });
      }
    }
    this.zones.add(r.zone ?? '0');
    if (r.assured) this.assured++;
    if (r.unreplied) {
      this.unreplied++;
      if (this.firstUnreplied === null) this.firstUnreplied = { path, line: r.src.lineNo, text: entryText(r) };
    }
    if (r.offload) this.offload++;
    if (!r.assured && !r.offload) this.earlyDroppable++;
  }

  /** The remaining timeout into its key's histogram, and the proof of a timeout above a day. */
  private countTimeout(r: EntryLike, path: string): void {
    if (r.timeoutSec === null) return;
    const key = timeoutKey(r.protocol, r.state, r.assured);
    if (key !== null) {
      let h = this.timeouts.get(key);
      if (h === undefined && this.timeouts.size < this.byState.cap) {
        h = new RemainingHistogram();
        this.timeouts.set(key, h);
      }
      h?.add(r.timeoutSec);
    }
    if (r.protocol === 'tcp' && r.state === 'ESTABLISHED' && r.timeoutSec > DAY && this.establishedDayLeft === null) {
      this.establishedDayLeft = { path, line: r.src.lineNo, text: entryText(r) };
    }
  }

  /**
   * The top-source leader after a numeric source reached count sc (addPacked's rule, also the engine's
   * EV_LEADER): the leader's own entries only raise its count; a new leader costs a string and evidence.
   */
  private leaderStep(src4: number, sc: number, keyOf: () => string, evidence: Evidence | (() => Evidence), v6 = false): void {
    const ev = (): Evidence => (typeof evidence === 'function' ? evidence() : evidence);
    // the same key as the leader's, known by number (src4 and whether it is an IPv6 text id)
    const same = this.leaderKey !== null && !this.leaderSrc4Stale && src4 === this.leaderSrc4 && v6 === this.leaderV6;
    if (sc > this.leaderCount) {
      if (!same) {
        const key = keyOf();
        if (this.leaderKey !== key) this.leaderEvidence = ev();
        this.leaderKey = key;
        this.leaderSrc4 = src4;
        this.leaderV6 = v6;
        this.leaderSrc4Stale = false;
      }
      this.leaderCount = sc;
    } else if (sc === this.leaderCount && this.leaderKey !== null && !same) {
      const key = keyOf();
      if (key < this.leaderKey) {
        this.leaderEvidence = ev();
        this.leaderKey = key;
        this.leaderSrc4 = src4;
        this.leaderV6 = v6;
        this.leaderSrc4Stale = false;
        this.leaderCount = sc;
      }
    }
  }


  /**
   * {@link addEntry} for an entry of the capture fast path (its four addresses as int32, see
   * ConntrackEntry.src4): the same counts, tallied by number; strings are read from the entry only
   * where they become evidence or break a tie. Reads `text` during this call (the entry is transient).
   */
  private addPacked(r: PackedLike, path: string): void {
    this.countFacts(r, path);
    if (r.rsrc4 !== r.dst4 || r.rdst4 !== r.src4
      || (r.origSport !== null && r.replyDport !== null && r.replyDport !== r.origSport)
      || (r.origDport !== null && r.replySport !== null && r.replySport !== r.origDport)) this.nat++;

    const src4 = r.src4;
    const sc = this.sources.addNum(src4, 0, 0);
    if (sc > this.leaderCount || (sc === this.leaderCount && this.leaderKey !== null && (this.leaderSrc4Stale || src4 !== this.leaderSrc4))) {
      this.leaderStep(src4, sc, () => r.origSrc, () => ({ path, line: r.src.lineNo, text: r.text }));
    }
    this.destinations.addNum(r.dst4, 0, 0);
    const port = r.origDport;
    const protoId = r.protoId;
    const numericPort = port === null || (Number.isInteger(port) && port >= 0 && port <= 65535);
    if (protoId >= 0 && numericPort) {
      if (port !== null) this.destinationPorts.addNum(protoId, port, 0);
      this.pairs.addNum(src4, r.dst4, pairTail(protoId, port ?? NO_PORT));
    } else {
      const pk = this.portKeys(r.protocol, port);
      if (port !== null) this.destinationPorts.add(pk.port);
      this.pairs.add(`${r.origSrc}\u0000${r.origDst}${pk.pairTail}`);
    }
    this.countTimeout(r, path);
  }
}

/** What one table input contributes to its host. */
export interface TableDigest extends Digest {
  readonly path: string;
  readonly sourceId: string;
  /** Captures in this input that produced any record. */
  readonly captures: number;
  /** Event lines over all captures of this input. */
  readonly events: number;
  /** The best capture of this input (largest non-partial, else largest partial), or null. */
  readonly best: CaptureTally | null;
}

/** Is capture a better than b for the section? Non-partial first, then more entries, then more events. */
export function isBetterCapture(a: CaptureTally, b: CaptureTally | null): boolean {
  if (b === null) return true;
  const ap = a.partial !== null;
  const bp = b.partial !== null;
  if (ap !== bp) return !ap;
  if (a.entries !== b.entries) return a.entries > b.entries;
  return a.events > b.events;
}

/** Options for {@link createTableAccumulator} (tests lower the tally capacity). */
export interface TableAccumulatorOptions {
  /** Distinct keys counted exactly per tally (default {@link EXACT_KEYS}). */
  readonly exactKeys?: number;
  /** Count in the capture engine (default: when it is enabled, util/capture-wasm.ts). */
  readonly engine?: boolean;
  /**
   * Count destinations, ports and pairs on the tally thread (tally-thread.ts) when it is free; engine
   * only (default: the input context's `tallyThread`).
   */
  readonly thread?: boolean;
  /** The longest top list the section will ask for (default: the context's `top`, else {@link DEFAULT_TOP}). */
  readonly top?: number;
}

/** Fold one table input's records into a {@link TableDigest}. */
export function createTableAccumulator(ctx: ParseContext, opts: TableAccumulatorOptions = {}): Accumulator<TableDigest> {
  const capacity = opts.exactKeys ?? EXACT_KEYS;
  const engine = opts.engine ?? captureEngineEnabled();
  const threaded = engine && (opts.thread ?? ctx.tallyThread === true);
  const top = opts.top ?? ctx.top ?? DEFAULT_TOP;
  let current: CaptureTally | null = null;
  let best: CaptureTally | null = null;
  let captures = 0;
  let events = 0;

  const close = (): void => {
    current?.seal();
    if (current && !current.isEmpty) {
      captures++;
      if (isBetterCapture(current, best)) best = current;
    }
    current = null;
  };
  const captureFor = (n: number): CaptureTally => {
    if (current === null || current.capture !== n) {
      close();
      current = new CaptureTally(n, capacity, engine, threaded ? acquireTallyThread() : null, top);
    }
    return current;
  };

  return {
    add(r: AnyRecord): void {
      if (r.kind !== 'conntrack-entry' && r.kind !== 'conntrack-run' && r.kind !== 'conntrack-trailer' && r.kind !== 'capture-partial') return;
      const n = (r as { readonly capture?: number }).capture ?? 0;
      const c = captureFor(n);
      if (r.kind === 'conntrack-run') {
        c.addRun(r, ctx.path);
      } else if (r.kind === 'conntrack-entry') {
        if (r.event !== null) { c.events++; events++; return; }
        c.addEntry(r, ctx.path);
      } else if (r.kind === 'conntrack-trailer') {
        c.trailer = r;
      } else if (c.partial === null) {
        c.partial = r;
      }
    },
    finish(): readonly TableDigest[] {
      close();
      if (captures === 0) return [];
      return [{ host: null, path: ctx.path, sourceId: ctx.sourceId, captures, events, best }];
    },
  };
}

/** Options for {@link buildTableSection}. */
export interface TableSectionOptions {
  /** Host settings by canonical sysctl name (timeouts in force). */
  readonly settings: Readonly<Record<string, number>>;
  /** Length of the top lists (default 10). */
  readonly top?: number;
}

/** The built section plus the idle estimate the recommendation engine needs. */
export type BuiltTable = Built<TableSection> & {
  /**
   * Entries of a timeout key (e.g. "TIME_WAIT", "ESTABLISHED", "udp/stream") idle longer than
   * `seconds`, with idle = T − remaining and T = `timeoutSec`, else the timeout in force (settings,
   * else the kernel default). Exact at minute resolution (see {@link RemainingHistogram.idleOver});
   * 0 when the key is unknown or T is unknown.
   */
  idleOver(state: string, seconds: number, timeoutSec?: number): number;
};

function share(count: number, entries: number): number {
  return entries > 0 ? Math.round((count / entries) * 10000) / 10000 : 0;
}

/** Build the host's `table` section from its table digests (the best capture of all of them). */
export function buildTableSection(digests: readonly TableDigest[], opts: TableSectionOptions): BuiltTable {
  const top = opts.top ?? DEFAULT_TOP;
  let chosen: TableDigest | null = null;
  let events = 0;
  for (const d of digests) {
    events += d.events;
    if (d.best && (chosen === null || isBetterCapture(d.best, chosen.best))) chosen = d;
  }
  if (chosen === null) chosen = digests[0] ?? null;
  const c = chosen?.best ?? null;
  const path = chosen?.path ?? '';
  const entries = c?.entries ?? 0;

  const timeouts = Object.create(null) as Record<string, { entries: number; idleOverHour: number; idleOverDay: number }>;
  if (c) {
    const keys = [...c.timeouts.keys()].sort((a, b) => c.timeouts.get(b)!.count - c.timeouts.get(a)!.count || (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) {
      const h = c.timeouts.get(k)!;
      const t = timeoutInForce(k, opts.settings);
      timeouts[k] = {
        entries: h.count,
        idleOverHour: t === null ? 0 : h.idleOver(HOUR, t),
        idleOverDay: t === null ? 0 : h.idleOver(DAY, t),
      };
    }
  }

  const section: TableSection = {
    entries,
    declaredEntries: c?.trailer?.declared ?? null,
    byFamily: c ? c.byFamily.toObject() : Object.create(null) as Record<string, number>,
    byProtocol: c ? c.byProtocol.toObject() : Object.create(null) as Record<string, number>,
    byState: c ? c.byState.toObject() : Object.create(null) as Record<string, number>,
    flags: { assured: c?.assured ?? 0, unreplied: c?.unreplied ?? 0, offload: c?.offload ?? 0 },
    earlyDroppable: c?.earlyDroppable ?? 0,
    nat: c?.nat ?? 0,
    zones: c ? c.zones.toObject() : Object.create(null) as Record<string, number>,
    topSources: c ? c.sources.top(top).map((t) => ({ ip: t.key, count: t.count, share: share(t.count, entries) })) : [],
    topDestinations: c ? c.destinations.top(top).map((t) => ({ ip: t.key, count: t.count, share: share(t.count, entries) })) : [],
    topDestinationPorts: c ? c.destinationPorts.top(top).map((t) => {
      const slash = t.key.lastIndexOf('/');
      return { protocol: t.key.slice(0, slash), port: Number(t.key.slice(slash + 1)), count: t.count, share: share(t.count, entries) };
    }) : [],
    topPairs: c ? c.pairs.top(top).map((t) => {
      const [src = '', dst = '', protocol = '', port = ''] = t.key.split('\u0000');
      return { src, dst, protocol, port: port === '' ? null : Number(port), count: t.count, share: share(t.count, entries) };
    }) : [],
    approximate: c?.approximate ?? false,
    partial: c?.partial != null,
    timeouts,
    events,
    path,
  };

  const evidence = new Map<string, Evidence[]>();
  if (c) {
    if (c.trailer) evidence.set('table.capture', [evidenceOf(path, c.trailer)]);
    else if (c.first) evidence.set('table.capture', [c.first]);
    else if (c.partial) evidence.set('table.capture', [evidenceOf(path, c.partial)]);
    const topEv = c.topSourceEvidence(c.sources.top(1)[0]?.key);
    if (topEv) evidence.set('table.topSource', [topEv]);
    for (const [state, ev] of c.stateFirst) evidence.set(`table.state.${state}`, [ev]);
    if (c.partial) evidence.set('table.partial', [evidenceOf(path, c.partial)]);
    if (c.trailer && c.trailer.declared !== c.entries) evidence.set('table.truncated', [evidenceOf(path, c.trailer)]);
    if (c.firstUnreplied) evidence.set('table.flag.UNREPLIED', [c.firstUnreplied]);
    if (c.establishedDayLeft) evidence.set('table.established.dayLeft', [c.establishedDayLeft]);
  }

  return {
    section,
    evidence,
    idleOver(state: string, seconds: number, timeoutSec?: number): number {
      const h = c?.timeouts.get(state);
      if (!h) return 0;
      const t = timeoutSec ?? timeoutInForce(state, opts.settings);
      return t === null ? 0 : h.idleOver(seconds, t);
    },
  };
}

/** A share 0..1 as percent text for messages: '<0.1' for tiny shares, one decimal below 10 %, whole numbers above. */
export function formatSharePercent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return '<0.1';
  return p < 10 ? (Math.round(p * 10) / 10).toString() : Math.round(p).toString();
}

/** Evidence lists joined in order, each input line once (a state's first line may also be the capture's). */
export function mergeEvidence(...lists: readonly (readonly Evidence[])[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const list of lists) {
    for (const e of list) {
      const k = `${e.path}\u0000${e.line ?? ''}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}
