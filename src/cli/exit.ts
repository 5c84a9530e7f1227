/** Exit codes (README and --help list them). */
export const EXIT = {
  /** No finding at or above --fail-on. */
  OK: 0,
  /** At least one finding at or above --fail-on. */
  FINDINGS: 1,
  /** Usage error, unusable explicit input, or no usable input at all (wins over 1). */
  USAGE: 2,
  /** Internal error (a bug: please report it). */
  INTERNAL: 3,
  /** Interrupted (SIGINT). */
  INTERRUPTED: 130,
} as const;
