/**
 * The "WHAT FILLS THE TABLE" block of the text report (REPORT.md), from the public TableSection.
 * Pure: section in, lines out (no trailing newline, no colour). Lines fit `width` columns (80 in
 * the text report): chip lines wrap, and the side-by-side top lists stack when they would not fit.
 *
 * Example (hand-checked against test/report/text-table.test.ts):
 *
 *     WHAT FILLS THE TABLE  conntrack.txt: 1,000 entries
 *       tcp 80 %  udp 20 %   IPv6 5 %   NAT 30 %
 *       TIME_WAIT 60 %  ESTABLISHED 20 %   early-droppable 12 %
 *       top sources     entries  share   top dest ports  entries  share
 *       192.0.2.10          600   60 %   tcp/443             700   70 %
 */
import type { TableSection } from '../../model/report.js';
import { sanitize } from '../sanitize.js';
import { groupDigits } from '../../util/format.js';

/** Options for {@link renderTableText}. */
export interface TableTextOptions {
  /** Columns available (the text report uses 80). */
  readonly width: number;
  /** Rows per top list (default 5; the section holds up to 10). */
  readonly rows?: number;
}

/** Input text (addresses, states, paths) made safe for a terminal by the report's one sanitiser. */
function visible(s: string): string {
  return sanitize(s, 'text');
}

function num(n: number): string {
  return groupDigits(n);
}

/** A share 0..1 as "8.5 %" (one decimal below 10 %), "46 %", "<0.1 %". */
export function pct(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return '<0.1 %';
  return p < 10 ? `${(Math.round(p * 10) / 10).toString()} %` : `${Math.round(p).toString()} %`;
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'), path.lastIndexOf('!'));
  return cut === -1 ? path : path.slice(cut + 1);
}

/** Flow chips ("tcp 81 %") into indented lines no wider than width; groups are separated by 3 spaces. */
function flow(groups: readonly (readonly string[])[], width: number): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (const g of groups) {
    g.forEach((chip, i) => {
      const sep = line.trim() === '' ? ' ' : i === 0 ? '   ' : '  ';
      if (line.length + sep.length + chip.length > width && line.trim() !== '') {
        lines.push(line);
        line = `  ${chip}`;
      } else {
        line += sep + chip;
      }
    });
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** Word-wrap a note into lines indented by two spaces, no wider than width. */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line !== '' && 2 + line.length + 1 + w.length > width) {
      lines.push(`  ${line}`);
      line = w;
    } else {
      line = line === '' ? w : `${line} ${w}`;
    }
  }
  if (line !== '') lines.push(`  ${line}`);
  return lines;
}

interface Column {
  readonly title: string;
  readonly rows: readonly { readonly label: string; readonly count: number; readonly share: number }[];
}

/** Render one top list as cells: label padded, count and share right-aligned. */
function columnLines(c: Column, width: number): { lines: string[]; width: number } {
  const countW = Math.max('entries'.length, ...c.rows.map((r) => num(r.count).length));
  const shareW = Math.max('share'.length, ...c.rows.map((r) => pct(r.share).length));
  // a label that cannot fit (two IPv6 addresses in a pair) is cut with an ellipsis
  const maxLabel = Math.max(c.title.length, width - 2 - (2 + countW) - (2 + shareW));
  const fit = (l: string): string => (l.length > maxLabel ? `${l.slice(0, maxLabel - 1)}…` : l);
  const labelW = Math.max(c.title.length, ...c.rows.map((r) => fit(r.label).length));
  const lines = [`${c.title.padEnd(labelW)}  ${'entries'.padStart(countW)}  ${'share'.padStart(shareW)}`];
  for (const r of c.rows) lines.push(`${fit(r.label).padEnd(labelW)}  ${num(r.count).padStart(countW)}  ${pct(r.share).padStart(shareW)}`);
  return { lines, width: labelW + 2 + countW + 2 + shareW };
}

/** Two top lists side by side when they fit, else one after the other. */
function pairOfColumns(a: Column, b: Column | null, width: number): string[] {
  const ca = columnLines(a, width);
  if (!b || b.rows.length === 0) return a.rows.length ? ca.lines.map((l) => `  ${l}`.trimEnd()) : [];
  if (a.rows.length === 0) return columnLines(b, width).lines.map((l) => `  ${l}`.trimEnd());
  const cb = columnLines(b, width);
  const out: string[] = [];
  if (2 + ca.width + 3 + cb.width <= width) {
    const n = Math.max(ca.lines.length, cb.lines.length);
    for (let i = 0; i < n; i++) {
      out.push(`  ${(ca.lines[i] ?? '').padEnd(ca.width)}   ${cb.lines[i] ?? ''}`.trimEnd());
    }
    return out;
  }
  return [...ca.lines, ...cb.lines].map((l) => `  ${l}`.trimEnd());
}

/** The "WHAT FILLS THE TABLE" lines for a table section. */
export function renderTableText(section: TableSection, opts: TableTextOptions): string[] {
  const width = Math.max(40, opts.width);
  const rows = opts.rows ?? 5;
  const t = section;
  const e = t.entries;
  const out: string[] = [];

  const title = `WHAT FILLS THE TABLE  ${visible(baseName(t.path))}: ${num(e)} ${e === 1 ? 'entry' : 'entries'}`;
  const said = t.declaredEntries !== null && t.declaredEntries !== e ? `(conntrack said ${num(t.declaredEntries)})` : null;
  const notes: string[] = [];
  if (said !== null && title.length + 1 + said.length <= width) out.push(`${title} ${said}`);
  else {
    out.push(title.length > width ? `${title.slice(0, width - 1)}…` : title);
    if (said !== null) notes.push(`conntrack said ${num(t.declaredEntries!)} flow entries`);
  }

  if (t.partial) notes.push('filtered capture: shares are of the entries shown, not the whole table');
  if (t.approximate) notes.push('top lists are approximate (heavy-hitters sketch)');
  if (t.events > 0) notes.push(`${num(t.events)} event ${t.events === 1 ? 'line' : 'lines'} (conntrack -E) not counted as entries`);
  for (const n of notes) out.push(...wrapWords(n, width));
  if (e === 0) return out;

  // protocols (top 3 + other), IPv6 share, NAT share
  const protos = Object.entries(t.byProtocol);
  const protoChips = protos.slice(0, 3).map(([p, n]) => `${visible(p)} ${pct(n / e)}`);
  const rest = protos.slice(3).reduce((s, [, n]) => s + n, 0);
  if (rest > 0) protoChips.push(`other ${pct(rest / e)}`);
  const v6 = t.byFamily['ipv6'] ?? 0;
  const groups: string[][] = [protoChips];
  if (v6 > 0) groups.push([`IPv6 ${pct(v6 / e)}`]);
  groups.push([`NAT ${pct(t.nat / e)}`]);
  out.push(...flow(groups, width));

  // TCP states (share of all entries), then flags
  const states = Object.entries(t.byState).slice(0, 3).map(([s, n]) => `${visible(s)} ${pct(n / e)}`);
  const flags = [`early-droppable ${pct(t.earlyDroppable / e)}`];
  if (t.flags.unreplied > 0) flags.push(`UNREPLIED ${pct(t.flags.unreplied / e)}`);
  if (t.flags.offload > 0) flags.push(`OFFLOAD ${pct(t.flags.offload / e)}`);
  out.push(...flow(states.length ? [states, flags] : [flags], width));

  // zones only when more than the default one is in use
  const zones = Object.entries(t.zones);
  if (zones.length > 1) out.push(...flow([zones.slice(0, 4).map(([z, n]) => `zone ${visible(z)} ${pct(n / e)}`)], width));

  const sources: Column = { title: 'top sources', rows: t.topSources.slice(0, rows).map((s) => ({ label: visible(s.ip), count: s.count, share: s.share })) };
  const ports: Column = { title: 'top dest ports', rows: t.topDestinationPorts.slice(0, rows).map((p) => ({ label: `${visible(p.protocol)}/${p.port}`, count: p.count, share: p.share })) };
  const dests: Column = { title: 'top destinations', rows: t.topDestinations.slice(0, rows).map((d) => ({ label: visible(d.ip), count: d.count, share: d.share })) };
  const pairs: Column = {
    title: 'top pairs (source -> destination)',
    rows: t.topPairs.slice(0, rows).map((p) => ({
      label: `${visible(p.src)} -> ${visible(p.dst)}${p.port === null ? ` ${visible(p.protocol)}` : ` ${visible(p.protocol)}/${p.port}`}`,
      count: p.count, share: p.share,
    })),
  };
  out.push(...pairOfColumns(sources, ports, width));
  out.push(...pairOfColumns(dests, null, width));
  out.push(...pairOfColumns(pairs, null, width));

  // idle entries per timeout key (what a shorter timeout would free)
  const idle = Object.entries(t.timeouts).filter(([, v]) => v.idleOverHour > 0).slice(0, 3);
  for (const [k, v] of idle) {
    const line = `  ${visible(k)} idle > 1 h: ${num(v.idleOverHour)} of ${num(v.entries)}, > 1 day: ${num(v.idleOverDay)}`;
    out.push(line.length > width ? `${line.slice(0, width - 1)}…` : line);
  }
  return out;
}
