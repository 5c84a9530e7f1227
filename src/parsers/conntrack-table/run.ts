/**
 * Capture engine, parser side (issue 7; `LineParser.runBytes`): consecutive entry lines of the usual
 * shape are tokenized by the WebAssembly module (wasm/capture.ts, role 1) into packed entries, handed to
 * the sink as ONE {@link ConntrackRun} record, with the parser state changed exactly as the byte path's
 * commitEntry changes it per line. The tokenizer takes a SUBSET of the lines parseLineBytes reads — four
 * canonical IPv4 addresses, or four IPv6 ones in the plain form bytes.ts `v6Groups` reads (interned per
 * input: the entry holds their ids, `v6Text` their texts), with a family word that agrees, protocol
 * tcp/udp/icmp/icmpv6/gre, a known TCP state or none, ports ≤ 65535, no zone or a one-digit `zone=`, no
 * control byte but a CR right before the newline (the text then ends before the CR, as the splitter's line
 * does), a line ended by a newline within the block — and stops at the first other line, which the driver hands to lineBytes()/line() as usual.
 * test/parsers/conntrack-run.test.ts compares the plain records of runs with the line parser's records.
 */
import type { ConntrackEntry, ConntrackRun } from '../../model/records.js';
import type { RunResult } from '../line-parser.js';
import type { TableParserState } from './conntrack-table.js';
import {
  E_DST, E_END, E_FAMILY, E_FLAGS, E_ODP, E_OSP, E_PROTO, E_RDP, E_RDST, E_RSP, E_RSRC, E_SRC, E_START, E_STATE, E_TIMEOUT, E_ZONE,
  ENTRY_WORDS, FAM_V6, RUN_ENTRIES, F_ASSURED, F_OFFLOAD, F_UNREPLIED, PROTOCOL_NAMES, STATE_NAMES, captureEngineEnabled, newCaptureInstance,
  type CaptureExports,
} from '../../util/capture-wasm.js';
import { v4Text } from '../../util/keys.js';
import { formatIpv6 } from '../../util/ip.js';
import { commitEntries } from './bytes.js';
import { MAX_LINE_BYTES } from '../../model/line-account.js';

/** The transient run record (see ConntrackRun in model/records.ts). */
class PackedRun implements ConntrackRun {
  readonly kind = 'conntrack-run' as const;
  capture = 0;
  count = 0;
  firstLineNo = 0;
  entries: Int32Array = new Int32Array(0);
  private block: Buffer = Buffer.alloc(0);
  private base = 0;
  private sourceId = '';
  /** The input's IPv6 texts by id (RunScan.v6Texts). */
  private v6Texts: readonly string[] = [];

  fill(capture: number, count: number, firstLineNo: number, entries: Int32Array, block: Buffer, base: number, sourceId: string, v6Texts: readonly string[]): this {
    this.v6Texts = v6Texts;
    this.capture = capture;
    this.count = count;
    this.firstLineNo = firstLineNo;
    this.entries = entries;
    this.block = block;
    this.base = base;
    this.sourceId = sourceId;
    return this;
  }

  text(i: number): string {
    const e = this.entries;
    const at = i * ENTRY_WORDS;
    return this.block.toString('utf8', this.base + e[at + E_START]!, this.base + e[at + E_END]!);
  }

  v6Text(id: number): string {
    return this.v6Texts[id]!;
  }

  plain(): ConntrackEntry[] {
    const out: ConntrackEntry[] = [];
    const e = this.entries;
    const num = (v: number): number | null => (v < 0 ? null : v);
    for (let i = 0; i < this.count; i++) {
      const at = i * ENTRY_WORDS;
      const st = e[at + E_STATE]!;
      const zone = e[at + E_ZONE]!;
      const flags = e[at + E_FLAGS]!;
      const v6 = (e[at + E_FAMILY]! & FAM_V6) !== 0;
      const addr = (w: number): string => (v6 ? this.v6Texts[e[at + w]!]! : v4Text(e[at + w]!));
      out.push({
        kind: 'conntrack-entry', family: v6 ? 'ipv6' : 'ipv4', protocol: PROTOCOL_NAMES[e[at + E_PROTO]!]!, timeoutSec: num(e[at + E_TIMEOUT]!),
        state: st < 0 ? null : STATE_NAMES[st]!,
        origSrc: addr(E_SRC), origDst: addr(E_DST), origSport: num(e[at + E_OSP]!), origDport: num(e[at + E_ODP]!),
        replySrc: addr(E_RSRC), replyDst: addr(E_RDST), replySport: num(e[at + E_RSP]!), replyDport: num(e[at + E_RDP]!),
        assured: (flags & F_ASSURED) !== 0, unreplied: (flags & F_UNREPLIED) !== 0, offload: (flags & F_OFFLOAD) !== 0,
        zone: zone < 0 ? null : String(zone), event: null,
        src: { sourceId: this.sourceId, lineNo: this.firstLineNo + i }, capture: this.capture, text: this.text(i),
      } as ConntrackEntry);
    }
    return out;
  }
}

/** Per-input state of the run path (in TableParserState.run). */
export interface RunScan {
  readonly x: CaptureExports;
  readonly outPtr: number;
  /** The splitter's block whose bytes from `base` are in the input area, and how many. */
  block: number;
  base: number;
  len: number;
  entries: Int32Array;
  /** The IPv6 tables' keys (4 words per id, wasm/capture.ts v6Area) and the canonical text of each id interned so far. */
  readonly v6Ptr: number;
  readonly v6Texts: string[];
  readonly record: PackedRun;
  readonly result: { lines: number; next: number; record: ConntrackRun };
}

function newRunScan(): RunScan {
  const x = newCaptureInstance();
  const outPtr = x.outputArea(RUN_ENTRIES);
  const v6Ptr = x.v6Area();
  const record = new PackedRun();
  return {
    x, outPtr, block: -1, base: 0, len: 0, entries: new Int32Array(x.memory.buffer, outPtr, RUN_ENTRIES * ENTRY_WORDS), v6Ptr, v6Texts: [], record,
    result: { lines: 0, next: 0, record },
  };
}

/**
 * `LineParser.runBytes` of the conntrack-table parser: the entries of the usual lines from `pos` (complete
 * lines of buf[pos, end)) as one run, or null (state untouched) when the first line there is not one.
 */
export function runBytes(buf: Buffer, pos: number, end: number, lineNo: number, state: TableParserState, block: number): RunResult<ConntrackRun> | null {
  if (state.xml !== null || state.pending !== null || state.ready.length !== 0) return null;
  let rs = state.run;
  if (rs === false) return null;
  if (rs === null) {
    if (!captureEngineEnabled()) {
      state.run = false;
      return null;
    }
    rs = state.run = newRunScan();
  }
  const x = rs.x;
  if (rs.block !== block) {
    const len = end - pos;
    const at = x.inputArea(len);
    if (rs.entries.buffer !== x.memory.buffer) rs.entries = new Int32Array(x.memory.buffer, rs.outPtr, RUN_ENTRIES * ENTRY_WORDS);
    new Uint8Array(x.memory.buffer, at, len).set(buf.subarray(pos, end));
    rs.block = block;
    rs.base = pos;
    rs.len = len;
  }
  const n = x.scanLines(pos - rs.base, rs.len, RUN_ENTRIES, MAX_LINE_BYTES);
  const texts = rs.v6Texts;
  if (texts.length < x.v6Interned()) {
    // the texts of the IPv6 addresses interned by this scan (bytes.ts internV6 gives the same text)
    const words = new Uint32Array(x.memory.buffer, rs.v6Ptr);
    for (let id = texts.length, to = x.v6Interned(); id < to; id++) {
      const g: number[] = [];
      for (let k = 0; k < 4; k++) {
        const w = words[id * 4 + k]!;
        g.push(w >>> 16, w & 0xffff);
      }
      texts.push(formatIpv6(g));
    }
  }
  if (n === 0) return null;
  // the state change the byte path makes for each of the n entry lines
  commitEntries(state, n, x.extendedLines());
  const res = rs.result;
  res.lines = n;
  res.next = rs.base + x.nextOffset();
  rs.record.fill(state.capture, n, lineNo, rs.entries, buf, rs.base, state.sourceId, texts);
  return res;
}
