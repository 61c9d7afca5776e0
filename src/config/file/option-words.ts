/**
 * The validator's words in the entry's: the validator names options as the command line does (`--client-id`,
 * `--no-browser`), and a refusal of a configuration entry should name the key the user wrote in the file
 * (`"clientId"`, `"browser": false`). The command line's wording stays as it is; this rewrites the option names in a
 * refusal's message and hint, and finds the key a refusal is about. Only names of the entry's options are rewritten.
 */
import { REMOTE_KEYS, type KeyKind } from './keys.js';

/** The keys of one entry as the user wrote them, by canonical name (`client-id` → `clientId`). */
export type Spelling = ReadonlyMap<string, string>;

/** `--name` or `--no-name`, where the name may be an option of an entry. */
const OPTION = /--(no-)?([a-z][a-z0-9]*(?:-[a-z0-9]+)*)/g;
/** A refusal about one option starts with its name and a colon: `--connect-timeout: "soon" is not a duration`. */
const LEADING = /^--([a-z][a-z0-9]*(?:-[a-z0-9]+)*): /;

/** The key of the option `name` (canonical) as this entry writes it, or would: the user's spelling, or their style. */
export function keyFor(name: string, spelling: Spelling): string {
  const written = spelling.get(name);
  if (written !== undefined) return written;
  const camel = [...spelling].some(([canonical, key]) => canonical.includes('-') && key !== canonical);
  return camel ? name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : name;
}

/** `text` with each entry option the command line's way (`--device-code`) written as a key (`"device-code": true`). */
export function optionsAsKeys(text: string, spelling: Spelling): string {
  return text.replace(OPTION, (match, no: string | undefined, name: string) => {
    const kind: KeyKind | undefined = name === 'header' ? 'text' : REMOTE_KEYS[name]?.kind;
    if (kind === undefined || (no !== undefined && kind !== 'text-or-false')) return match;
    const key = `"${keyFor(name === 'header' ? 'headers' : name, spelling)}"`;
    if (no !== undefined) return `${key}: false`;
    return kind === 'flag' ? `${key}: true` : key;
  });
}

/** A refusal's message split into the key it is about (when it starts with an entry option's name) and the rest. */
export function leadingKey(message: string, spelling: Spelling): { key: string | undefined; rest: string } {
  const match = LEADING.exec(message);
  const name = match?.[1];
  if (match === null || name === undefined || (REMOTE_KEYS[name] === undefined && name !== 'header')) return { key: undefined, rest: message };
  return { key: keyFor(name === 'header' ? 'headers' : name, spelling), rest: message.slice(match[0].length) };
}
