/**
 * CSV/TSV count timelines with a header, read with csv-parse's synchronous API one record at a time
 * (so every physical line is accounted for by the line parser). Columns are found by name.
 *
 *   timestamp,count,max                          (a usage loop writing CSV)
 *   2024-05-13 10:00:00,123456,262144
 *
 *   "Time","web1:9100","web2:9100"               (Grafana CSV export, "series joined by time":
 *   "2024-05-13 10:00:00",1200,3400               one column per series = one host each)
 *
 *   "Series";"Time";"Value"                       (older Grafana export: one row per series and time)
 *   "node_nf_conntrack_entries{instance=""web1:9100""}";"2024-05-13T10:00:00+02:00";1200
 *
 * A quoted field may span lines: csv-parse reports CSV_QUOTE_NOT_CLOSED and the parser keeps the
 * lines until the quote closes (see count-timeline.ts).
 */
import { CsvError, parse } from 'csv-parse/sync';
import { hostFromSeriesName, isLimitSeriesName, parseCount } from './fields.js';

/** One series column of a wide (Grafana) export. */
export interface WideColumn {
  readonly col: number;
  readonly host: string | null;
  readonly isLimit: boolean;
}

/** Where the fields of a CSV timeline are, from its header. */
export interface CsvLayout {
  readonly delimiter: string;
  /** The header fields as read (to recognise a repeated header in concatenated files). */
  readonly header: readonly string[];
  readonly time: number | null;
  readonly count: number | null;
  readonly max: number | null;
  readonly host: number | null;
  /** Long-form export: a column naming the series of each row (Grafana "Series"). */
  readonly series: number | null;
  /** Wide export: one column per series (when there is no count column). */
  readonly wide: readonly WideColumn[];
  /** 'grafana-csv' for series exports, 'csv' for a plain timestamp,count[,max] file. */
  readonly format: 'csv' | 'grafana-csv';
}

const TIME_NAME_RE = /^(?:@?timestamp|_?time|date|datetime|date[ _]?time|ts|epoch|unix(?:[ _]?time)?|time[ _]?stamp)(?:\s*\(.*\))?$/i;
const COUNT_NAME_RE = /^(?:count|entries|value|conntrack|current|used|(?:node_)?(?:nf_|ip_)?conntrack_(?:count|entries))$/i;
const MAX_NAME_RE = /^(?:max|limit|entries_limit|(?:node_)?(?:nf_|ip_)?conntrack_(?:max|limit|entries_limit))$/i;
const HOST_NAME_RE = /^(?:host|hostname|instance|node|nodename|server)$/i;
const SERIES_NAME_RE = /^(?:series|metric|name)$/i;

const DELIMITERS = ['\t', ';', ','] as const;

/** Parse one CSV record (one or more physical lines). Throws csv-parse's CsvError. */
export function parseRecord(text: string, delimiter: string): string[] {
  const rows = parse(text, { delimiter, relax_column_count: true, trim: true, skip_empty_lines: true });
  return rows[0] ?? [];
}

/** Is this a csv-parse error saying a quoted field is still open (the record goes on on the next line)? */
export function isOpenQuote(e: unknown): boolean {
  return e instanceof CsvError && e.code === 'CSV_QUOTE_NOT_CLOSED';
}

/** A CSV header line as a layout, or null when the line is not a header this parser can use. */
export function detectHeader(text: string): CsvLayout | null {
  for (const d of DELIMITERS) {
    if (!text.includes(d)) continue;
    let fields: string[];
    try {
      fields = parseRecord(text, d);
    } catch {
      continue;
    }
    const layout = layoutFromHeader(fields, d);
    if (layout) return layout;
  }
  return null;
}

function layoutFromHeader(fields: readonly string[], delimiter: string): CsvLayout | null {
  if (fields.length < 2) return null;
  // a header names things: a numeric or empty cell means this is a data row
  if (fields.some((f) => f === '' || parseCount(f) !== null)) return null;
  let time: number | null = null;
  let count: number | null = null;
  let max: number | null = null;
  let host: number | null = null;
  let series: number | null = null;
  const rest: number[] = [];
  fields.forEach((raw, i) => {
    const f = raw.trim();
    if (time === null && TIME_NAME_RE.test(f)) time = i;
    else if (count === null && COUNT_NAME_RE.test(f)) count = i;
    else if (max === null && MAX_NAME_RE.test(f)) max = i;
    else if (host === null && HOST_NAME_RE.test(f)) host = i;
    else if (series === null && SERIES_NAME_RE.test(f)) series = i;
    else rest.push(i);
  });
  const header = [...fields];
  if (count !== null) {
    return { delimiter, header, time, count, max, host, series, wide: [], format: series !== null ? 'grafana-csv' : 'csv' };
  }
  // Wide export: a time column and one column per series (at least one of them not a limit).
  if (time === null || rest.length === 0 || host !== null || series !== null) return null;
  const cols = max !== null ? [...rest, max].sort((a, b) => a - b) : rest;
  const wide: WideColumn[] = cols.map((col) => {
    const name = fields[col]!;
    return { col, host: hostFromSeriesName(name), isLimit: col === max || isLimitSeriesName(name) };
  });
  if (!wide.some((w) => !w.isLimit)) return null;
  // Any other names are taken as series (Grafana legends are free text such as "web1"): the sniffer,
  // not this header, decides that the input is a count timeline.
  return { delimiter, header, time, count: null, max: null, host: null, series: null, wide, format: 'grafana-csv' };
}

/** Whether a record repeats the header (two exports concatenated). */
export function isHeaderRepeat(layout: CsvLayout, fields: readonly string[]): boolean {
  return fields.length === layout.header.length && fields.every((f, i) => f === layout.header[i]);
}
