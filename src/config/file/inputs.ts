/** The top-level `inputs` list of VS Code's mcp.json: the values VS Code prompts for, by id (vscode-variables.ts). */
import { isObject, wrongType } from './json-values.js';
import { fileProblem } from './problem.js';
import { NO_INPUTS, type Inputs } from './vscode-variables.js';

/**
 * Reads the top-level `inputs` list: each item an object with a text `id` and, optionally, a text `description`;
 * its other keys (`type`, `password`, `default`, `options`) are VS Code's prompt's and are not used.
 * @throws BridgeError `CONFIG` naming the item
 */
export function readInputs(value: unknown, path: string): Inputs {
  if (value === undefined) return NO_INPUTS;
  if (!Array.isArray(value)) throw wrongType({ path, key: 'inputs' }, value, 'a list', '"inputs": [{ "id": "api-key", "type": "promptString", "password": true }]');
  const inputs = new Map<string, string | undefined>();
  value.forEach((item, i) => {
    const at = { path, key: `inputs[${i}]` };
    if (!isObject(item)) throw wrongType(at, item, 'an object', '{ "id": "api-key", "type": "promptString" }');
    if (item.id === undefined || item.id === '') throw fileProblem(at, 'has no "id"', 'give each input the id that ${input:id} names, e.g. "id": "api-key"');
    if (typeof item.id !== 'string') throw wrongType({ ...at, key: `${at.key}.id` }, item.id, 'text', '"id": "api-key"');
    if (item.description !== undefined && typeof item.description !== 'string') throw wrongType({ ...at, key: `${at.key}.description` }, item.description, 'text');
    inputs.set(item.id, item.description);
  });
  return inputs;
}

