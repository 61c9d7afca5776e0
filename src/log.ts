/**
 * The stderr logger. stdout belongs to the MCP protocol, so every human-readable line goes through here, and every
 * line is redacted before it is written: `Authorization` values, cookies, token-shaped strings, OAuth secrets in
 * query strings or JSON, and every exact value registered with {@link Logger.secret} in the process's
 * {@link SecretRegistry}; then made terminal-safe ({@link terminalSafe}): text from servers reaches stderr only through
 * here or through the CLI's error report, which applies the same functions. A part of the process (one server, say)
 * logs through a {@link Logger.child}: its lines carry its name, and it shares the root's level, destinations and
 * secrets.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Levels, from quietest to most verbose. */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Where log lines go and how much is written. */
export interface LoggerOptions {
  /** Most verbose level written. Default `info`. */
  level?: LogLevel;
  /** Destination for log lines. Default `process.stderr`. Never stdout. */
  stream?: { write(chunk: string): unknown };
  /** Also append every line (at `debug` verbosity) to this file, created with mode 0600. */
  file?: string;
  /** Clock for timestamps. Default `() => new Date()`. */
  now?: () => Date;
  /** Prefix of every line on the stream. Default `mcp-auth-bridge`. */
  name?: string;
  /** The exact values to redact. Default: the process's registry, {@link processSecrets}; tests give their own. */
  secrets?: SecretRegistry;
}

/** Options for {@link Logger.child}. */
export interface ChildLoggerOptions {
  /** Names the part of the process, e.g. a server; shown in every line after the parent's name. */
  name: string;
}

/** A leveled, redacting logger. All methods are cheap no-ops when their level is off. */
export interface Logger {
  error(message: string, details?: unknown): void;
  warn(message: string, details?: unknown): void;
  info(message: string, details?: unknown): void;
  debug(message: string, details?: unknown): void;
  /** Whether lines of `level` are written anywhere; guard costly debug formatting with it. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /**
   * Registers an exact secret value (token, code, verifier, client secret) so no later line can contain it: a line
   * of this logger or of any other logger sharing its registry (by default, every logger in the process).
   */
  secret(value: string | undefined): void;
  /** A logger whose lines carry `options.name` after this one's name; same level, destinations and secrets. */
  child(options: ChildLoggerOptions): Logger;
  /** Flushes and closes the log file, if any. On a child, does nothing: the file is the root's. */
  close(): void;
}

/**
 * The exact secret values that no log line may contain. One per process ({@link processSecrets}), so that a secret
 * learned while serving one server is redacted from every server's lines, and from the lines of loggers that were
 * given none (modules that default to {@link silentLogger} still register what they handle). A registry can be
 * given to a logger instead (tests, to stay apart from each other).
 */
export class SecretRegistry implements Iterable<string> {
  readonly #values = new Set<string>();

  /** Registers `value`; ignored when absent or shorter than 4 characters (too common to be removed from text). */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.#values.add(value);
  }

  /** Whether `value` is registered. */
  has(value: string): boolean {
    return this.#values.has(value);
  }

  /** The registered values, for {@link redact}. */
  [Symbol.iterator](): Iterator<string> {
    return this.#values.values();
  }
}

/** The process's secret registry: the default of every logger, and what the CLI's error report redacts too. */
export const processSecrets = new SecretRegistry();

const SECRET_PARAM =
  /\b(access_token|refresh_token|id_token|code|code_verifier|client_secret|client_assertion|assertion|subject_token|actor_token|device_code|password|token)=([^&\s"'<>]+)/gi;
const SECRET_JSON =
  /("(?:access_token|refresh_token|id_token|code|code_verifier|client_secret|client_assertion|assertion|subject_token|device_code|password|registration_access_token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;
// A value that only names an environment variable (`${VAR}`, as hints write it) is not a secret.
const AUTH_HEADER = /\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key)(["']?\s*[:=]\s*["']?)(?!\$\{\w+\})([^"'\r\n,}]+)/gi;
// A challenge's parameters (`Bearer error="invalid_token"`) are not a credential; a token68 is never followed by `"`.
const BEARER = /\b(Bearer|Basic|DPoP)\s+(?![A-Za-z0-9_-]+=")[A-Za-z0-9\-._~+/]+=*/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const SENSITIVE_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|.*token|.*secret|code|code_verifier|password|assertion)$/i;

// C0 controls except tab and newline (ESC, BEL, CR, backspace…), DEL, C1 controls (U+0080–U+009F, among them the
// 8-bit CSI U+009B) and the bidirectional overrides and isolates that reorder what a terminal shows.
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text safe to print on a terminal: every control character that could move the cursor, clear the screen,
 * set a window title, ring the bell or reorder the text is replaced by its visible escape (`\x1b`, `\x9b`,
 * `\u202e`). Tab and newline are kept. Pure; the logger applies it to every line, and the CLI to every message it
 * prints itself, so that text from servers (serverInfo, error bodies, `error_description`) cannot drive the
 * user's terminal.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Removes anything secret-shaped from `text`. Pure; exported for error messages that leave the process.
 * @param extra exact values to remove as well
 */
export function redact(text: string, extra: Iterable<string> = []): string {
  let out = text;
  for (const value of extra) if (value && out.includes(value)) out = out.split(value).join('[redacted]');
  return out
    .replace(JWT, '[redacted-jwt]')
    .replace(AUTH_HEADER, (_m, name: string, sep: string) => `${name}${sep}[redacted]`)
    .replace(BEARER, (_m, scheme: string) => `${scheme} [redacted]`)
    .replace(SECRET_PARAM, (_m, name: string) => `${name}=[redacted]`)
    .replace(SECRET_JSON, (_m, prefix: string) => `${prefix}"[redacted]"`);
}

function stringifyDetails(details: unknown): string {
  if (details === undefined) return '';
  if (details instanceof Error) return ` ${details.stack ?? details.message}`;
  if (typeof details === 'string') return ` ${details}`;
  try {
    return ` ${JSON.stringify(details, (key, value: unknown) =>
      key && SENSITIVE_KEY.test(key) && value !== undefined && value !== null ? '[redacted]' : value,
    )}`;
  } catch {
    return ' [unserializable details]';
  }
}

/** What a root logger and its children share. */
interface Sink {
  level: number;
  fileRank: number;
  verbose: boolean;
  stream: { write(chunk: string): unknown };
  now: () => Date;
  fd: number | undefined;
  secrets: SecretRegistry;
}

/** Creates the process logger (a root: it owns the log file). See {@link LoggerOptions}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = RANK[options.level ?? 'info'];
  const fd = options.file ? openSync(options.file, 'a', 0o600) : undefined;
  const sink: Sink = {
    level,
    fileRank: fd === undefined ? 0 : RANK.debug,
    verbose: level >= RANK.debug,
    stream: options.stream ?? process.stderr,
    now: options.now ?? (() => new Date()),
    fd,
    secrets: options.secrets ?? processSecrets,
  };
  const root = loggerOn(sink, [terminalSafe(options.name ?? 'mcp-auth-bridge')]);
  return {
    ...root,
    close: () => {
      if (sink.fd !== undefined) closeSync(sink.fd);
      sink.fd = undefined;
    },
  };
}

/** A logger writing to `sink` under `names` (the root's first, then each child's). */
function loggerOn(sink: Sink, names: string[]): Logger {
  const prefix = `[${names.join('/')}]`;
  // The file has no root name in its lines; a child's names are kept, so its lines can be told apart there too.
  const filePrefix = names.length > 1 ? `[${names.slice(1).join('/')}] ` : '';

  function write(lvl: Exclude<LogLevel, 'silent'>, message: string, details: unknown): void {
    const rank = RANK[lvl];
    if (rank > sink.level && rank > sink.fileRank) return;
    // Continuation lines are indented, so that no text inside a line can pass for a line of its own.
    const body = terminalSafe(redact(`${message}${stringifyDetails(details)}`, sink.secrets)).replace(/\n(?!$)/g, '\n  ');
    const stamp = sink.now().toISOString();
    if (rank <= sink.level) {
      sink.stream.write(sink.verbose ? `${stamp} ${prefix} ${lvl}: ${body}\n` : `${prefix} ${lvl === 'info' ? '' : `${lvl}: `}${body}\n`);
    }
    if (sink.fd !== undefined) {
      try {
        writeSync(sink.fd, `${stamp} ${lvl} ${filePrefix}${body}\n`);
      } catch {
        // A full disk must not take the bridge down; stderr still has the line.
      }
    }
  }

  return {
    error: (m, d) => write('error', m, d),
    warn: (m, d) => write('warn', m, d),
    info: (m, d) => write('info', m, d),
    debug: (m, d) => write('debug', m, d),
    enabled: (lvl) => RANK[lvl] <= sink.level || RANK[lvl] <= sink.fileRank,
    secret: (value) => sink.secrets.add(value),
    child: (o) => loggerOn(sink, [...names, terminalSafe(o.name)]),
    close: () => undefined,
  };
}

/** A logger that writes nothing; the default where a module is given none. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
