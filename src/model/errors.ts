/**
 * Error classes (STYLE.md section 3). Known errors carry a closed `code`, print one line and map to an
 * exit code in cli/exit.ts; problems with single lines are LineIssueCodes in the account, never exceptions.
 */
export type CtdErrorCode =
  | 'CTD_INVALID_OPTION'
  | 'CTD_INPUT_NOT_FOUND'
  | 'CTD_INPUT_UNREADABLE'
  | 'CTD_INPUT_IS_DIRECTORY'
  | 'CTD_INPUT_UNRECOGNIZED'
  | 'CTD_INPUT_BINARY'
  | 'CTD_INPUT_TRUNCATED_GZIP'
  | 'CTD_INPUT_CORRUPT'
  | 'CTD_INPUT_EMPTY'
  | 'CTD_INPUT_NOT_APPLICABLE'
  | 'CTD_INPUT_UNSUPPORTED_ARCHIVE'
  | 'CTD_INPUT_REFUSED'
  | 'CTD_INPUT_TOO_LARGE'
  | 'CTD_NO_USABLE_INPUT'
  | 'CTD_OUTPUT_UNWRITABLE'
  | 'CTD_INTERRUPTED';

export class CtdError extends Error {
  readonly code: CtdErrorCode;
  readonly context: Readonly<Record<string, unknown>>;
  constructor(code: CtdErrorCode, message: string | readonly string[], context: Readonly<Record<string, unknown>> = {}) {
    super(typeof message === 'string' ? message : message.join(' '));
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}
/** Bad flags or arguments: exit 2, no stack. */
export class UsageError extends CtdError {}
/** The whole input is unusable: input.status = 'failed', the run goes on, exit 2. */
export class InputError extends CtdError {}
/** Empty or not applicable: input.status = 'skipped'; not an error. */
export class SkipInput extends CtdError {}

export function isCtdError(e: unknown): e is CtdError {
  return e instanceof CtdError;
}
