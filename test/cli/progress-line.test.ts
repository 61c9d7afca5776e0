// The `login` progress line is cleared before the next message: log lines written while it is shown erase it
// first and draw it again below, so they never share its line. Driven through the real ProgressLine with a
// stream that records every write, as a terminal would receive it (the pseudo-terminal run of the real `login`
// is in test/commands/login.test.ts).
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ProgressLine } from '../../src/cli/progress-line.js';

/** A terminal that records writes and renders them: `\r` returns to column 0, ESC[2K erases the line. */
function terminal(isTTY = true) {
  const writes: string[] = [];
  return {
    isTTY,
    writes,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
    /** The screen's lines after every write, as a person would see them. */
    screen(): string[] {
      const lines = [''];
      for (const ch of writes.join('').replace(/\r\x1b\[2K/g, '\u0000')) {
        if (ch === '\u0000') lines[lines.length - 1] = '';
        else if (ch === '\n') lines.push('');
        else lines[lines.length - 1] += ch;
      }
      return lines;
    },
  };
}

describe('the login progress line', () => {
  it('is cleared before a log line, which gets a line of its own, and is drawn again below it', () => {
    const tty = terminal();
    const progress = new ProgressLine(tty);
    const log = createLogger({ level: 'info', stream: progress.passthrough, name: 'mcp-auth-bridge' });
    progress.show('waiting for the login in your browser: 1 s (Ctrl-C to cancel)');
    log.info('the login callback arrived');
    progress.show('waiting for the login in your browser: 2 s (Ctrl-C to cancel)');
    log.warn('something to know');
    progress.clear();
    tty.write('Logged in to https://mcp.example.com/mcp\n');
    expect(tty.screen()).toEqual(['[mcp-auth-bridge] the login callback arrived', '[mcp-auth-bridge] warn: something to know', 'Logged in to https://mcp.example.com/mcp', '']);
    // Every progress text is followed by the erase sequence before anything else.
    const text = tty.writes.join('');
    expect(text.match(/\(Ctrl-C to cancel\)(?!\r\x1b\[2K)/g)).toBeNull();
  });

  it('a partial write is not followed by a redraw; the next show() draws the line again', () => {
    const tty = terminal();
    const progress = new ProgressLine(tty);
    progress.show('waiting: 1 s');
    progress.passthrough.write('partial');
    progress.passthrough.write(' line\n');
    progress.show('waiting: 2 s');
    expect(tty.screen()).toEqual(['partial line', 'waiting: 2 s']);
  });

  it('shows nothing and passes writes through when the stream is not a terminal', () => {
    const pipe = terminal(false);
    const progress = new ProgressLine(pipe);
    expect(progress.enabled).toBe(false);
    progress.show('waiting: 1 s');
    progress.passthrough.write('a log line\n');
    progress.clear();
    expect(pipe.writes).toEqual(['a log line\n']);
  });
});
