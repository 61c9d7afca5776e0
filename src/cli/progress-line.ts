/**
 * A one-line progress display on a terminal (`login`'s "waiting for the login … 12 s"), redrawn in place with a
 * carriage return and erase-line. Other output to the same terminal goes through {@link ProgressLine.passthrough},
 * which clears the progress line first, so a log line never lands after it on the same line, and draws it again
 * below. On anything but a terminal it shows nothing and passes writes through untouched.
 */

/** What the progress line writes to: stderr, or a recording stream in tests. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const CLEAR = '\r\x1b[2K';

/** See the module comment. */
export class ProgressLine {
  readonly #stream: ProgressStream;
  #shown: string | undefined;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  /** Whether the stream is a terminal (the line is shown only then). */
  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  /** Shows `text` as the progress line, replacing the previous one. */
  show(text: string): void {
    if (!this.enabled) return;
    this.#shown = text;
    this.#stream.write(`${CLEAR}${text}`);
  }

  /** Erases the progress line, if one is shown. */
  clear(): void {
    if (this.#shown === undefined) return;
    this.#shown = undefined;
    this.#stream.write(CLEAR);
  }

  /** A stream for everything else written to the same terminal (the logger's lines). */
  readonly passthrough = {
    write: (chunk: string): unknown => {
      const shown = this.#shown;
      if (shown === undefined) return this.#stream.write(chunk);
      const whole = chunk.endsWith('\n');
      if (!whole) this.#shown = undefined; // a partial line: the next show() draws the progress again
      return this.#stream.write(`${CLEAR}${chunk}${whole ? shown : ''}`);
    },
  };
}
