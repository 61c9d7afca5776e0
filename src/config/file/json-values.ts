/**
 * Reading typed values out of parsed JSON, each refusal naming the place and the type wanted (never the value
 * found: it may be a secret). Strings come back with their variables expanded.
 */
import { isAbsolute, resolve } from 'node:path';
import { expandAt, type Variables } from './expand.js';
import { fileProblem, type Place } from './problem.js';

/** What the readers need: the environment and inputs to expand from, and the directory relative paths start from. */
export interface ReadContext extends Variables {
  /** The configuration file's directory. */
  dir: string;
}

/** The JSON type of `value` as a user would name it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

/** Whether `value` is a JSON object (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Refuses `value` at `place`: it should be `wanted` (e.g. `text`, `true or false`). */
export function wrongType(place: Place, value: unknown, wanted: string, example?: string): Error {
  return fileProblem(place, `should be ${wanted}, not ${jsonType(value)}`, example === undefined ? undefined : `for example ${example}`);
}

/** A string, variables expanded. */
export function readText(value: unknown, place: Place, ctx: ReadContext, example?: string): string {
  if (typeof value !== 'string') throw wrongType(place, value, 'text', example);
  return expandAt(value, ctx, place);
}

/**
 * A file path, variables expanded; a relative one is taken from the configuration file's directory (the client starts
 * the bridge in a directory of its own choosing). A PEM given in place of a path is left as it is, for the validator
 * to refuse without quoting it.
 */
export function readPath(value: unknown, place: Place, ctx: ReadContext, example?: string): string {
  const text = readText(value, place, ctx, example);
  return text === '' || isAbsolute(text) || text.includes('-----BEGIN') ? text : resolve(ctx.dir, text);
}

/** A boolean. */
export function readFlag(value: unknown, place: Place): boolean {
  if (typeof value !== 'boolean') throw wrongType(place, value, 'true or false', `"${place.key}": true`);
  return value;
}

/** A list of strings, variables expanded in each. */
export function readTextList(value: unknown, place: Place, ctx: ReadContext, example?: string): string[] {
  if (!Array.isArray(value)) throw wrongType(place, value, 'a list of text', example);
  return value.map((item, i) => readText(item, { ...place, key: `${place.key}[${i}]` }, ctx, example));
}

/** An object of strings, variables expanded in each value (names stay as written). */
export function readTextRecord(value: unknown, place: Place, ctx: ReadContext, example?: string): Record<string, string> {
  if (!isObject(value)) throw wrongType(place, value, 'an object of names and text values', example);
  const out: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) out[name] = readText(item, { ...place, key: `${place.key}.${name}` }, ctx, example);
  return out;
}
