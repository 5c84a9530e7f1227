/**
 * Parser for conntrack counters (kind `conntrack-stats`): `conntrack -S`, /proc/net/stat/nf_conntrack,
 * `lnstat -f nf_conntrack` and `conntrack -C`. Samples:
 *
 *   cpu=0           found=986 invalid=89035 insert=0 insert_failed=4 drop=4 early_drop=939985 error=1
 *
 *   entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop ...
 *   00000fce  00000000 00000000 00000000 00000004 00000000 00000000 00000000 00000000 000000c8 000001d8 ...
 *
 *   nf_connt|nf_connt|nf_connt|...
 *    entries|clashres|   found|...|delete_l|...
 *           |        |        |...|     ist|...
 *       1202|     134|       0|...
 *
 *   # conntrack -C
 *   88064
 *
 * Forms and decisions:
 * - `conntrack -S`: one CpuStats per `cpu=N k=v ...` row, any field set, tabs or spaces, fields keyed by
 *   the names as printed. A `# ` TAP/prompt prefix before `cpu=` (kselftest output) is tolerated.
 * - Old conntrack-tools `conntrack -S` (`entries\t\t90`, one `name value` per line, the kernel-wide
 *   totals): one CpuStats with cpu null per block, emitted when the block ends (a repeated name, a
 *   record of another form, or the end of input). Its src is the block's first line and its text the
 *   block re-joined as `name=value ...` (the lines themselves are one value each).
 * - /proc/net/stat/nf_conntrack: the header names the columns (mapped by name, never by position: 4.x
 *   has `searched`/`delete_list`, 5.15+ `clashres`/`chainlength`); each following hex row is one CPU,
 *   numbered from 0 in row order (the file lists possible CPUs in order). A new header starts a new
 *   snapshot. `entries` is the global count repeated on every row: kept per row, never summed (the
 *   analysis takes care).
 * - `lnstat -f nf_conntrack`: iproute2's lnstat prints a header block (file names, then the field names
 *   cut into 8-character pieces over several lines: `delete_l` + `ist`) and then one row per interval.
 *   Column 0 (`entries`) is absolute; every other column is (now − previous read) / interval, and the first
 *   read's "previous" is 0: so the FIRST data row is the since-load sum over all CPUs divided by the
 *   interval (2 s by default), and later rows are per-second rates. Only the first data row after a
 *   command line (or of the input) becomes a CpuStats (cpu null): a lower bound of the totals. Later rows
 *   are parsed (counted) but not emitted, as rates are not counters.
 * - `conntrack -C`: a bare number after a `conntrack -C` command line (commands split at `;`/`&&`, so
 *   `conntrack -C; sysctl -n KEY` gives the first number to -C) → CountSample {tsMs null, count, max null,
 *   host null}, a snapshot for the usage timeline. An input with no command line whose number lines
 *   come before anything else is read as a saved `conntrack -C` output. Numbers after other commands
 *   (`wc -l`, `sysctl -n`) are 'skip'.
 * - Errors (`Operation not permitted`, `conntrack v1.4.4 (conntrack-tools): Operation failed: ...`,
 *   kubectl's `command terminated with exit code 1`) → malformed 'command-error'; if nothing else is
 *   usable the input is skipped (SkipInput) with the first error as the reason.
 * - Prompts, commands, blank lines, `conntrack -L` entries and trailers → 'skip'.
 * - Counters are 32-bit in the kernel and wrap (deltas: analysis/counters.ts counterDelta). A value above
 *   2^53−1 cannot be held exactly: the line is malformed 'bad-number', never rounded silently.
 */
import { InputError, SkipInput } from '../../model/errors.js';
import type { CountSample, CpuStats } from '../../model/records.js';
import type { LineParser, LineResult, ParseContext } from '../line-parser.js';
import { isBareCommand, isCommandError, parseUint, promptCommand, splitCommandLine, unquote } from '../sysctl/shell.js';

/** A record of this kind. */
export type StatsRecord = CpuStats | CountSample;

/** The form a line or input uses (inputs[].format). */
export type StatsForm = 'conntrack-S' | 'conntrack-S-legacy' | 'proc-stat' | 'lnstat' | 'conntrack-C';

interface LegacyBlock {
  readonly fields: Record<string, number>;
  readonly lineNo: number;
}

/** Parser state (exported for tests and format()). */
export interface StatsState {
  readonly ctx: ParseContext;
  /** What the next bare numbers are, after the last command line: 'count' (conntrack -C) or 'other'. */
  pending: ('count' | 'other')[];
  sawCommand: boolean;
  /** Has anything but a bare number been seen (a saved `conntrack -C` file holds only numbers)? */
  sawOther: boolean;
  /** Column names of the current /proc/net/stat header, or null. */
  procHeader: string[] | null;
  procRow: number;
  /** lnstat: the header pieces being assembled, the finished names, whether the first row was used. */
  lnstatPieces: string[] | null;
  lnstatNames: string[] | null;
  lnstatInHeader: boolean;
  lnstatEmitted: boolean;
  legacy: LegacyBlock | null;
  emitted: number;
  nonBlank: number;
  errors: number;
  firstError: string | null;
  /** Relevant-looking lines that did not parse (for InputError when nothing else was usable). */
  bad: number;
  readonly forms: Map<StatsForm, number>;
}

const CPU_ROW_RE = /^cpu=(\d+)\s+(.*)$/;
const KV_RE = /^([a-z_][a-z0-9_]*)=(\S*)$/;
const PROC_HEADER_RE = /^entries\s+(?:searched|clashres)\s+found\s+new\s+invalid\b/;
const HEX_ROW_RE = /^[0-9a-fA-F]{8,16}(?:\s+[0-9a-fA-F]{8,16})*$/;
const LEGACY_RE = /^([a-z_]+)\s+(\d+)$/;
/** Names a legacy (vertical) `conntrack -S` block uses: the kernel's stat names. */
const LEGACY_NAMES = new Set([
  'entries', 'searched', 'clashres', 'found', 'new', 'invalid', 'ignore', 'delete', 'delete_list', 'chainlength',
  'insert', 'insert_failed', 'drop', 'early_drop', 'icmp_error', 'error', 'expect_new', 'expect_create',
  'expect_delete', 'search_restart', 'clash_resolve', 'chaintoolong',
]);
const LNSTAT_DATA_RE = /^\s*\d+\|(?:\s*\d+\|)*\s*$/;
const LNSTAT_HEADER_RE = /^[^|]*\|(?:[^|]*\|)+\s*$/;
const RELEVANT_RE = /\b(?:insert_failed|early_drop|search_restart|found)[=\s]/;

function bump(s: StatsState, f: StatsForm): void {
  s.forms.set(f, (s.forms.get(f) ?? 0) + 1);
}

function newFields(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

function cpuStats(cpu: number | null, fields: Record<string, number>, text: string, lineNo: number, s: StatsState): CpuStats {
  s.emitted++;
  return { kind: 'cpu-stats', cpu, fields, text, src: { sourceId: s.ctx.sourceId, lineNo } };
}

/** Close a pending legacy block into its record (or nothing). */
function flushLegacy(s: StatsState): CpuStats[] {
  const b = s.legacy;
  if (!b) return [];
  s.legacy = null;
  const text = Object.keys(b.fields).map((k) => `${k}=${b.fields[k]}`).join(' ');
  return [cpuStats(null, b.fields, text, b.lineNo, s)];
}

/** Merge a pending legacy record with this line's own result. */
function withLegacy(s: StatsState, r: LineResult<StatsRecord>): LineResult<StatsRecord> {
  if (!s.legacy) return r;
  if (r === 'skip' || (typeof r === 'object' && r !== null && 'malformed' in r)) return r; // flushed at the next record or end
  const own: readonly StatsRecord[] = Array.isArray(r) ? r : [r as StatsRecord];
  return [...flushLegacy(s), ...own];
}

function parseCpuRow(cpuText: string, rest: string, text: string, lineNo: number, s: StatsState): LineResult<StatsRecord> {
  const cpu = parseUint(cpuText);
  if (cpu === null) return { malformed: 'bad-number', detail: text };
  const fields = newFields();
  for (const tok of rest.trim().split(/\s+/)) {
    if (tok === '') continue;
    const m = KV_RE.exec(tok);
    if (!m) return { malformed: 'unparsed', detail: text };
    const v = parseUint(m[2]!);
    if (v === null) return { malformed: 'bad-number', detail: text };
    fields[m[1]!] = v;
  }
  bump(s, 'conntrack-S');
  return cpuStats(cpu, fields, text, lineNo, s);
}

function parseHexRow(t: string, text: string, lineNo: number, s: StatsState): LineResult<StatsRecord> {
  const header = s.procHeader;
  if (!header) return { malformed: 'unparsed', detail: `hex row before any header: ${text}` };
  const cols = t.split(/\s+/);
  if (cols.length !== header.length) return { malformed: 'unparsed', detail: `${cols.length} columns, header has ${header.length}: ${text}` };
  const fields = newFields();
  for (let i = 0; i < cols.length; i++) {
    const v = Number.parseInt(cols[i]!, 16);
    if (!Number.isSafeInteger(v)) return { malformed: 'bad-number', detail: text };
    fields[header[i]!] = v;
  }
  bump(s, 'proc-stat');
  return cpuStats(s.procRow++, fields, text, lineNo, s);
}

function parseLnstat(t: string, text: string, lineNo: number, s: StatsState): LineResult<StatsRecord> {
  if (LNSTAT_DATA_RE.test(t)) {
    if (s.lnstatInHeader) {
      s.lnstatInHeader = false;
      s.lnstatNames = s.lnstatPieces;
    }
    const names = s.lnstatNames;
    if (!names) return { malformed: 'unparsed', detail: `lnstat row before its header: ${text}` };
    const cells = t.split('|').slice(0, -1).map((c) => c.trim());
    if (cells.length !== names.length) return { malformed: 'unparsed', detail: `${cells.length} columns, header has ${names.length}: ${text}` };
    bump(s, 'lnstat');
    if (s.lnstatEmitted) return []; // a per-second rate row: counted, not a counter
    const fields = newFields();
    for (let i = 0; i < cells.length; i++) {
      const v = parseUint(cells[i]!);
      if (v === null) return { malformed: 'bad-number', detail: text };
      fields[names[i]!] = v;
    }
    s.lnstatEmitted = true;
    return cpuStats(null, fields, text, lineNo, s);
  }
  // a header line: the first one of a block holds file names, the following ones pieces of field names
  const cells = t.split('|').slice(0, -1);
  if (!s.lnstatInHeader) {
    s.lnstatInHeader = true;
    s.lnstatPieces = cells.map(() => '');
  } else if (s.lnstatPieces && s.lnstatPieces.length === cells.length) {
    s.lnstatPieces = s.lnstatPieces.map((p, i) => p + cells[i]!.trim());
  } else {
    return { malformed: 'unparsed', detail: `lnstat header with ${cells.length} columns: ${text}` };
  }
  return [];
}

function parseLegacy(name: string, value: string, text: string, lineNo: number, s: StatsState): LineResult<StatsRecord> {
  const v = parseUint(value);
  if (v === null) return { malformed: 'bad-number', detail: text };
  let out: CpuStats[] = [];
  if (s.legacy && name in s.legacy.fields) out = flushLegacy(s); // a repeated name starts the next snapshot
  if (!s.legacy) s.legacy = { fields: newFields(), lineNo };
  s.legacy.fields[name] = v;
  bump(s, 'conntrack-S-legacy');
  return out;
}

function onCommand(cmd: string, s: StatsState): void {
  s.sawCommand = true;
  s.lnstatEmitted = false;
  s.pending = splitCommandLine(cmd).map((c) =>
    c.program === 'conntrack' && c.pipedTo.length === 0 && c.args.some((a) => a === '-C' || a === '--count') ? 'count' : 'other');
}

function countSample(t: string, text: string, lineNo: number, s: StatsState): LineResult<StatsRecord> {
  const n = parseUint(t);
  if (n === null) return { malformed: 'bad-number', detail: text };
  bump(s, 'conntrack-C');
  s.emitted++;
  const sample: CountSample = { kind: 'count-sample', tsMs: null, count: n, max: null, host: null, text, src: { sourceId: s.ctx.sourceId, lineNo } };
  return sample;
}

function statsLine(text: string, lineNo: number, s: StatsState): LineResult<StatsRecord> {
  const t = unquote(text);
  if (t === '' || /^\.{3,}$|^…$/.test(t)) return 'skip';
  s.nonBlank++;
  let m = CPU_ROW_RE.exec(t);
  if (m) return parseCpuRow(m[1]!, m[2]!, text, lineNo, s);
  const cmd = promptCommand(t);
  if (cmd !== null) {
    // kselftest prints `conntrack -S` behind a "# " TAP prefix
    m = CPU_ROW_RE.exec(cmd);
    if (m) return parseCpuRow(m[1]!, m[2]!, text, lineNo, s);
    onCommand(cmd, s);
    s.sawOther = true;
    return 'skip';
  }
  // after the prompt check: a typed command may itself mention "Permission denied" (e.g. in a grep)
  if (isCommandError(t)) {
    s.errors++;
    s.firstError ??= t;
    return { malformed: 'command-error' };
  }
  if (isBareCommand(t)) {
    onCommand(t, s);
    s.sawOther = true;
    return 'skip';
  }
  if (/^\d+$/.test(t)) {
    const exp = s.pending.length > 0 ? s.pending.shift() : (!s.sawCommand && !s.sawOther ? 'count' : null);
    if (exp === 'count') return countSample(t, text, lineNo, s);
    // another command's output (`wc -l`, `sysctl -n`); after a /proc/net/stat header a lone number can
    // only be a broken hex row, which parseHexRow below reports
    if (exp === 'other' || !s.procHeader) return 'skip';
  }
  if (PROC_HEADER_RE.test(t)) {
    s.procHeader = t.split(/\s+/);
    s.procRow = 0;
    s.sawOther = true;
    bump(s, 'proc-stat');
    return [];
  }
  if (HEX_ROW_RE.test(t) && (s.procHeader || t.includes(' '))) {
    s.sawOther = true;
    return parseHexRow(t, text, lineNo, s);
  }
  if (LNSTAT_DATA_RE.test(t) || (LNSTAT_HEADER_RE.test(t) && (s.lnstatInHeader || /^\s*(?:nf|ip)_connt/.test(t)))) {
    s.sawOther = true;
    return parseLnstat(t, text, lineNo, s);
  }
  m = LEGACY_RE.exec(t);
  if (m && LEGACY_NAMES.has(m[1]!)) {
    s.sawOther = true;
    return parseLegacy(m[1]!, m[2]!, text, lineNo, s);
  }
  s.sawOther = true;
  if (RELEVANT_RE.test(t)) {
    s.bad++;
    return { malformed: 'unparsed' };
  }
  return 'skip';
}

/** The conntrack-stats line parser. */
export const conntrackStatsParser: LineParser<StatsRecord, StatsState> = {
  kind: 'conntrack-stats',
  init(ctx) {
    return {
      ctx, pending: [], sawCommand: false, sawOther: false, procHeader: null, procRow: 0,
      lnstatPieces: null, lnstatNames: null, lnstatInHeader: false, lnstatEmitted: false, legacy: null,
      emitted: 0, nonBlank: 0, errors: 0, firstError: null, bad: 0, forms: new Map(),
    };
  },
  line(text, lineNo, s) {
    const r = statsLine(text, lineNo, s);
    // a legacy block ends at the next line that is not part of it and yields records
    if (s.legacy && !(LEGACY_RE.test(unquote(text)))) return withLegacy(s, r);
    return r;
  },
  end(s) {
    const tail = flushLegacy(s);
    if (s.emitted > 0) return tail;
    const path = s.ctx.path;
    if (s.errors > 0) throw new SkipInput('CTD_INPUT_NOT_APPLICABLE', `${path}: the capture holds only a command error: ${s.firstError ?? ''}`, { path, kind: 'conntrack-stats' });
    if (s.nonBlank === 0) throw new SkipInput('CTD_INPUT_EMPTY', `${path}: empty`, { path, kind: 'conntrack-stats' });
    if (s.bad > 0) throw new InputError('CTD_INPUT_CORRUPT', `${path}: no counter line could be read (${s.bad} malformed)`, { path, kind: 'conntrack-stats' });
    throw new InputError('CTD_INPUT_UNRECOGNIZED', `${path}: not conntrack counters: no conntrack -S, /proc/net/stat/nf_conntrack, lnstat or conntrack -C output found`, { path, kind: 'conntrack-stats' });
  },
  format(s) {
    let best: StatsForm | null = null;
    let n = 0;
    for (const [f, c] of s.forms) if (c > n) { best = f; n = c; }
    return best;
  },
};

/** Which form a CpuStats record's text came from (the analysis describes lnstat rows differently). */
export function statsFormOf(text: string): StatsForm {
  const t = unquote(text);
  if (t.includes('|')) return 'lnstat';
  if (/(?:^|\s)cpu=\d/.test(t)) return 'conntrack-S';
  if (HEX_ROW_RE.test(t)) return 'proc-stat';
  return 'conntrack-S-legacy';
}
