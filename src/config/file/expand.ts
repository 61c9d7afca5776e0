/**
 * `${VAR}` and `${VAR:-default}` in every string of an entry, expanded from the environment by the one expander
 * (headers.ts); an unset variable without default is an error naming the server, the key and the variable. VS Code's
 * `${env:VAR}` and `${input:id}` are written in those terms first (vscode-variables.ts).
 */
import { expandVariables } from '../headers.js';
import { describePlace, type Place } from './problem.js';
import { translateVsCodeVariables, type Inputs } from './vscode-variables.js';
import { BridgeError, ErrorCode } from '../../errors.js';

/** Where variables take their values: the environment, and the inputs the file declares. */
export interface Variables {
  env: NodeJS.ProcessEnv;
  inputs: Inputs;
}

/**
 * `text` with VS Code's variables written as `${VAR}`, not expanded: for a value that the validator expands itself.
 * @throws BridgeError `CONFIG` as {@link translateVsCodeVariables}
 */
export function withPlainVariables(text: string, vars: Variables, place: Place): string {
  return translateVsCodeVariables(text, vars.env, vars.inputs, place);
}

/** Expands the variables in `text`, found at `place`. */
export function expandAt(text: string, vars: Variables, place: Place): string {
  const plain = withPlainVariables(text, vars, place);
  try {
    return expandVariables(plain, vars.env, { origin: describePlace(place) });
  } catch (error) {
    // The expander's usage error, re-coded: the file is what is wrong.
    if (error instanceof BridgeError) throw new BridgeError(ErrorCode.Config, error.message, { hint: hintFor(place), cause: error });
    throw error;
  }
}

function hintFor(place: Place): string {
  return `set the variable in the environment the bridge starts with (in a client config, its "env" block), or give a default as \${NAME:-value} in key "${place.key ?? ''}"`;
}
