/**
 * The HTML report's one inline stylesheet: system fonts only (no network), readable on screen, and a
 * print block for A4 and Letter alike (the page margins fit both; charts and table rows do not split).
 */
export const CSS = `
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --accent: #0b5cad;
  --err: #b3261e; --warn: #8a5a00; --info: #0b5cad; --burst: rgba(179, 38, 30, .18); }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1040px; padding: 24px 28px 48px; color: var(--fg); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05em; margin: 22px 0 6px; }
p { margin: 6px 0; }
.meta, .note, .muted { color: var(--muted); }
.meta { margin: 0 0 12px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; }
.story { font-size: 1.05em; background: #f6f8fa; border-left: 4px solid var(--accent); padding: 10px 14px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; padding: 0; list-style: none; }
.tiles li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 140px; }
.tiles b { display: block; font-size: 1.3em; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: .92em; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 10px; }
td.ev { font-size: .92em; overflow-wrap: anywhere; }
.sev { font-weight: 700; text-transform: uppercase; font-size: .8em; letter-spacing: .03em; }
.sev-error { color: var(--err); } .sev-warning { color: var(--warn); } .sev-info { color: var(--info); }
.finding { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.finding .ev { margin: 4px 0 0; padding: 0; list-style: none; }
.finding .ev li { font-size: .9em; overflow-wrap: anywhere; }
.finding .ev .where { color: var(--muted); margin-right: 8px; }
.grid2 { display: flex; flex-wrap: wrap; gap: 12px 32px; }
figure { margin: 10px 0 16px; }
figcaption { color: var(--muted); font-size: .88em; }
svg.chart { display: block; max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg .grid { stroke: #eaeef2; }
svg .axis, svg .tickmark { stroke: #8c959f; }
svg .tick { fill: var(--muted); }
svg .axis-label { fill: var(--fg); font-weight: 600; }
svg .count { fill: none; stroke: var(--accent); stroke-width: 1.6; }
svg .count-dot { fill: var(--accent); }
svg .max { stroke: var(--err); stroke-width: 1.4; stroke-dasharray: 6 4; }
svg .max-label { fill: var(--err); font-weight: 600; }
svg .burst { fill: var(--burst); }
svg .bar { fill: var(--accent); }
svg.per-minute .bar { fill: var(--err); }
svg .bar-label { fill: var(--fg); }
svg .bar-value { fill: var(--muted); }
.legend { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 12px; vertical-align: baseline; }
.legend.burst { background: var(--burst); } .legend.max { border-top: 2px dashed var(--err); height: 0; }
.legend.count { border-top: 2px solid var(--accent); height: 0; }
footer { margin-top: 32px; color: var(--muted); font-size: .85em; }
@media print {
  @page { margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  figure, .finding, tr, pre, .story { break-inside: avoid; page-break-inside: avoid; }
  pre { white-space: pre-wrap; }
  .host + .host { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
`;
