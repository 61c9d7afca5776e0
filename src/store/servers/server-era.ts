/**
 * The per-server record that is not a secret: which protocol era a server spoke when the bridge last connected
 * (MCP 2026-07-28, basic/versioning: a client MAY persist the era across restarts and re-probe when it fails). One
 * `<configDir>/servers/<sha256(url)>.json` per server URL (the URL itself is not kept: it may carry a key), a file whatever the credential store (there is nothing
 * secret in it), written like the other records: 0600 in a 0700 directory, atomically, never through a link.
 * Reading never fails the caller: an unreadable or unknown record reads as none.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ensurePrivateDir, readPrivateFile, removeFile, writeFileAtomic } from '../files/private-fs.js';

/** What the record holds. */
export interface ServerEraRecord {
  version: 1;
  /** The protocol revision that names the era, e.g. `2026-07-28`. */
  era: string;
  /** When it was detected (ISO 8601). */
  detectedAt: string;
}

const REVISION = /^\d{4}-\d{2}-\d{2}$/;

/** The record's path for `url` under `configDir`. */
export function serverEraPath(configDir: string, url: string): string {
  return join(configDir, 'servers', `${createHash('sha256').update(url, 'utf8').digest('hex')}.json`);
}

/** The record for `url`, or undefined (none, unreadable, or not a record of this version). */
export async function readServerEra(configDir: string, url: string): Promise<ServerEraRecord | undefined> {
  try {
    const text = await readPrivateFile(serverEraPath(configDir, url));
    if (text === undefined) return undefined;
    const value = JSON.parse(text) as Partial<ServerEraRecord>;
    if (value.version !== 1 || typeof value.era !== 'string' || !REVISION.test(value.era)) return undefined;
    return { version: 1, era: value.era, detectedAt: typeof value.detectedAt === 'string' ? value.detectedAt : '' };
  } catch {
    return undefined;
  }
}

/** Saves the era of `url` (0600 in 0700, atomic). */
export async function writeServerEra(configDir: string, url: string, era: string, now: Date): Promise<void> {
  const file = serverEraPath(configDir, url);
  await ensurePrivateDir(configDir, { root: true });
  await ensurePrivateDir(join(configDir, 'servers'));
  const record: ServerEraRecord = { version: 1, era, detectedAt: now.toISOString() };
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Forgets the era of `url`; resolves whether there was a record. */
export async function forgetServerEra(configDir: string, url: string): Promise<boolean> {
  return removeFile(serverEraPath(configDir, url));
}
