/** JSON: exactly the Report, two-space indented, with a final newline. */
import type { Report } from '../model/report.js';
import type { RenderOptions } from './types.js';

export function renderJson(report: Report, _opts: RenderOptions = {}): string {
  return JSON.stringify(report, null, 2) + '\n';
}
