/**
 * `${VAR}` and `${VAR:-default}` in every string of an entry, expanded from the environment by the one expander
 * (headers.ts); an unset variable without default is an error naming the server, the key and the variable.
 */
import { expandVariables } from '../headers.js';
import { describePlace, type Place } from './problem.js';
import { BridgeError, ErrorCode } from '../../errors.js';

/** Expands the variables in `text`, found at `place`. */
export function expandAt(text: string, env: NodeJS.ProcessEnv, place: Place): string {
  try {
    return expandVariables(text, env, { origin: describePlace(place) });
  } catch (error) {
    // The expander's usage error, re-coded: the file is what is wrong.
    if (error instanceof BridgeError) throw new BridgeError(ErrorCode.Config, error.message, { hint: hintFor(place), cause: error });
    throw error;
  }
}

function hintFor(place: Place): string {
  return `set the variable in the environment the bridge starts with (in a client config, its "env" block), or give a default as \${NAME:-value} in key "${place.key ?? ''}"`;
}
