/** Small, deterministic formatting helpers shared by the renderers (no locale or clock dependence). */

export function fmtInt(n: number): string {
  const s = Math.round(Math.abs(n)).toString();
  const out = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${out}` : out;
}

export function fmtPct(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)} %`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11-17T20:19:09Z" → "Nov 17 20:19:09" (UTC). */
export function fmtStamp(iso: string | null): string {
  if (!iso) return '?';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (x: number): string => String(x).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "2026-11-17T20:19:09Z" → "2026-11-17 20:19:09". */
export function fmtDateTime(iso: string | null): string {
  if (!iso) return '?';
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}

/** Seconds since boot as "[ 1465.133]" style "uptime 1465.1s". */
export function fmtUptime(sec: number | null): string {
  return sec === null ? '?' : `+${sec.toFixed(1)}s`;
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h${String(m % 60).padStart(2, '0')}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}

/** Word-wrap to `width` columns with an indent for every line. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const room = Math.max(10, width - indent.length);
  // a word longer than a line (a long path) is cut into line-sized pieces
  const words = text.split(/\s+/).filter(Boolean).flatMap((w) => {
    if (w.length <= room) return [w];
    const parts: string[] = [];
    for (let i = 0; i < w.length; i += room) parts.push(w.slice(i, i + room));
    return parts;
  });
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent.length + cur.length + 1 + w.length > width) {
      lines.push(indent + cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(indent + cur);
  return lines;
}

/** Cut a string to n columns, marking the cut with "…". */
export function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}
