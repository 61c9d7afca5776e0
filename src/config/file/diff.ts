/**
 * What changed between two loads of the configuration file, server by server, so that a running bridge can start
 * the servers added, stop the ones removed, restart the ones changed and leave the others' sessions alone. Pure.
 */
import { KeyObject } from 'node:crypto';
import type { LoadedConfig, LoadedServer } from './types.js';

/** The difference between the configuration in force and the file as it is now. */
export interface ConfigDiff {
  /** The configuration as loaded now: the one in force once the change is applied. */
  config: LoadedConfig;
  /** Servers that are new (a renamed server is removed under its old name and added under its new one). */
  added: LoadedServer[];
  /** Names of servers that are gone, or that became `disabled`. */
  removed: string[];
  /** Servers whose entry changed in any way (url, auth, headers, env, filter, kind...), as they are now. */
  changed: LoadedServer[];
  /** Names of servers whose entry is the same. */
  unchanged: string[];
  /** Whether the separator changed: every tool and prompt name of every server changes with it. */
  separatorChanged: boolean;
  /** Whether the `"serve"` section changed (inbound auth, users' access): `serve` applies it, the stdio forms ignore it. */
  serveChanged: boolean;
}

/** Compares two loaded configurations server by server; entries are compared deeply (filters, env and headers too). */
export function diffConfigs(before: LoadedConfig, after: LoadedConfig): ConfigDiff {
  const old = new Map(before.servers.map((server) => [server.name, server]));
  const now = new Set(after.servers.map((server) => server.name));
  const diff: ConfigDiff = { config: after, added: [], removed: [], changed: [], unchanged: [], separatorChanged: before.separator !== after.separator, serveChanged: !sameValue(before.serve, after.serve) };
  for (const server of after.servers) {
    const previous = old.get(server.name);
    if (previous === undefined) diff.added.push(server);
    else if (sameValue(previous, server)) diff.unchanged.push(server.name);
    else diff.changed.push(server);
  }
  for (const server of before.servers) if (!now.has(server.name)) diff.removed.push(server.name);
  return diff;
}

/** Whether the diff asks for anything to be done. */
export function isEmptyDiff(diff: ConfigDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0 && !diff.separatorChanged && !diff.serveChanged;
}

/**
 * Deep equality of loaded values: plain objects (a key set to undefined counts as absent), lists, maps (serve's
 * access rules) by their entries, URLs by their text, and key objects (a client's private key) by their contents.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof URL || b instanceof URL) return a instanceof URL && b instanceof URL && a.href === b.href;
  if (a instanceof KeyObject || b instanceof KeyObject) return a instanceof KeyObject && b instanceof KeyObject && a.equals(b);
  if (a instanceof Map || b instanceof Map) {
    return a instanceof Map && b instanceof Map && a.size === b.size && [...a].every(([key, value]) => b.has(key) && sameValue(value, b.get(key)));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
  const left = defined(a);
  const right = new Map(defined(b));
  return left.length === right.size && left.every(([key, value]) => right.has(key) && sameValue(value, right.get(key)));
}
