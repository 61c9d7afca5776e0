/**
 * Parsers for option values that people type: durations, sizes, yes/no variables and words from a list. Each
 * throws a usage {@link BridgeError} that names the option and shows a value that would work.
 */
import { BridgeError, ErrorCode } from '../errors.js';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/i;
const DURATION_UNIT: Record<string, number> = { ms: 1, s: 1_000, sec: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses `500ms`, `30s`, `2m`, `1h` or a plain number of seconds into milliseconds; `0` means disabled.
 * @param option the option's name, for the error message
 */
export function parseDuration(option: string, value: string | number): number {
  const text = String(value);
  const m = DURATION.exec(text.trim());
  if (!m) {
    throw new BridgeError(ErrorCode.Usage, `${option}: "${text}" is not a duration`, {
      hint: 'use a number of seconds or a value such as 500ms, 30s, 2m; 0 disables the limit',
    });
  }
  const ms = Math.round(Number(m[1]) * DURATION_UNIT[(m[2] ?? 's').toLowerCase()]!);
  if (ms > 24 * 3_600_000) {
    throw new BridgeError(ErrorCode.Usage, `${option}: ${text} is longer than a day`, { hint: 'use 0 to disable the limit' });
  }
  return ms;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const SIZE_UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Parses `65536`, `64kb`, `16mb` (binary multiples) into bytes, between 1 KiB and 1 GiB.
 * @param option the option's name, for the error message
 */
export function parseSize(option: string, value: string | number): number {
  const text = String(value);
  const m = SIZE.exec(text.trim());
  if (!m) {
    throw new BridgeError(ErrorCode.Usage, `${option}: "${text}" is not a size`, { hint: 'use bytes or a value such as 64kb, 16mb' });
  }
  const bytes = Math.floor(Number(m[1]) * SIZE_UNIT[(m[2] ?? 'b')[0]!.toLowerCase()]!);
  if (bytes < 1024 || bytes > 1024 ** 3) {
    throw new BridgeError(ErrorCode.Usage, `${option}: ${text} is out of range`, { hint: 'use a size from 1kb to 1gb' });
  }
  return bytes;
}

/** Parses a boolean environment variable: 1/true/yes/on or 0/false/no/off (empty means false). */
export function parseEnvFlag(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const v = text.trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  throw new BridgeError(ErrorCode.Usage, `${name}="${text}" is not a yes/no value`, { hint: `set ${name}=1 or ${name}=0` });
}

/**
 * Checks that `value` is one of `allowed` (commander checks the command line; a configuration entry is checked here).
 * @param option the option's name, for the error message
 */
export function choice<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new BridgeError(ErrorCode.Usage, `${option}: "${value}" is not one of ${allowed.join(', ')}`);
}
