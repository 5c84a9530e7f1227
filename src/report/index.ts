/** The renderer registry: one pure function per --format. */
import type { Renderer } from './types.js';
import { renderJson } from './json.js';
import { renderText } from './text.js';
import { hostSections } from './text-sections.js';

export type Format = 'text' | 'json';
export const FORMATS: readonly Format[] = ['text', 'json'];

export const renderers = {
  text: (r, o) => renderText(r, o, hostSections),
  json: renderJson,
} satisfies Record<Format, Renderer>;

export type { Renderer, RenderOptions } from './types.js';
