/**
 * The capture engine's WebAssembly module (issue 7): source in wasm/capture.ts (AssemblyScript), built by
 * `npm run build` into `capture.wasm` beside this module (and copied beside the CLI bundle). One module,
 * two roles: the entry tokenizer of the conntrack-table parser (parsers/conntrack-table/run.ts) and the
 * tallies of one capture (analysis/wasm-tally.ts). The word layouts below must match wasm/capture.ts.
 *
 * `captureEngineEnabled()` is false without WebAssembly, when the module file is missing, or with
 * CTDOCTOR_NO_WASM=1: the JavaScript paths (bytes.ts, heavy-hitters.ts) then do all the work, with the same
 * results (test/analysis/wasm-tally.test.ts compares both).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIXED_PROTOCOLS } from './keys.js';

/** The module's exports (wasm/capture.ts). */
export interface CaptureExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  inputArea(bytes: number): number;
  outputArea(entries: number): number;
  nextOffset(): number;
  extendedLines(): number;
  scanLines(from: number, to: number, max: number, maxLine: number): number;
  initTallies(cap: number, mask: number): number;
  tallyAt(t: number): number;
  evictArea(): number;
  histBins(k: number): number;
  histMeta(k: number): number;
  tallyHit(t: number, id: number): number;
  tallyNewString(t: number): number;
  tallyAddNum(t: number, a: number, b: number, c: number): number;
  tallyFind(t: number, a: number, b: number, c: number): number;
  keptSlots(t: number, upTo: number, out: number, cap: number): number;
  countRun(ptr: number, from: number, n: number): number;
  countTriples(ptr: number, n: number): void;
  v6Area(): number;
  v6Interned(): number;
  v6MapArea(): number;
  tripleArea(): number;
}

interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const WASM = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Entries in one run at most: the tokenizer's output area and a tally instance's run area both hold this many. */
export const RUN_ENTRIES = 4096;
/** Packed entry: 16 int32 words (wasm/capture.ts E_*). */
export const ENTRY_WORDS = 16;
export const E_START = 0, E_END = 1, E_PROTO = 2, E_STATE = 3, E_TIMEOUT = 4, E_SRC = 5, E_DST = 6, E_RSRC = 7, E_RDST = 8,
  E_OSP = 9, E_ODP = 10, E_RSP = 11, E_RDP = 12, E_FLAGS = 13, E_ZONE = 14, E_FAMILY = 15;
export const F_ASSURED = 1, F_UNREPLIED = 2, F_OFFLOAD = 4;
/** E_FAMILY bits: the line starts with a family name; the four addresses are IPv6 (E_SRC .. E_RDST hold ids, see ConntrackRun.v6Text). */
export const FAM_EXTENDED = 1, FAM_V6 = 2;
/** IPv6 ids per input at most (wasm/capture.ts V6_MAX). */
export const V6_IDS = 1 << 16;
/**
 * The second word of a numeric key that stands for an IPv6 address TEXT: (text id, V6_KEY, 0) for an
 * address, and bit 30 of a pair's third word (src text id, dst text id, tail | V6_KEY); no IPv4 key has
 * either (its second word is 0, its pair tail uses bits 0–24). In a run's triples for the tally thread,
 * the bit marks an entry whose addresses are tokenizer ids (wasm/capture.ts countTriples).
 */
export const V6_KEY = 1 << 30;
/** Protocol names by the ids the tokenizer gives (the ids src/util/keys.ts registers first). */
export const PROTOCOL_NAMES: readonly string[] = FIXED_PROTOCOLS;
/** TCP state names by the tokenizer's state ids. */
export const STATE_NAMES: readonly string[] = [
  'TIME_WAIT', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSE', 'SYN_SENT2', 'NONE', 'LISTEN',
];
/** Timeout keys by id (table.ts timeoutKey): the TCP states, then these. */
export const TIMEOUT_KEY_NAMES: readonly string[] = [...STATE_NAMES, 'udp', 'udp/stream', 'gre', 'gre/stream', 'icmp', 'icmpv6'];

/** Control words of a tally instance (wasm/capture.ts C_*). */
export const C_ENTRIES = 0, C_ASSURED = 1, C_UNREPLIED = 2, C_OFFLOAD = 3, C_EARLY = 4, C_NAT = 5, C_EVENT = 6, C_SC = 7,
  C_HAS_LEADER = 8, C_LEADER_SRC = 9, C_LEADER_COUNT = 10, C_LEADER_STALE = 11, C_EVICTED = 15, C_ORDER_N = 16, C_REMOTE = 17, C_V6 = 18, C_LEADER_V6 = 19,
  C_PROTO = 32, C_STATE = 40, C_ZONE = 56, C_ORDER = 96, CTRL_WORDS = 160;
export const EV_FIRST = 1, EV_STATE = 2, EV_UNREPLIED = 4, EV_ESTDAY = 8, EV_LEADER = 16, EV_V6 = 32;
/** Kinds in the first-count order list (kind << 8 | id). */
export const K_PROTO = 0, K_STATE = 1, K_ZONE = 2, K_TKEY = 3;
/** Tally fields (int32 words at tallyAt(t)) and the slot layout (S_ISNUM: bit 0 numeric key, bits 1.. the sketch bucket). */
export const T_SLOTS = 1, T_NUM = 2, T_STR = 3, T_TOTAL = 4, T_HEAP = 6, T_SLOT = 8;
/** initTallies' mask bit for what countRun needs besides the source tally (the timeout histograms). */
export const M_COUNT_RUN = 16;
export const SLOT_WORDS = 8, S_COUNT = 0, S_ERR = 1, S_ISNUM = 3, S_A = 4, S_B = 5, S_C = 6;
/** Minute bins per timeout key. */
export const HIST_BINS = 131072;
export const TIMEOUT_KEYS = 17;

let module: object | null | undefined;

function load(): object | null {
  if (module !== undefined) return module;
  module = null;
  if (WASM === undefined || process.env['CTDOCTOR_NO_WASM'] === '1') return null;
  try {
    module = new WASM.Module(readFileSync(fileURLToPath(new URL('./capture.wasm', import.meta.url))));
  } catch {
    module = null;
  }
  return module;
}

/** True when the capture engine can run here (see the module doc). */
export function captureEngineEnabled(): boolean {
  return load() !== null;
}

/** A fresh instance of the module (its own memory); throws when the engine is not enabled. */
export function newCaptureInstance(): CaptureExports {
  const m = load();
  if (m === null || WASM === undefined) throw new Error('capture engine not available');
  return new WASM.Instance(m, {}).exports as CaptureExports;
}
