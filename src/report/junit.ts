/**
 * JUnit XML for CI systems: one <testsuite> per host, one <testcase> per rule. A finding at or above
 * --fail-on (opts.failOn, default 'error'; 'never' fails nothing) is a <failure>; a rule skipped for that
 * host (RuleSkip) is <skipped/>; otherwise the testcase passes, with findings below the threshold in its
 * <system-out>. The list of all rules is not in the Report, so it comes in `opts.rules` (from the rule
 * registry); rule ids seen only in findings or skips are added after them, sorted. Findings and skips
 * without a host belong to the only host when there is one, else to a suite named "ctdoctor".
 * XML 1.0 text and attributes: controls and bidi overrides made visible per line (sanitizeText), then
 * escapeXml (which drops anything XML cannot carry).
 *
 *   <testsuites name="ctdoctor" tests="2" failures="1" errors="0" skipped="0">
 *     <testsuite name="web-07" tests="2" failures="1" errors="0" skipped="0">
 *       <testcase classname="ctdoctor.web-07" name="table-full-drops"><failure …>…</failure></testcase>
 */
import type { Finding, Report, RuleSkip, Severity } from '../model/report.js';
import { escapeXml, sanitizeText } from './sanitize.js';
import type { RenderOptions } from './types.js';

/** One rule as the registry describes it (`ctdoctor rules`). */
export interface JunitRule {
  readonly id: string;
  readonly severity: string;
  readonly summary: string;
}

/** RenderOptions plus the rule list, so rules without findings still show as passing testcases. */
export interface JunitOptions extends RenderOptions {
  readonly rules?: readonly JunitRule[];
}

/** XML text: controls and bidi overrides made visible (as in the text report), then XML-escaped; newlines kept. */
function x(s: string): string {
  return s.split(/\r?\n/).map((l) => escapeXml(sanitizeText(l))).join('\n');
}

const RANK: Readonly<Record<Severity, number>> = { info: 1, warning: 2, error: 3 };

/** Does a finding of this severity fail under --fail-on? */
export function failsAt(severity: Severity, failOn: JunitOptions['failOn'] = 'error'): boolean {
  return failOn !== 'never' && RANK[severity] >= RANK[failOn];
}

interface Suite {
  readonly name: string;
  readonly findings: Finding[];
  readonly skips: RuleSkip[];
}

function evidenceText(f: Finding): string {
  return [f.message, ...f.evidence.map((e) => `  ${e.path}${e.line !== null ? `:${e.line}` : ''}  ${e.text}`)].join('\n');
}

/** Render the Report as JUnit XML. */
export function renderJunit(report: Report, opts: JunitOptions = {}): string {
  const failOn = opts.failOn ?? 'error';
  const suites = new Map<string | null, Suite>();
  for (const h of report.hosts) if (!suites.has(h.name)) suites.set(h.name, { name: h.name ?? '(unnamed host)', findings: [], skips: [] });
  const only = report.hosts.length === 1 ? report.hosts[0]!.name : undefined;
  const suiteOf = (host: string | null): Suite => {
    const key = host === null && only !== undefined ? only : host;
    let s = suites.get(key);
    if (!s) suites.set(key, (s = { name: key ?? 'ctdoctor', findings: [], skips: [] }));
    return s;
  };
  for (const f of report.findings) suiteOf(f.host).findings.push(f);
  for (const s of report.skips) suiteOf(s.host).skips.push(s);
  if (!suites.size) suites.set(null, { name: 'ctdoctor', findings: [], skips: [] });

  const known = (opts.rules ?? []).map((r) => r.id);
  const seen = new Set(known);
  const extra = [...new Set([...report.findings.map((f) => f.id), ...report.skips.map((s) => s.id)])].filter((id) => !seen.has(id)).sort();
  const ids = [...new Set([...known, ...extra])];
  const summaries = new Map((opts.rules ?? []).map((r) => [r.id, r]));

  let tests = 0;
  let failures = 0;
  let skipped = 0;
  const body: string[] = [];
  for (const s of suites.values()) {
    const cases: string[] = [];
    let sf = 0;
    let ss = 0;
    for (const id of ids) {
      const fs = s.findings.filter((f) => f.id === id);
      const failing = fs.filter((f) => failsAt(f.severity, failOn));
      const skip = s.skips.find((k) => k.id === id);
      const classname = `ctdoctor.${s.name}`;
      const open = `    <testcase classname="${x(classname)}" name="${x(id)}" time="0"`;
      if (failing.length) {
        sf++;
        const first = failing[0]!;
        const text = failing.map(evidenceText).join('\n\n');
        const quiet = fs.filter((f) => !failing.includes(f));
        cases.push(`${open}>\n      <failure message="${x(first.message)}" type="${x(first.severity)}">${x(text)}</failure>${quiet.length ? `\n      <system-out>${x(quiet.map(evidenceText).join('\n\n'))}</system-out>` : ''}\n    </testcase>`);
      } else if (skip && !fs.length) {
        ss++;
        cases.push(`${open}>\n      <skipped message="${x(skip.reason)}"/>\n    </testcase>`);
      } else if (fs.length) {
        cases.push(`${open}>\n      <system-out>${x(fs.map((f) => `${f.severity}: ${evidenceText(f)}`).join('\n\n'))}</system-out>\n    </testcase>`);
      } else {
        const r = summaries.get(id);
        cases.push(r ? `${open}>\n      <system-out>${x(`passed: ${r.summary}`)}</system-out>\n    </testcase>` : `${open}/>`);
      }
    }
    tests += ids.length;
    failures += sf;
    skipped += ss;
    body.push(`  <testsuite name="${x(s.name)}" tests="${ids.length}" failures="${sf}" errors="0" skipped="${ss}" time="0">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ctdoctor" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="0">\n${body.join('\n')}\n</testsuites>\n`;
}
