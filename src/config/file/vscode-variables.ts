/**
 * VS Code's variables in a configuration file (its mcp.json): `${env:NAME}` is an environment variable, the same as
 * `${NAME}`; `${input:id}` is a value VS Code prompts for, declared in the file's top-level `inputs` list. The
 * bridge cannot prompt (its stdio carries the protocol), so an input's value comes from the environment variable
 * `MCP_INPUT_<ID>` (the id upper-cased, every other character than a letter or digit made `_`), and an input without
 * it is an error naming the input, its description and the variable to set. The `inputs` list is read by inputs.ts.
 */
import { fileProblem, type Place } from './problem.js';

/** The inputs a file declares: id → description (VS Code shows it in the prompt). */
export type Inputs = ReadonlyMap<string, string | undefined>;

/** No inputs declared. */
export const NO_INPUTS: Inputs = new Map();

/** The environment variable that gives the value of the input `id`: `github-token` → `MCP_INPUT_GITHUB_TOKEN`. */
export function inputVariable(id: string): string {
  return `MCP_INPUT_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const VSCODE_VARIABLE = /\$\{(env|input):([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `text` with VS Code's `${env:NAME}` written `${NAME}`, and `${input:id}` written `${MCP_INPUT_<ID>}`, for the one
 * expander (which then expands them in the same single pass as the others).
 * @throws BridgeError `CONFIG` at `place` for an input whose variable is not set, or an `${env:…}` that is not a name
 */
export function translateVsCodeVariables(text: string, env: NodeJS.ProcessEnv, inputs: Inputs, place: Place): string {
  return text.replace(VSCODE_VARIABLE, (_match, kind: string, name: string) => {
    if (kind === 'env') {
      if (NAME.test(name)) return `\${${name}}`;
      const fallback = /^([A-Za-z_][A-Za-z0-9_]*):-/.exec(name);
      throw fileProblem(
        place,
        fallback ? `\${env:${fallback[1]}:-…}: VS Code's \${env:…} takes no default` : 'has an ${env:…} that does not name an environment variable',
        fallback ? `write \${${fallback[1]}:-default} for a variable with a default` : 'write ${env:NAME}, with NAME made of letters, digits and "_"',
      );
    }
    const variable = inputVariable(name);
    if (env[variable] !== undefined) return `\${${variable}}`;
    const description = inputs.get(name);
    const declared = inputs.has(name) ? '' : ', and "inputs" does not declare it';
    throw fileProblem(
      place,
      `asks for input "${name}"${description ? ` ("${description}")` : ''}${declared}: the bridge cannot prompt for it`,
      `set ${variable} in the environment the bridge starts with (in a client config, its "env" block)`,
    );
  });
}
