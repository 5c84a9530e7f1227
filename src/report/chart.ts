/** ASCII charts for the text report (asciichart lives only here). */
import asciichart from 'asciichart';
import { groupDigits } from '../util/format.js';

export interface ChartOptions {
  /** Rows of the plot area. */
  readonly height: number;
  /** Max plot columns; series longer than this are downsampled keeping each bucket's maximum. */
  readonly width: number;
  /** Width of the y-axis label column. */
  readonly labelWidth?: number;
}

/** Downsample to at most `width` points, keeping each bucket's maximum (peaks survive). */
export function downsampleMax(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const a = Math.floor((i * values.length) / width);
    const b = Math.max(a + 1, Math.floor(((i + 1) * values.length) / width));
    let m = -Infinity;
    for (let j = a; j < b; j++) m = Math.max(m, values[j]!);
    out.push(m);
  }
  return out;
}

/** Plot one or more series (same length) with asciichart; lines are at most labelWidth + 2 + width wide. */
export function renderChart(series: readonly (readonly number[])[], opts: ChartOptions): string[] {
  const labelWidth = opts.labelWidth ?? 9;
  const data = series.map((s) => downsampleMax(s, opts.width));
  if (!data.length || !data[0]!.length) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const s of data) for (const v of s) { min = Math.min(min, v); max = Math.max(max, v); }
  // the axis starts at 0 (or below); only an all-zero series needs a made-up top (a flat series of 60 drops a
  // minute is drawn at 60, not under a label of 61)
  const bottom = Math.min(0, min);
  const plot = asciichart.plot(data.length === 1 ? data[0]! : data, {
    height: opts.height,
    min: bottom,
    max: max === bottom ? max + 1 : max,
    format: (x: number) => formatLabel(x).padStart(labelWidth),
  });
  return plot.split('\n').map((l) => l.replace(/\s+$/, ''));
}

function formatLabel(x: number): string {
  const r = Math.round(x);
  return groupDigits(r);
}
