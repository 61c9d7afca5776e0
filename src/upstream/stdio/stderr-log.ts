/**
 * A local server's stderr, line by line, into the bridge's log: each line at info level through the server's child
 * logger (so it carries the server's name), cut at {@link STDERR_LINE_CHARS} characters; control characters are
 * neutralized by the logger, which makes every line terminal-safe and redacts secrets. The last few lines are kept
 * (bounded) to explain a crash. A line without an end never grows past the bound: its middle is dropped.
 */
import { processSecrets, redact, terminalSafe, type Logger } from '../../log.js';
import { LineFramer, type Frame } from '../../front/stdio/line-framer.js';

/** Longest part of a stderr line that is logged. */
export const STDERR_LINE_CHARS = 1_000;
/** Lines kept for {@link StderrLog.recent}. */
const RECENT_LINES = 5;
/** Longest part of each kept line. */
const RECENT_CHARS = 300;

/** Logs the lines of one child's stderr. */
export class StderrLog {
  readonly #log: Logger;
  readonly #framer = new LineFramer({ maxLineBytes: STDERR_LINE_CHARS * 4 });
  readonly #recent: string[] = [];

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Takes a chunk of stderr. */
  push(chunk: Buffer): void {
    for (const frame of this.#framer.push(chunk)) this.#line(textOf(frame));
  }

  /** stderr ended: logs an unfinished last line. */
  end(): void {
    if (this.#framer.pending) this.push(Buffer.from('\n'));
  }

  /**
   * The last lines the child wrote (up to 5, each cut to 300 characters), oldest first, redacted and terminal-safe:
   * they go into errors that leave the log.
   */
  recent(): string[] {
    return [...this.#recent];
  }

  #line(text: string): void {
    const line = text.length > STDERR_LINE_CHARS ? `${text.slice(0, STDERR_LINE_CHARS)}… (cut)` : text;
    this.#log.info(`stderr: ${line}`);
    const kept = line.length > RECENT_CHARS ? `${line.slice(0, RECENT_CHARS)}…` : line;
    this.#recent.push(terminalSafe(redact(kept, processSecrets)));
    if (this.#recent.length > RECENT_LINES) this.#recent.shift();
  }
}

function textOf(frame: Frame): string {
  return frame.kind === 'line' ? frame.text : `${frame.head}… (${frame.bytes} bytes)`;
}
