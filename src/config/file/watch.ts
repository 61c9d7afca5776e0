/**
 * Watching the configuration file: each time its contents change, it is loaded again and the difference with the
 * configuration in force is handed on ({@link ConfigDiff}); a file that no longer loads is reported and the
 * configuration in force stays.
 *
 * Robust to the ways files change: editors save by writing a new file and renaming it over the old one (which ends a
 * watch on the file itself), so the directory is watched and events are filtered by name; a file deleted and
 * created again is picked up; `touch` and saves without a change are ignored by a hash of the contents; events
 * come in bursts, so a check runs once they have been quiet for `debounceMs`; a file that does not parse is
 * reported only once it reads the same twice (a half-written file is not an error); and a slow poll catches what
 * directory events miss (a symbolic link whose target changes, file systems without events).
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BridgeError, ErrorCode } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { diffConfigs, isEmptyDiff, type ConfigDiff } from './diff.js';
import { loadConfigFile } from './load.js';
import type { LoadedConfig } from './types.js';

/** Options for {@link watchConfigFile}. */
export interface WatchConfigOptions {
  /** The configuration file, as given to `--config`. */
  path: string;
  /** The environment the file is loaded with (as {@link loadConfigFile}). */
  env: NodeJS.ProcessEnv;
  /**
   * The configuration in force. Default: the file as it is when the watch starts (loaded at once; a file that does
   * not load throws). When given, the file is checked at once and a difference is reported as a change.
   */
  current?: LoadedConfig;
  /** Called with each change that asks for something to be done; never with an empty difference. */
  onChange: (diff: ConfigDiff) => void;
  /** Called when the file changed but cannot be read or loaded; the configuration in force stays. */
  onError: (problem: BridgeError) => void;
  /** Quiet time after the last event before the file is read again (default 200 ms). */
  debounceMs?: number;
  /** How often the file is read anyway, in case an event was missed (default 2000 ms; 0 turns the poll off). */
  pollMs?: number;
  logger?: Logger;
}

/** A running watch. */
export interface ConfigWatch {
  /** Stops watching; no callback runs after it. Safe to call more than once. */
  close(): void;
}

/**
 * Watches the configuration file at `options.path`.
 * @throws BridgeError when `current` is not given and the file does not load
 */
export function watchConfigFile(options: WatchConfigOptions): ConfigWatch {
  const { path, env, onChange, onError } = options;
  const debounceMs = options.debounceMs ?? 200;
  const pollMs = options.pollMs ?? 2000;
  const logger = options.logger ?? silentLogger;
  const dir = dirname(path);
  const name = basename(path);
  let current: LoadedConfig;
  /** The hash of the contents last acted on (applied or reported): the same contents are not looked at again. */
  let settled: string | undefined;
  /** The hash of contents that did not load once; reported when read again unchanged. */
  let unsettled: string | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  /** Whether a directory event for the file came since the last check (a poll that finds nothing says nothing). */
  let evented = false;

  if (options.current !== undefined) {
    current = options.current;
  } else {
    let text = '';
    current = loadConfigFile(path, { env, readFile: (file) => (text = readFileSync(file, 'utf8')) });
    settled = hashOf(text);
  }

  const schedule = (delay = debounceMs) => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(check, delay);
    timer.unref();
  };

  function check(): void {
    timer = undefined;
    if (closed) return;
    const byEvent = evented;
    evented = false;
    let text: string | undefined;
    let readError: unknown;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      // Not there (between a delete and a create, or deleted) or unreadable: told through the loader's own words.
      readError = error;
    }
    const hash = text === undefined ? `unreadable:${(readError as NodeJS.ErrnoException).code ?? ''}` : hashOf(text);
    if (hash === settled) {
      if (byEvent && text !== undefined) logger.debug('config file touched; its contents are unchanged');
      return;
    }
    let loaded: LoadedConfig;
    try {
      loaded = loadConfigFile(path, { env, readFile: () => text ?? rethrow(readError) });
    } catch (error) {
      if (hash !== unsettled) {
        // Perhaps half-written, or between a delete and a create: look again once it is quiet; the same state then
        // is what the user left.
        unsettled = hash;
        logger.debug('config file does not load yet; looking again once it is quiet');
        schedule();
        return;
      }
      unsettled = undefined;
      settled = hash;
      report(error);
      return;
    }
    unsettled = undefined;
    settled = hash;
    const diff = diffConfigs(current, loaded);
    current = loaded;
    if (isEmptyDiff(diff)) {
      logger.debug('config file saved; no server changed');
      return;
    }
    logger.debug(`config file changed: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
    try {
      onChange(diff);
    } catch (error) {
      logger.error('applying the config file\'s change failed', error);
    }
  }

  function report(error: unknown): void {
    const problem = error instanceof BridgeError ? error : new BridgeError(ErrorCode.Internal, 'loading the config file failed unexpectedly', { cause: error });
    try {
      onError(problem);
    } catch (thrown) {
      logger.error('reporting a config file problem failed', thrown);
    }
  }

  function startWatcher(): void {
    try {
      watcher = watch(dir, { persistent: false }, (_event, file) => {
        // Some platforms give no name: then any event in the directory may be ours.
        if (file !== null && file !== name) return;
        evented = true;
        schedule();
      });
      watcher.on('error', (error) => {
        // The directory went away (or the platform gave up): the poll carries on, and watches again when it can.
        logger.debug(`config file watch stopped: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        watcher?.close();
        watcher = undefined;
      });
    } catch (error) {
      logger.debug(`config file directory cannot be watched: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      watcher = undefined;
    }
  }

  startWatcher();
  const poll =
    pollMs > 0
      ? setInterval(() => {
          if (watcher === undefined) startWatcher();
          if (timer === undefined) check();
        }, pollMs)
      : undefined;
  poll?.unref();
  if (options.current !== undefined) schedule(0);

  return {
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
      watcher = undefined;
    },
  };
}

function rethrow(error: unknown): never {
  throw error;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
