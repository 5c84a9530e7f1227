/** The renderer registry: one pure function per --format. */
import type { Renderer } from './types.js';
import { renderJson } from './json.js';
import { renderText } from './text.js';
import { hostSections } from './text-sections.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderNdjson } from './ndjson.js';
import { renderJunit, type JunitRule } from './junit.js';
import { renderGithub } from './github.js';
import { rules } from '../rules/index.js';

import type { Format } from './formats.js';
export { FORMATS, type Format } from './formats.js';

/** The renderers; junit needs the rule list (rules with no finding are passing testcases). */
export function makeRenderers(rules: readonly JunitRule[]): Record<Format, Renderer> {
  return {
    text: (r, o) => renderText(r, o, hostSections),
    json: renderJson,
    ndjson: renderNdjson,
    markdown: renderMarkdown,
    html: renderHtml,
    junit: (r, o) => renderJunit(r, { ...o, rules }),
    github: renderGithub,
  } satisfies Record<Format, Renderer>;
}

/** Every renderer, with junit knowing every rule of the registry. */
export const renderers: Record<Format, Renderer> = makeRenderers(rules.map((r) => ({ id: r.id, severity: r.severity, summary: r.docs.summary })));

export { renderText, renderJson, renderHtml, renderMarkdown, renderNdjson, renderJunit, renderGithub };
export { redactReport } from './redact.js';
export { diffReports, renderDiffText, renderDiffJson, type ReportDiff } from './diff.js';
export type { Renderer, RenderOptions } from './types.js';
