/**
 * `mcp-auth-bridge status --config <file> [--server <name>]... [--json]`: the stored logins of every server of the
 * file, grouped by the server's name, as `status <url>` lists them (every login stored for the server's URL; never
 * a secret, the metadata files only). Servers the bridge does not log in for say why; disabled entries are listed.
 */
import { selectLogins } from '../../auth/stored-logins.js';
import type { Logger } from '../../log.js';
import type { LoginMetadata } from '../../store/index.js';
import { ExitCode } from '../exit-codes.js';
import { statusRow, statusText, type StatusRow } from '../run-store-commands.js';
import { noLoginReason, type ServersFile } from './servers-file.js';

/** Options for {@link runStatusFile}. */
export interface StatusFileOptions {
  file: ServersFile;
  /** `--config-dir`: where the logins are. */
  configDir: string | undefined;
  json: boolean;
  logger: Logger;
  out: { write(text: string): unknown };
  now: () => number;
}

/** One server of the file in `status --config --json`. */
export interface ServerStatus {
  name: string;
  kind: 'remote' | 'local' | 'disabled';
  /** A remote server's URL. */
  url?: string;
  /** The logins stored for it, newest first. */
  logins: StatusRow[];
  /** Why the bridge keeps no login for it (a local server, an Authorization header, `"auth": "none"`, disabled). */
  noLogin?: string;
}

/** Runs `status --config`; see the module comment. */
export async function runStatusFile(o: StatusFileOptions): Promise<ExitCode> {
  const { openFileStore } = await import('../../store/index.js');
  const store = await openFileStore({ ...(o.configDir ? { configDir: o.configDir } : {}), logger: o.logger });
  const { logins, unreadable } = await store.list();
  const now = o.now();
  const found: Array<{ status: ServerStatus; metadata: LoginMetadata[] }> = o.file.servers.map((server) => {
    const reason = noLoginReason(server);
    if (server.kind === 'local') return { status: { name: server.name, kind: 'local', logins: [], noLogin: reason! }, metadata: [] };
    const url = server.config.url.href;
    // Every login for the server, by the rule `status <url>` lists them with (stored-logins.ts), newest first.
    const mine = selectLogins(logins, { serverUrl: url }).map((l) => l.metadata);
    const status: ServerStatus = { name: server.name, kind: 'remote', url, logins: mine.map((m) => statusRow(m, now)), ...(reason ? { noLogin: reason } : {}) };
    return { status, metadata: mine };
  });
  for (const name of o.file.disabled) found.push({ status: { name, kind: 'disabled', logins: [], noLogin: 'disabled in the file' }, metadata: [] });

  if (o.json) {
    const servers = found.map((f) => f.status);
    o.out.write(`${JSON.stringify({ file: o.file.loaded.path, servers, unreadable: unreadable.map((u) => ({ path: u.path, reason: u.reason })) }, null, 2)}\n`);
    return ExitCode.Ok;
  }
  for (const { status, metadata } of found) {
    o.out.write(`${status.name}${status.url ? `  ${status.url}` : ''}\n`);
    if (status.noLogin && metadata.length === 0) o.out.write(`  no login: ${status.noLogin}\n`);
    else if (metadata.length === 0) o.out.write(`  no stored login: mcp-auth-bridge login --config ${o.file.loaded.path} --server ${status.name}\n`);
    for (const m of metadata) o.out.write(statusText(m, now, '  '));
  }
  for (const u of unreadable) o.out.write(`unreadable record ${u.path}: ${u.reason} (treated as absent; delete it or run logout --all)\n`);
  return ExitCode.Ok;
}
