/**
 * Choosing an input's kind: --kind > bundle layout (later) > content sniffers over the first lines; the
 * file name only breaks ties (each sniffer may add a small bonus for it). Sniffers are handed in by the
 * caller (the parser registry), so ingest never imports a parser.
 */
import type { InputKind } from '../model/records.js';

export interface Sniffer {
  readonly kind: InputKind;
  sniff(head: readonly string[], name: string): number;
}

/** The lowest score that recognises an input. */
export const SNIFF_THRESHOLD = 0.5;

/** Decode the head into at most `maxLines` complete lines (NULs removed, CR stripped, BOM dropped). */
export function headLines(head: Buffer, isComplete: boolean, maxLines: number): string[] {
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  if (!isComplete && lines.length > 1) lines.pop(); // the last one may be cut
  const out: string[] = [];
  for (const l of lines) {
    if (out.length >= maxLines) break;
    // a line the splitter would cut (over 64 KiB) is malformed, not a sample of the kind
    if (l.length > 65536) continue;
    out.push(l.replace(/\0+/g, '').replace(/\r$/, ''));
  }
  return out;
}

export interface SniffResult {
  readonly kind: InputKind;
  readonly score: number;
}

/** The best-scoring kind at or above the threshold, or null. Ties go to registry order. */
export function chooseKind(sniffers: readonly Sniffer[], lines: readonly string[], name: string): SniffResult | null {
  let best: SniffResult | null = null;
  for (const s of sniffers) {
    let score = 0;
    try {
      score = s.sniff(lines, name);
    } catch {
      score = 0;
    }
    if (score >= SNIFF_THRESHOLD && (!best || score > best.score)) best = { kind: s.kind, score };
  }
  return best;
}
