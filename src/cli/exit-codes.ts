/**
 * Process exit codes of the `mcp-auth-bridge` command. Documented in README.md ("Exit codes"); the CLI entry is
 * the one place that maps errors to them.
 */
export const ExitCode = {
  /** Clean shutdown: the client closed stdin, or SIGINT / SIGTERM / SIGHUP arrived. */
  Ok: 0,
  /** A fatal error at run time (the message on stderr says what). */
  Failure: 1,
  /** The command line or environment is invalid; nothing was started. */
  Usage: 2,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
