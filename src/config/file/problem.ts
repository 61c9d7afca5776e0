/**
 * Errors about a configuration file, each naming the file, the server and the key, and saying the fix. Messages
 * never quote a value from the file or the environment (a value may be a secret); they name where it is.
 */
import { BridgeError, ErrorCode } from '../../errors.js';

/** Where in the file a problem is: the server entry and the key inside it (`headers.Authorization`, `tools.allow[2]`). */
export interface Place {
  path: string;
  server?: string | undefined;
  key?: string | undefined;
}

/** `config.json: server "github", key "client-id"` — the prefix of every message about the file. */
export function describePlace(place: Place): string {
  const parts = [place.path];
  if (place.server !== undefined) parts.push(`server "${place.server}"`);
  if (place.key !== undefined) parts.push(`key "${place.key}"`);
  return parts.join(', ');
}

/** A `CONFIG` error at `place`: `<file>, server "<name>", key "<key>": <what>`, with the fix as hint. */
export function fileProblem(place: Place, what: string, hint?: string, cause?: unknown): BridgeError {
  return new BridgeError(ErrorCode.Config, `${describePlace(place)}: ${what}`, { hint, cause });
}

/**
 * The validator's refusal of a remote entry, told with the file and server in front. The code and hint stay the
 * validator's; its error is the `cause`. The validator names options as the command line does (`--client-id`),
 * which is the entry's key without the dashes.
 */
export function entryRefused(place: Place, error: BridgeError): BridgeError {
  const hint = error.hint ?? 'the entry takes the command line\'s options as keys, without the dashes (see docs/options.md)';
  return new BridgeError(error.code, `${describePlace(place)}: ${error.message}`, { hint, cause: error });
}
