/**
 * The library API: `import { analyze } from 'ctdoctor'`.
 *
 *   const report = await analyze(['/var/log/kern.log'], { year: 2026 });
 *   console.log(report.hosts[0]?.drops.logged);
 *   process.stdout.write(renderers.markdown(report, {}));
 *
 * `analyze` returns the typed Report — the same object `--format json` prints (docs/report.schema.json).
 */
export { analyze, runAnalysis, type RunResult } from './analyze.js';
export { recommend, type RecommendInput, type Role, ROLES } from './analysis/recommend.js';
export {
  renderers, makeRenderers, FORMATS, redactReport, diffReports, renderDiffText, renderDiffJson,
  renderText, renderJson, renderHtml, renderMarkdown, renderNdjson, renderJunit, renderGithub,
  type Format, type Renderer, type RenderOptions, type ReportDiff,
} from './report/index.js';
export { rules } from './rules/index.js';
export type * from './model/report.js';
export type { AnalyzeOptions, FailOn, RuleSetting } from './model/options.js';
export type { InputKind } from './model/records.js';
export { CtdError, UsageError, InputError, SkipInput, type CtdErrorCode } from './model/errors.js';
export { VERSION } from './version.js';
