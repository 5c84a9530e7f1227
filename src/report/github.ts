/**
 * GitHub Actions workflow-command annotations, one per finding:
 *   ::error file=samples/kern.log,line=55,title=table-full-drops::3,080 "table full" drops logged in 4 bursts
 * error → ::error, warning → ::warning, info → ::notice. The file and line are the finding's first
 * evidence (omitted when it has none). Properties and data are escaped per GitHub's rules by escapeGithub
 * (`%`, CR, LF; in properties also `:` and `,`), so every annotation is exactly one line that starts with
 * our own `::` command: no echoed log text can start another. Findings below --fail-on are still shown
 * (they are annotations, not failures); the exit code is the CLI's business.
 */
import type { Finding, Report } from '../model/report.js';
import { escapeGithub } from './sanitize.js';
import type { RenderOptions } from './types.js';

const COMMAND: Readonly<Record<Finding['severity'], string>> = { error: 'error', warning: 'warning', info: 'notice' };

/** One annotation line (without the newline). */
export function githubAnnotation(f: Finding): string {
  const props: string[] = [];
  const ev = f.evidence[0];
  if (ev) {
    props.push(`file=${escapeGithub(ev.path, true)}`);
    if (ev.line !== null) props.push(`line=${ev.line}`);
  }
  props.push(`title=${escapeGithub(f.host !== null ? `${f.id} (${f.host})` : f.id, true)}`);
  return `::${COMMAND[f.severity]} ${props.join(',')}::${escapeGithub(f.message)}`;
}

/** Render every finding as a workflow-command annotation, one per line. */
export function renderGithub(report: Report, _opts: RenderOptions = {}): string {
  return report.findings.map((f) => githubAnnotation(f) + '\n').join('');
}
