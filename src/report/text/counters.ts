/**
 * Text section for conntrack counters (hosts[].counters). Example (width 80):
 *
 *   COUNTERS  conntrack_-S: 2 CPUs
 *     drop                  5  early_drop    1,878,045  insert_failed         5
 *     found             1,849  invalid         169,153  insert                0
 *     ...
 *     cpu   drop  early_drop  insert_failed
 *       0      4     939,985              4
 *       1      1     938,060              1
 *     drop: since module load, this netns, incl. failed inserts
 *
 * drop, early_drop and insert_failed come first, then the other fields in the order printed by the
 * input. The per-CPU table (at most MAX_CPU_ROWS CPUs) appears only when one of those three is non-zero.
 * Totals-only forms (old vertical conntrack -S, lnstat) say "kernel totals". Every line fits `width`.
 */
import type { CountersSection } from '../../model/report.js';
import { sanitizeText } from '../sanitize.js';
import { groupDigits } from '../../util/format.js';

/** CPUs listed in the per-CPU table before "... N more CPUs". */
export const MAX_CPU_ROWS = 16;

const KEY_FIELDS = ['drop', 'early_drop', 'insert_failed'] as const;

/** What `drop` counts (FORMATS.md section 4), under the numbers. */
export const CAVEAT = 'drop: since module load, this netns, incl. failed inserts';

function fmt(n: number): string {
  return groupDigits(n);
}

function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/** Keep the end of a long path (the file name matters most). */
function shortenPath(path: string, max: number): string {
  return path.length <= max ? path : `…${path.slice(path.length - Math.max(1, max - 1))}`;
}

/** Render hosts[].counters as text lines, each at most opts.width columns. */
export function renderCountersText(section: CountersSection, opts: { width: number }): string[] {
  const width = Math.max(40, opts.width);
  const names = Object.keys(section.totals);
  const what = section.cpus > 0 ? `${section.cpus} CPU${section.cpus === 1 ? '' : 's'}` : 'kernel totals';
  const path = shortenPath(sanitizeText(section.path || '(unknown input)'), width - 12 - what.length);
  const out: string[] = [fit(`COUNTERS  ${path}: ${what}`, width)];
  if (names.length === 0) {
    out.push('  (no counters)');
    return out;
  }
  const ordered = [...KEY_FIELDS.filter((k) => names.includes(k)), ...names.filter((k) => !(KEY_FIELDS as readonly string[]).includes(k))];
  const nameW = Math.max(...ordered.map((k) => k.length));
  const valueW = Math.max(...ordered.map((k) => fmt(section.totals[k]!).length));
  const cellW = nameW + 2 + valueW;
  const perLine = Math.max(1, Math.floor((width - 2 + 2) / (cellW + 2)));
  for (let i = 0; i < ordered.length; i += perLine) {
    const cells = ordered.slice(i, i + perLine).map((k) => `${sanitizeText(k).padEnd(nameW)}  ${fmt(section.totals[k]!).padStart(valueW)}`);
    out.push(fit(`  ${cells.join('  ')}`, width));
  }
  const keys = KEY_FIELDS.filter((k) => names.includes(k));
  // the per-CPU split only matters when something is non-zero (where drops happen is a hint to RSS/IRQ load)
  if (section.perCpu.length > 1 && keys.some((k) => (section.totals[k] ?? 0) > 0)) {
    const rows = section.perCpu.slice(0, MAX_CPU_ROWS);
    const colW = keys.map((k) => Math.max(k.length, ...rows.map((r) => fmt(r[k] ?? 0).length)));
    const cpuW = Math.max(3, ...rows.map((r) => String(r['cpu'] ?? '').length));
    out.push(fit(`  ${'cpu'.padEnd(cpuW)}  ${keys.map((k, i) => k.padStart(colW[i]!)).join('  ')}`, width));
    for (const r of rows) {
      out.push(fit(`  ${String(r['cpu'] ?? '').padStart(cpuW)}  ${keys.map((k, i) => fmt(r[k] ?? 0).padStart(colW[i]!)).join('  ')}`, width));
    }
    const more = section.perCpu.length - rows.length;
    if (more > 0) out.push(`  ... ${more} more CPUs`);
  }
  if (names.includes('drop')) out.push(fit(`  ${CAVEAT}`, width));
  return out;
}
