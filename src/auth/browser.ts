/**
 * Opening the authorization URL in the user's browser, never through a shell: the `open` package (which spawns
 * the platform's opener with the URL as one argument), or the user's own command from `--browser` / `BROWSER`
 * (split into words here; the URL is appended, or replaces `%s`). The URL is checked against the URL policy first,
 * and one longer than {@link MAX_URL_LENGTH} is refused before any process is started.
 */
import { spawn } from 'node:child_process';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { checkUrlLength, type MAX_URL_LENGTH } from './url-policy.js';

/** Opens a URL somewhere the user can act on it. Resolves when the opener was started (not when the page loads). */
export type BrowserOpener = (url: string) => Promise<void>;

/** Splits a command line into words, honouring single and double quotes. No expansion of any kind. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let any = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (word || any) words.push(word);
      word = '';
      any = false;
    } else {
      word += ch;
    }
  }
  if (quote) throw new BridgeError(ErrorCode.Usage, `--browser: unbalanced ${quote} in "${command}"`);
  if (word || any) words.push(word);
  return words;
}

/** An opener that runs `command` (words, `%s` for the URL, else the URL appended) without a shell. */
export function commandOpener(command: string, logger: Logger): BrowserOpener {
  const words = splitCommand(command);
  if (words.length === 0) throw new BridgeError(ErrorCode.Usage, '--browser: the command is empty');
  return (url) =>
    new Promise((resolve, reject) => {
      checkUrlLength(url, 'URL to open');
      const args = words.slice(1).some((w) => w.includes('%s')) ? words.slice(1).map((w) => w.replaceAll('%s', url)) : [...words.slice(1), url];
      const child = spawn(words[0]!, args, { stdio: 'ignore', detached: true, shell: false });
      child.once('error', (error) => reject(new BridgeError(ErrorCode.Auth, `cannot start the browser command "${words[0]}": ${(error as NodeJS.ErrnoException).code ?? error.message}`, { cause: error })));
      child.once('spawn', () => {
        child.unref();
        logger.debug(`started the browser command ${words[0]}`);
        resolve();
      });
    });
}

/**
 * Why the system browser cannot be opened here, or undefined when it may be: on Linux (not WSL), a session with no
 * graphical display — an SSH login, a container, a server console — where `xdg-open` would fail unseen or start a
 * text browser on a terminal that belongs to the MCP client.
 */
export function noDisplayReason(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY || env.WSL_DISTRO_NAME || env.WSL_INTEROP) return undefined;
  return 'no graphical display: DISPLAY and WAYLAND_DISPLAY are not set';
}

/** The platform's default browser, through the `open` package (loaded only when a login needs it). */
export const systemOpener: BrowserOpener = async (url) => {
  checkUrlLength(url, 'URL to open');
  const noDisplay = noDisplayReason();
  if (noDisplay) throw new BridgeError(ErrorCode.Auth, noDisplay);
  const { default: open } = await import('open');
  try {
    const child = await open(url, { wait: false });
    child.once('error', () => undefined);
    child.unref();
  } catch (error) {
    throw new BridgeError(ErrorCode.Auth, `cannot open a browser: ${(error as Error).message}`, { cause: error });
  }
};
