/**
 * Line accounting: every physical line of an input is parsed, ignored or malformed
 * (total = parsed + ignored + malformed). Only parsers/line-parser.ts mutates an account.
 */
export type LineIssueCode =
  | 'line-too-long'        // longer than MAX_LINE_BYTES: cut, counted malformed
  | 'binary-region'        // a run of NUL or other non-text bytes (e.g. a log cut by a hard reset)
  | 'unparsed'             // looked relevant (mentions conntrack etc.) but did not parse
  | 'bad-timestamp'        // a stamp that does not form a valid time
  | 'bad-number'           // a number field that is not a number
  | 'bad-json'             // a journal JSON line that does not parse
  | 'truncated'            // the line was cut short (e.g. last line of a truncated capture)
  | 'wrapped-fragment'     // continuation of a hard-wrapped line whose head is counted elsewhere
  | 'count-mismatch'       // a trailer/declared count disagrees with what was read
  | 'command-error'        // a captured command error (e.g. "Operation not permitted")
  | 'bad-field'            // a field with an unexpected value
  | 'bad-csv';             // a CSV record csv-parse rejected

export interface LineIssue {
  readonly line: number;
  readonly code: LineIssueCode;
  readonly text: string;
}

export interface LineAccount {
  total: number;
  parsed: number;
  ignored: number;
  malformed: number;
  issues: LineIssue[];
}

/** How many malformed lines are listed per input (the counts are always complete). */
export const MAX_LISTED_ISSUES = 20;
/** Lines longer than this are cut and counted as malformed. */
export const MAX_LINE_BYTES = 64 * 1024;

export const ZERO_ACCOUNT: Readonly<LineAccount> = Object.freeze({ total: 0, parsed: 0, ignored: 0, malformed: 0, issues: [] as LineIssue[] });

export function newAccount(): LineAccount {
  return { total: 0, parsed: 0, ignored: 0, malformed: 0, issues: [] };
}
