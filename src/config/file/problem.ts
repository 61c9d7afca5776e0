/**
 * Errors about a configuration file, each naming the file, the server and the key, and saying the fix. Messages
 * never quote a value from the file or the environment (a value may be a secret); they name where it is.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import { leadingKey, optionsAsKeys, type Spelling } from './option-words.js';

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
 * The validator's refusal of a remote entry, told with the file, the server and the key in front, in the entry's
 * words: the validator names options as the command line does (`--client-id: …`), which here become the keys as the
 * user wrote them (`key "clientId": …`). The code stays the validator's; its error, as it was, is the `cause`.
 * @param spelling the entry's keys as written, by canonical name
 */
export function entryRefused(place: Place, error: BridgeError, spelling: Spelling): BridgeError {
  const { key, rest } = leadingKey(error.message, spelling);
  const at = key === undefined ? place : { ...place, key };
  const hint = error.hint === undefined ? undefined : optionsAsKeys(error.hint, spelling);
  return new BridgeError(error.code, `${describePlace(at)}: ${optionsAsKeys(rest, spelling)}`, { hint, cause: error });
}
