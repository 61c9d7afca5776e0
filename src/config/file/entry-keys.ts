/**
 * The keys of one entry checked against the table (keys.ts) before anything is read: an unknown key is an error
 * naming it and, when close, the key meant; a process-wide option is an error saying where it goes; a key given in
 * both spellings (`client-id` and `clientId`) is an error. What comes out is the entry keyed by canonical names.
 */
import { closestKey } from './closest.js';
import { COMMON_KEYS, LOCAL_KEYS, PROCESS_KEYS, REMOTE_KEYS, REMOTE_OWN_KEYS, entryKeys, kebabOf } from './keys.js';
import { fileProblem, type Place } from './problem.js';

const PLAIN: ReadonlySet<string> = new Set<string>([...REMOTE_OWN_KEYS, ...LOCAL_KEYS, ...COMMON_KEYS]);

/** The canonical name of `key` (`clientId` → `client-id`), or undefined when the entry cannot have it. */
export function canonicalKey(key: string): string | undefined {
  if (PLAIN.has(key) || REMOTE_KEYS[key] !== undefined) return key;
  const kebab = kebabOf(key);
  return REMOTE_KEYS[kebab] !== undefined ? kebab : undefined;
}

/** A value as given, with the key as the user spelled it (for messages). */
export interface Given {
  value: unknown;
  key: string;
}

/**
 * `entry` with canonical keys, in the file's order.
 * @throws BridgeError `CONFIG` for an unknown, process-wide or doubled key
 */
export function canonicalEntry(entry: Record<string, unknown>, place: Place): Map<string, Given> {
  const out = new Map<string, Given>();
  const spelled = new Map<string, string>();
  for (const [key, value] of Object.entries(entry)) {
    const at = { ...place, key };
    const stripped = key.replace(/^-+/, '');
    if (PROCESS_KEYS.has(stripped) || PROCESS_KEYS.has(kebabOf(stripped))) {
      throw fileProblem(at, 'is an option of the whole bridge, not of one server', `give --${kebabOf(stripped)} on the command line next to --config`);
    }
    const canonical = canonicalKey(key);
    if (canonical === undefined) {
      const meant = stripped !== key && canonicalKey(stripped) !== undefined ? stripped : closestKey(key, entryKeys());
      throw fileProblem(at, 'is not a key a server entry can have', meant === undefined ? 'see docs/options.md for the keys an entry takes' : `did you mean "${meant}"?`);
    }
    const earlier = spelled.get(canonical);
    if (earlier !== undefined) throw fileProblem(at, `gives the same option as key "${earlier}"`, `keep one of "${earlier}" and "${key}"`);
    spelled.set(canonical, key);
    out.set(canonical, { value, key });
  }
  return out;
}
