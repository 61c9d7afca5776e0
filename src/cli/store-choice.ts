/**
 * The credential store named for people, from the configuration alone: what the start-up line says without opening
 * the store (no keychain probe, nothing created), so a start that never needs a login costs nothing. The store
 * actually chosen is named again when it is opened (auth-wiring.ts and select-store.ts).
 */
import { homedir } from 'node:os';
import { resolveConfigDir } from '../store/paths.js';
import type { ServerAuth } from '../config/types.js';

function tilde(path: string): string {
  const home = homedir();
  return home && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}

/**
 * `credentials: OS keychain`, `credentials: files in ~/.config/mcp-auth-bridge`, or for `--token-store auto`
 * `credentials: OS keychain, else files in …`; `no login (…)` when the bridge never logs in.
 */
export function describeStoreChoice(auth: ServerAuth): string {
  if (auth.kind === 'static-header') return 'no login (static Authorization header)';
  if (auth.kind === 'none') return 'no login (authorization off)';
  const files = `files in ${tilde(resolveConfigDir(auth.configDir ? { configDir: auth.configDir } : {}))}`;
  if (auth.tokenStore === 'file') return `credentials: ${files}`;
  if (auth.tokenStore === 'keychain') return 'credentials: OS keychain';
  return `credentials: OS keychain, else ${files}`;
}
