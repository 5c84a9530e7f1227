/**
 * Count timelines: how full the conntrack table was over time (FORMATS.md section 2). Reads
 * `conntrack-usage.log` written by loops such as
 * `echo "$(date '+%Y-%m-%d %H:%M:%S') $(cat /proc/sys/net/netfilter/nf_conntrack_count)"`:
 *
 *   2024-05-13 10:00:00 123456
 *   2024-05-13 10:01:00 124010 262144          (optional third column: max)
 *
 * and the other shapes the same data takes:
 *   2024-05-13T10:00:00+02:00 123456           ISO 8601 (zone-less stamps are read in --tz)
 *   1715594400 123456 / 1715594400000,123456   epoch seconds or ms
 *   Mon May 13 10:00:00 UTC 2024 123456        date(1)
 *   timestamp,count,max                        CSV/TSV with a header (csv.ts), Grafana CSV exports
 *   node_nf_conntrack_entries{instance="web1:9100"} 474 [1715594400000]    Prometheus text
 *   node_nf_conntrack_entries_limit 131072                                  (merged as the max)
 *   conntrack,host=web1 ip_conntrack_count=464i,ip_conntrack_max=262144i 1615233542000000000  Telegraf
 *   CONNTRACK OK: 57% state used (151335/262144)|count=151335;209715;235929;0;262144         Nagios
 *   net.netfilter.nf_conntrack_count = 263     a snapshot without a time (tsMs null); a bare number too
 *   {"status":"success","data":{"resultType":"matrix",...}}   /api/v1/query_range JSON (query-range.ts)
 *
 * Markdown quote markers (`>`) and indentation in pasted samples are dropped before reading. Comments,
 * `# HELP`/`# TYPE`, prompts and other metrics are ignored; a line that looks like a sample but has a bad
 * number or time is malformed. Lines of a JSON document are counted as parsed while they are buffered
 * (up to JSON_MAX_CHARS) and its samples come from end(). A count line whose max arrives on a later line
 * (Prometheus `_limit`, `nf_conntrack_max = N`, a Grafana limit series) is held until that line comes
 * or the next count of the same host does.
 */
import { InputError, SkipInput } from '../../model/errors.js';
import type { CountSample } from '../../model/records.js';
import type { LineParser, LineResult, ParseContext } from '../line-parser.js';
import { monthIndex } from '../../util/time.js';
import type { CsvLayout } from './csv.js';
import { detectHeader, isHeaderRepeat, isOpenQuote, parseRecord } from './csv.js';
import { COUNT_METRIC_RE, hostFromLabels, hostFromSeriesName, isLimitSeriesName, LIMIT_METRIC_RE, parseCount, stripPort } from './fields.js';
import { samplesFromQueryDoc } from './query-range.js';
import type { Stamp } from './stamp.js';
import { CALENDAR_RE, calendarFromMatch, classicStampAt, classicStampBytes, EPOCH_RE, parseEpoch, parseStampCell } from './stamp.js';

/** The grammar a line was read with (inputs[].format is the most frequent one). */
export type TimelineFormat =
  | 'classic' | 'iso' | 'epoch' | 'date' | 'csv' | 'grafana-csv'
  | 'prometheus' | 'prometheus-json' | 'telegraf' | 'nagios' | 'snapshot';

/** Largest JSON document buffered (characters); beyond it the input fails with CTD_INPUT_TOO_LARGE. */
export const JSON_MAX_CHARS = 64 * 1024 * 1024;
/** Most physical lines one CSV record may span (a quoted field with newlines) before it is given up. */
export const CSV_MAX_RECORD_LINES = 100;
/** Most count samples held waiting for their max line; beyond it they are flushed without one. */
const MAX_HELD = 10_000;

interface JsonBuffer {
  readonly firstLine: number;
  readonly lines: string[];
  chars: number;
  readonly metricLines: number[];
}

interface CsvPending {
  readonly firstLine: number;
  readonly lines: string[];
}

/** Parser state: everything line() learns, kept through this object only. */
export interface CountTimelineState {
  readonly ctx: ParseContext;
  json: JsonBuffer | null;
  csv: CsvLayout | null;
  csvPending: CsvPending | null;
  /** Count samples waiting for their max (key: host). A Map: a host called __proto__ is just a key. */
  readonly held: Map<string, CountSample>;
  /** A max seen before its count (key: host). */
  readonly heldLimits: Map<string, { readonly max: number; readonly tsMs: number | null }>;
  readonly formats: Map<TimelineFormat, number>;
  /**
   * Lines of the classic fast path, counted here rather than in `formats` (a Map update per line cost
   * ~20 ms a year of minutes); `formats` gets a 'classic' key on the first one, so the order of first
   * appearance (format()'s tie-break) is kept. format() adds the two.
   */
  classicLines: number;
  /** Non-blank lines seen. */
  significant: number;
  /** Samples emitted (from line() and end()). */
  emitted: number;
  malformed: number;
  zoneless: number;
  /** date(1) zone abbreviations that carry no offset and were read in --tz. */
  readonly ignoredZones: Set<string>;
  readonly notes: string[];
}

type Result = LineResult<CountSample>;

const BAD_NUMBER = (detail?: string): Result => (detail ? { malformed: 'bad-number', detail } : { malformed: 'bad-number' });
const BAD_TIME: Result = { malformed: 'bad-timestamp' };

// ------------------------------------------------------------------------------------ helpers

function mkSample(s: CountTimelineState, tsMs: number | null, count: number, max: number | null, host: string | null, text: string, lineNo: number): CountSample {
  return { kind: 'count-sample', tsMs, count, max, host, text, src: { sourceId: s.ctx.sourceId, lineNo } };
}

function seen(s: CountTimelineState, f: TimelineFormat): void {
  s.formats.set(f, (s.formats.get(f) ?? 0) + 1);
}

/** Hold a count until its max line comes; returns what the hold pushes out (the previous one of the host). */
function holdCount(s: CountTimelineState, sample: CountSample): CountSample[] {
  const key = sample.host ?? '';
  const out: CountSample[] = [];
  const prev = s.held.get(key);
  if (prev) { out.push(prev); s.held.delete(key); }
  const lim = s.heldLimits.get(key);
  if (lim && lim.tsMs === sample.tsMs) {
    // the max came first (limit line before the entries line of the same scrape)
    s.heldLimits.delete(key);
    s.held.set(key, { ...sample, max: lim.max });
  } else {
    s.held.set(key, sample);
  }
  if (s.held.size > MAX_HELD) { out.push(...s.held.values()); s.held.clear(); }
  return out;
}

/** A max line: completes the held count of the host when it has no max yet, else waits for the next count. */
function applyLimit(s: CountTimelineState, host: string | null, tsMs: number | null, max: number): CountSample[] {
  const key = host ?? '';
  const held = s.held.get(key);
  if (held && held.max === null) {
    s.held.delete(key);
    return [{ ...held, max }];
  }
  if (s.heldLimits.size < MAX_HELD) s.heldLimits.set(key, { max, tsMs });
  return [];
}

function emit(s: CountTimelineState, out: readonly CountSample[]): Result {
  s.emitted += out.length;
  return out;
}

/** Drop markdown quote markers and indentation from pasted samples. */
function stripPrefix(raw: string): string {
  return raw.replace(/^[\s>]+/, '').trimEnd();
}

// ------------------------------------------------------------------------------------ grammars

const PROM_RE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+(-?\d+))?$/;
const PROM_VALUE_RE = /^[-+]?(?:[\d.]+(?:[eE][-+]?\d+)?|NaN|Inf)$/;

function prometheusLine(s: CountTimelineState, text: string, raw: string, lineNo: number): Result | null {
  const m = PROM_RE.exec(text);
  // a value that is not number-like (e.g. `ls /proc/sys/net/netfilter` columns) is not a sample line
  if (!m || !PROM_VALUE_RE.test(m[3]!)) return null;
  const name = m[1]!;
  const isLimit = LIMIT_METRIC_RE.test(name);
  if (!isLimit && !COUNT_METRIC_RE.test(name)) return 'skip'; // another metric
  const v = parseCount(m[3]!);
  if (v === null) return BAD_NUMBER();
  let tsMs: number | null = null;
  if (m[4] !== undefined) {
    const st = parseEpoch(m[4]);
    if (!st) return BAD_TIME;
    tsMs = st.ms;
  }
  const host = m[2] ? hostFromLabels(m[2]) : null;
  seen(s, 'prometheus');
  if (isLimit) return emit(s, applyLimit(s, host, tsMs, v));
  return emit(s, holdCount(s, mkSample(s, tsMs, v, null, host, raw, lineNo)));
}

/** Split Telegraf line protocol on unescaped separators. */
function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) { cur += c + text[i + 1]!; i++; continue; }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) { out.push(cur); cur = ''; continue; }
    cur += c;
  }
  out.push(cur);
  return out;
}

const TELEGRAF_HEAD_RE = /^[A-Za-z_][^\s,]*(?:,\S+)?\s+[A-Za-z_][\w.-]*=/;

function telegrafLine(s: CountTimelineState, text: string, raw: string, lineNo: number): Result | null {
  if (!TELEGRAF_HEAD_RE.test(text)) return null;
  const parts = splitUnescaped(text, ' ').filter((p) => p !== '');
  if (parts.length < 2 || parts.length > 3) return null;
  const head = splitUnescaped(parts[0]!, ',');
  if (!/conntrack/i.test(head[0]!)) return 'skip'; // another measurement
  let host: string | null = null;
  for (const t of head.slice(1)) {
    const eq = t.indexOf('=');
    if (eq > 0 && t.slice(0, eq) === 'host') host = t.slice(eq + 1).replace(/\\(.)/g, '$1');
  }
  let count: number | null = null;
  let max: number | null = null;
  for (const f of splitUnescaped(parts[1]!, ',')) {
    const eq = f.indexOf('=');
    if (eq <= 0) return null;
    const k = f.slice(0, eq);
    const isCount = /(?:^|_)conntrack_count$|^(?:count|entries)$/.test(k);
    const isMax = /(?:^|_)conntrack_max$|^(?:max|limit)$/.test(k);
    if (!isCount && !isMax) continue;
    const v = parseCount(f.slice(eq + 1).replace(/[iu]$/, ''));
    if (v === null) return BAD_NUMBER(`${k}: ${f.slice(eq + 1)}`);
    if (isCount) count = v; else max = v;
  }
  if (count === null) return 'skip'; // conntrack statistics without the count (found=, drop=, ...)
  let tsMs: number | null = null;
  if (parts[2] !== undefined) {
    const st = parseEpoch(parts[2]);
    if (!st) return BAD_TIME;
    tsMs = st.ms;
  }
  seen(s, 'telegraf');
  return emit(s, [mkSample(s, tsMs, count, max, host, raw, lineNo)]);
}

const PERF_ITEM_RE = /('[^']*'|[^\s=;|']+)=(-?[\d.]+)([A-Za-z%]*)((?:;[^;\s]*){0,4})/g;

function nagiosLine(s: CountTimelineState, text: string, raw: string, lineNo: number): Result | null {
  let perf: string;
  let tsMs: number | null = null;
  let host: string | null = null;
  const pnp = /SERVICEPERFDATA::([^\t]*)/.exec(text);
  if (pnp) {
    // pnp4nagios perfdata spool line: DATATYPE::SERVICEPERFDATA\tTIMET::...\tHOSTNAME::...
    perf = pnp[1]!;
    const t = /TIMET::(\d+)/.exec(text);
    if (t) tsMs = parseEpoch(t[1]!)?.ms ?? null;
    host = /HOSTNAME::([^\t]+)/.exec(text)?.[1] ?? null;
  } else {
    const bar = text.indexOf('|');
    if (bar < 0) return null;
    perf = text.slice(bar + 1);
  }
  if (!/conntrack/i.test(text)) return null;
  let best: { v: string; rest: string } | null = null;
  for (const m of perf.matchAll(PERF_ITEM_RE)) {
    const label = m[1]!.replace(/^'|'$/g, '');
    if (m[3] === '%') continue; // a percentage is not a count
    if (/conntrack|^count$|entries|^used$|^current$/i.test(label)) { best = { v: m[2]!, rest: m[4]! }; break; }
  }
  if (!best) return null;
  const count = parseCount(best.v);
  if (count === null) return BAD_NUMBER();
  // perfdata: value;warn;crit;min;max
  const maxText = best.rest.split(';')[4];
  const max = maxText ? parseCount(maxText) : null;
  seen(s, 'nagios');
  return emit(s, [mkSample(s, tsMs, count, max, host, raw, lineNo)]);
}

const SYSCTL_COUNT_RE = /^(?:net\.netfilter\.nf_conntrack_count|net\.ipv4\.netfilter\.ip_conntrack_count|\/proc\/sys\/net\/netfilter\/nf_conntrack_count|\/proc\/sys\/net\/ipv4\/netfilter\/ip_conntrack_count|nf_conntrack_count|ip_conntrack_count)\s*[=:]\s*(.*)$/;
const SYSCTL_MAX_RE = /^(?:net\.netfilter\.nf_conntrack_max|net\.nf_conntrack_max|net\.ipv4\.netfilter\.ip_conntrack_max|\/proc\/sys\/net\/netfilter\/nf_conntrack_max|\/proc\/sys\/net\/nf_conntrack_max|\/proc\/sys\/net\/ipv4\/netfilter\/ip_conntrack_max|nf_conntrack_max|ip_conntrack_max)\s*[=:]\s*(.*)$/;

function snapshotLine(s: CountTimelineState, text: string, raw: string, lineNo: number): Result | null {
  const c = SYSCTL_COUNT_RE.exec(text);
  if (c) {
    const v = parseCount(c[1]!.trim());
    if (v === null) return BAD_NUMBER();
    seen(s, 'snapshot');
    return emit(s, holdCount(s, mkSample(s, null, v, null, null, raw, lineNo)));
  }
  const x = SYSCTL_MAX_RE.exec(text);
  if (x) {
    const v = parseCount(x[1]!.trim());
    if (v === null) return BAD_NUMBER();
    seen(s, 'snapshot');
    return emit(s, applyLimit(s, null, null, v));
  }
  if (/^\d+$/.test(text)) {
    // `cat /proc/sys/net/netfilter/nf_conntrack_count` output: one number, no time
    seen(s, 'snapshot');
    return emit(s, [mkSample(s, null, Number(text), null, null, raw, lineNo)]);
  }
  return null;
}

/** The count (and optional max) after a stamp: "123456", "123456 262144", "count=123456", "123456/262144". */
function countFields(s: CountTimelineState, rest: string, tsMs: number, fmt: TimelineFormat, raw: string, lineNo: number): Result {
  const tokens = rest.split(/[\s,;|/]+/).filter((t) => t !== '' && !/^[A-Za-z_][\w.-]*[:=]$/.test(t))
    .map((t) => t.replace(/^[A-Za-z_][\w.-]*[:=]/, ''));
  if (tokens.length === 0) return BAD_NUMBER('no count after the time stamp');
  const count = parseCount(tokens[0]!);
  if (count === null) return BAD_NUMBER();
  const max = tokens[1] !== undefined ? parseCount(tokens[1]) : null;
  seen(s, fmt);
  return emit(s, [mkSample(s, tsMs, count, max, null, raw, lineNo)]);
}

const SEP_RE = /^[\s,;|]/;
const CLASSIC_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function stampedLine(s: CountTimelineState, text: string, raw: string, lineNo: number): Result | null {
  const m = CALENDAR_RE.exec(text);
  if (m) {
    const rest = text.slice(m[0].length);
    if (rest !== '' && !SEP_RE.test(rest)) return BAD_TIME;
    // a date whose time of day did not parse ("2024-05-13 10:1O:00 123"): a bad time, not a bad count
    if (m[4] === undefined && /^[ T]\d{1,2}:/.test(rest)) return BAD_TIME;
    const st = calendarFromMatch(m, s.ctx.tz);
    if (!st) return BAD_TIME;
    const r = countFields(s, rest, st.ms, CLASSIC_RE.test(m[0]) ? 'classic' : 'iso', raw, lineNo);
    if (!st.zoned && Array.isArray(r)) s.zoneless++;
    return r;
  }
  const d = DATE1_RE.exec(text);
  if (d) {
    const st = date1Stamp(s, d);
    if (!st) return BAD_TIME;
    const r = countFields(s, text.slice(d[0].length), st.ms, 'date', raw, lineNo);
    if (!st.zoned && Array.isArray(r)) s.zoneless++;
    return r;
  }
  const e = /^(\d{9,19}(?:\.\d+)?)(?=[\s,;|])/.exec(text);
  if (e && EPOCH_RE.test(e[1]!)) {
    const st = parseEpoch(e[1]!);
    if (!st) return BAD_TIME;
    return countFields(s, text.slice(e[0].length), st.ms, 'epoch', raw, lineNo);
  }
  return null;
}

/** date(1) default output: `Mon May 13 10:00:00 UTC 2024`. */
const DATE1_RE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s+([A-Z]{2,5}|[+-]\d{4}))?\s+(\d{4})(?=[\s,;|]|$)/;

function date1Stamp(s: CountTimelineState, d: RegExpExecArray): Stamp | null {
  const mo = monthIndex(d[1]!);
  if (mo < 0) return null;
  const iso = `${d[7]}-${String(mo + 1).padStart(2, '0')}-${d[2]!.padStart(2, '0')} ${d[3]!.padStart(2, '0')}:${d[4]}:${d[5]}`;
  const zone = d[6];
  let suffix = '';
  if (zone === 'UTC' || zone === 'GMT' || (zone !== undefined && /^[+-]\d{4}$/.test(zone))) suffix = ` ${zone}`;
  else if (zone !== undefined && s.ignoredZones.size < 10) s.ignoredZones.add(zone);
  const m = CALENDAR_RE.exec(iso + suffix);
  return m ? calendarFromMatch(m, s.ctx.tz) : null;
}

// ------------------------------------------------------------------------------------ CSV records

function csvLine(s: CountTimelineState, layout: CsvLayout, raw: string, lineNo: number): Result {
  const pending = s.csvPending;
  const text = pending ? [...pending.lines, raw].join('\n') : raw.trim();
  const firstLine = pending ? pending.firstLine : lineNo;
  if (!pending && text === '') return 'skip';
  let fields: string[];
  try {
    // Records without a quote are split directly (what csv-parse gives them, ~50× faster); csv-parse
    // reads every record that has one, including quoted fields that span lines.
    fields = text.includes('"') ? parseRecord(text, layout.delimiter) : text.split(layout.delimiter).map((f) => f.trim());
  } catch (e) {
    if (isOpenQuote(e)) {
      // a quoted field goes on on the next line: this line is part of a record
      const lines = pending ? pending.lines : [];
      if (lines.length + 1 >= CSV_MAX_RECORD_LINES) {
        s.csvPending = null;
        return { malformed: 'bad-csv', detail: `quoted field open since line ${firstLine} for ${CSV_MAX_RECORD_LINES} lines` };
      }
      s.csvPending = { firstLine, lines: [...lines, pending ? raw : raw.trim()] };
      return [];
    }
    s.csvPending = null;
    return { malformed: 'bad-csv', detail: e instanceof Error ? e.message : String(e) };
  }
  s.csvPending = null;
  if (fields.length === 0 || fields.every((f) => f === '')) return 'skip';
  if (isHeaderRepeat(layout, fields)) return [];
  if (fields[0]!.startsWith('#')) return 'skip';
  return csvRecord(s, layout, fields, text, firstLine);
}

function csvRecord(s: CountTimelineState, layout: CsvLayout, fields: readonly string[], text: string, lineNo: number): Result {
  let tsMs: number | null = null;
  let zoneless = false;
  if (layout.time !== null) {
    const cell = fields[layout.time] ?? '';
    const st = cell === '' ? null : parseStampCell(cell, s.ctx.tz);
    if (!st) return BAD_TIME;
    tsMs = st.ms;
    zoneless = !st.zoned;
  }
  const r = csvValues(s, layout, fields, tsMs, text, lineNo);
  if (zoneless && Array.isArray(r)) s.zoneless++;
  return r;
}

function csvValues(s: CountTimelineState, layout: CsvLayout, fields: readonly string[], tsMs: number | null, text: string, lineNo: number): Result {
  if (layout.count !== null) {
    const count = parseCount(fields[layout.count] ?? '');
    if (count === null) return BAD_NUMBER();
    let max: number | null = null;
    if (layout.max !== null && (fields[layout.max] ?? '') !== '') {
      max = parseCount(fields[layout.max]!);
      if (max === null) return BAD_NUMBER();
    }
    seen(s, layout.format);
    if (layout.series !== null) {
      const name = fields[layout.series] ?? '';
      const host = hostFromSeriesName(name);
      if (isLimitSeriesName(name)) return emit(s, applyLimit(s, host, tsMs, count));
      return emit(s, holdCount(s, mkSample(s, tsMs, count, max, host, text, lineNo)));
    }
    const host = layout.host !== null && (fields[layout.host] ?? '') !== '' ? stripPort(fields[layout.host]!) : null;
    return emit(s, [mkSample(s, tsMs, count, max, host, text, lineNo)]);
  }
  // wide export: one value per series column; empty cells are series without a value at that time
  const limits = new Map<string, number>();
  const counts: { host: string | null; v: number }[] = [];
  for (const w of layout.wide) {
    const cell = fields[w.col] ?? '';
    if (cell === '' || cell === 'null' || cell === 'NaN') continue;
    const v = parseCount(cell);
    if (v === null) return BAD_NUMBER(`${layout.header[w.col]}: ${cell}`);
    if (w.isLimit) limits.set(w.host ?? '', v); else counts.push({ host: w.host, v });
  }
  if (counts.length === 0) return 'skip';
  seen(s, 'grafana-csv');
  // one count and one limit column pair up even when their names give different hosts ("Value", "max")
  const onlyLimit = limits.size === 1 && counts.length === 1 ? [...limits.values()][0]! : null;
  return emit(s, counts.map((c) => mkSample(s, tsMs, c.v, limits.get(c.host ?? '') ?? onlyLimit, c.host, text, lineNo)));
}

// ------------------------------------------------------------------------------------ JSON

function jsonLine(s: CountTimelineState, buf: JsonBuffer, raw: string, lineNo: number): Result {
  buf.chars += raw.length + 1;
  if (buf.chars > JSON_MAX_CHARS) {
    throw new InputError('CTD_INPUT_TOO_LARGE', `${s.ctx.path}: JSON document larger than ${JSON_MAX_CHARS / 1024 / 1024} MiB, got more by line ${lineNo}`, { path: s.ctx.path, lineNo, kind: 'count-timeline' });
  }
  buf.lines.push(raw);
  if (raw.includes('"metric"')) {
    // one-line documents hold many series on one line: each gets that line
    const n = raw.split('"metric"').length - 1;
    for (let i = 0; i < n && buf.metricLines.length < 100_000; i++) buf.metricLines.push(lineNo);
  }
  return [];
}

function endJson(s: CountTimelineState, buf: JsonBuffer): CountSample[] {
  const whole = buf.lines.join('\n');
  let docs: unknown[];
  try {
    docs = [JSON.parse(whole)];
  } catch (e) {
    // several one-line documents (one curl per line) are read one by one
    const lines = buf.lines.filter((l) => l.trim() !== '');
    try {
      if (lines.length < 2) throw e;
      docs = lines.map((l) => JSON.parse(l) as unknown);
    } catch {
      throw new InputError('CTD_INPUT_CORRUPT', `${s.ctx.path}: JSON does not parse: ${e instanceof Error ? e.message : String(e)}`, { path: s.ctx.path, kind: 'count-timeline' });
    }
  }
  const out: CountSample[] = [];
  let skipped = 0;
  let metricIdx = 0;
  for (const doc of docs) {
    const r = samplesFromQueryDoc(doc, s.ctx, buf.firstLine, buf.metricLines.slice(metricIdx));
    metricIdx += countSeries(doc);
    out.push(...r.samples);
    skipped += r.skippedValues;
  }
  if (skipped) s.notes.push(`${s.ctx.path}: ${skipped} values of the query response were not numbers (NaN/Inf) and were skipped`);
  s.formats.set('prometheus-json', out.length);
  return out;
}

function countSeries(doc: unknown): number {
  const data = typeof doc === 'object' && doc !== null ? (doc as { data?: { result?: unknown } }).data : undefined;
  return Array.isArray(data?.result) ? data.result.length : 0;
}

// ------------------------------------------------------------------------------------ parser

/** The count-timeline line parser (state: CountTimelineState). */
export const countTimelineParser: LineParser<CountSample, CountTimelineState> = {
  kind: 'count-timeline',

  init(ctx: ParseContext): CountTimelineState {
    return {
      ctx, json: null, csv: null, csvPending: null, held: new Map(), heldLimits: new Map(), formats: new Map(), classicLines: 0,
      significant: 0, emitted: 0, malformed: 0, zoneless: 0, ignoredZones: new Set(), notes: [],
    };
  },

  lineBytes: classicLineBytes,

  line(raw: string, lineNo: number, s: CountTimelineState): Result {
    const r = readLine(raw, lineNo, s);
    if (typeof r === 'object' && !Array.isArray(r) && 'malformed' in r) s.malformed++;
    return r;
  },

  end(s: CountTimelineState): readonly CountSample[] {
    const out: CountSample[] = [];
    if (s.json) out.push(...endJson(s, s.json));
    if (s.csvPending) {
      s.notes.push(`${s.ctx.path}: the CSV record starting on line ${s.csvPending.firstLine} has a quoted field that never closes (${s.csvPending.lines.length} lines); it was dropped`);
      s.csvPending = null;
    }
    out.push(...s.held.values());
    s.held.clear();
    s.emitted += out.length;
    if (s.significant === 0 && !s.json) {
      throw new SkipInput('CTD_INPUT_EMPTY', `${s.ctx.path}: no lines with content`, { path: s.ctx.path, kind: 'count-timeline' });
    }
    if (s.emitted === 0) {
      const why = s.malformed ? `${s.malformed} sample lines did not parse` : 'no line holds a conntrack count';
      throw new InputError('CTD_INPUT_UNRECOGNIZED', `${s.ctx.path}: not a usable count timeline: ${why}`, { path: s.ctx.path, kind: 'count-timeline' });
    }
    return out;
  },

  format(s: CountTimelineState): string | null {
    let best: TimelineFormat | null = null;
    let n = 0;
    for (const [f, c] of s.formats) {
      const all = f === 'classic' ? c + s.classicLines : c;
      if (all > n) { best = f; n = all; }
    }
    return best;
  },

  assumptions(s: CountTimelineState): readonly string[] {
    const out: string[] = [];
    if (s.zoneless) out.push(`${s.ctx.path}: ${s.zoneless} time stamps without a zone read as ${s.ctx.tz.name}`);
    if (s.ignoredZones.size) out.push(`${s.ctx.path}: zone names ${[...s.ignoredZones].join(', ')} carry no offset; read as ${s.ctx.tz.name}`);
    return [...out, ...s.notes];
  },
};

/**
 * Fast path for the commonest line, `YYYY-MM-DD HH:MM:SS <digits>` (a usage loop's output): no
 * regular expression, Date.UTC once per day. Only lines of exactly that shape (no prefix, no zone, no
 * trailing blank, one count) take it, and it gives what stampedLine gives for them (no other grammar
 * of readLine accepts a line that starts with a digit and holds only digits, '-', ':' and blanks).
 */
function classicLine(s: CountTimelineState, raw: string, lineNo: number): Result | null {
  const n = raw.length;
  if (n < 21 || n > 40 || raw.charCodeAt(19) !== 32) return null;
  for (let i = 20; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const ms = classicStampAt(raw, s.ctx.tz);
  if (ms === null) return null;
  const count = parseCount(raw.slice(20));
  if (count === null) return null;
  s.significant++;
  if (s.classicLines++ === 0 && !s.formats.has('classic')) s.formats.set('classic', 0);
  s.zoneless++;
  s.emitted++;
  // one record, not an array of one: the driver counts and sinks both alike, and lineBytes gives the same
  return mkSample(s, ms, count, null, null, raw, lineNo);
}

/** Most count digits the byte path reads itself: below 2^53, so the digit loop equals Number(text). */
const MAX_BYTE_COUNT_DIGITS = 15;

/** The decoded text of an ASCII line (latin1Slice skips toString's argument and encoding checks). */
const asciiText: (b: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as { latin1Slice?: unknown }).latin1Slice === 'function'
    ? (b, start, end) => (b as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(start, end)
    : (b, start, end) => b.toString('latin1', start, end);

/**
 * {@link classicLine} over bytes (`LineParser.lineBytes`): a `YYYY-MM-DD HH:MM:SS <digits>` line read
 * before it is decoded. It takes exactly the lines classicLine takes (bytes and characters agree: every
 * byte it accepts is ASCII) when the count has at most 15 digits, and returns the same record with the same
 * state change; anything else (another shape, a longer count, a CSV or JSON input under way) is
 * `undefined` with the state untouched, and line() decides.
 */
export function classicLineBytes(buf: Buffer, start: number, end: number, lineNo: number, s: CountTimelineState): CountSample | undefined {
  if (s.json !== null || s.csv !== null) return undefined;
  const n = end - start;
  if (n < 21 || n > 20 + MAX_BYTE_COUNT_DIGITS || buf[start + 19] !== 32) return undefined;
  let count = 0;
  for (let i = start + 20; i < end; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    count = count * 10 + c;
  }
  const c0 = buf[start]!;
  if (c0 < 48 || c0 > 57) return undefined;
  const ms = classicStampBytes(buf, start, s.ctx.tz);
  if (ms === null) return undefined;
  s.significant++;
  if (s.classicLines++ === 0 && !s.formats.has('classic')) s.formats.set('classic', 0);
  s.zoneless++;
  s.emitted++;
  return mkSample(s, ms, count, null, null, asciiText(buf, start, end), lineNo);
}

function readLine(raw: string, lineNo: number, s: CountTimelineState): Result {
  if (s.json) return jsonLine(s, s.json, raw, lineNo);
  if (s.csv && s.csvPending) return csvLine(s, s.csv, raw, lineNo);
  if (!s.csv) {
    const c0 = raw.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57) {
      const r = classicLine(s, raw, lineNo);
      if (r !== null) return r;
    }
  }
  const text = stripPrefix(raw);
  if (text === '') return 'skip';
  s.significant++;
  if (s.csv) return csvLine(s, s.csv, text, lineNo);
  if (text.startsWith('{') && s.emitted === 0 && s.held.size === 0 && s.malformed === 0) {
    s.json = { firstLine: lineNo, lines: [], chars: 0, metricLines: [] };
    return jsonLine(s, s.json, raw, lineNo);
  }
  // comments, # HELP / # TYPE, markdown fences, shell prompts
  if (text.startsWith('#') || text.startsWith('//') || text.startsWith('```') || text.startsWith('$ ')) return 'skip';
  const r = prometheusLine(s, text, raw, lineNo)
    ?? telegrafLine(s, text, raw, lineNo)
    ?? nagiosLine(s, text, raw, lineNo)
    ?? snapshotLine(s, text, raw, lineNo)
    ?? stampedLine(s, text, raw, lineNo);
  if (r !== null) return r;
  const layout = detectHeader(text);
  if (layout) {
    s.csv = layout;
    return [];
  }
  return 'skip';
}
