/**
 * `mcp-auth-bridge status` and `logout`: what is stored, and removing it. Listing reads only the metadata files
 * (never the keychain, never a secret); removing goes through the store so keychain entries go too.
 */
import { describeRememberedEra, rememberedEra } from './era-report.js';
import { matchesLogin } from '../auth/stored-logins.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { ListedLogin, LoginMetadata } from '../store/index.js';
import { ExitCode } from './exit-codes.js';
import { describeClientSource, describeExpiry } from './run-login.js';
import { parseServerUrl } from '../config/url.js';

/** Options shared by `status` and `logout`. */
export interface StoreCommandRun {
  url: string | undefined;
  tokenStore: 'auto' | 'keychain' | 'file';
  configDir: string | undefined;
  logger: Logger;
  out?: { write(text: string): unknown };
  now?: () => number;
}

function serverFilter(url: string | undefined): ((l: ListedLogin) => boolean) | undefined {
  if (url === undefined) return undefined;
  const href = parseServerUrl(url, true).href;
  // Every login for the server, by the same rule the bridge selects with (stored-logins.ts).
  return (l) => matchesLogin(l.metadata, { serverUrl: href });
}

/** A status row as printed with `--json`. */
export interface StatusRow {
  server: string;
  issuer: string;
  clientId: string;
  clientIdSource: string;
  scopes: string[];
  store: string;
  expiresAt: string | null;
  expired: boolean;
  refreshToken: boolean;
  obtainedAt: string;
}

/** The status row of a stored login (never a secret). */
export function statusRow(m: LoginMetadata, now: number): StatusRow {
  return {
    server: m.serverUrl,
    issuer: m.issuer,
    clientId: m.clientId,
    clientIdSource: m.clientIdSource,
    scopes: m.scopes,
    store: m.store,
    expiresAt: m.expiresAt === undefined ? null : new Date(m.expiresAt).toISOString(),
    expired: m.expiresAt !== undefined && m.expiresAt <= now,
    refreshToken: m.hasRefreshToken,
    obtainedAt: new Date(m.obtainedAt).toISOString(),
  };
}

/** A stored login as `status` prints it: the server, then one line per field; every line starts with `indent`. */
export function statusText(m: LoginMetadata, now: number, indent = ''): string {
  const row = statusRow(m, now);
  return (
    `${indent}${row.server}\n` +
    `${indent}  issuer:   ${row.issuer}\n` +
    `${indent}  client:   ${row.clientId} (${describeClientSource(row.clientIdSource)})\n` +
    `${indent}  scopes:   ${row.scopes.join(' ') || '(none)'}\n` +
    `${indent}  store:    ${row.store === 'keychain' ? 'OS keychain' : 'files (0600)'}\n` +
    `${indent}  access:   ${describeExpiry(m.expiresAt, now)}\n` +
    `${indent}  refresh:  ${row.refreshToken ? 'yes' : 'no'}\n`
  );
}

/** Runs `status`. */
export async function runStatusCommand(o: StoreCommandRun & { json: boolean }): Promise<ExitCode> {
  const { openFileStore } = await import('../store/index.js');
  const store = await openFileStore({ ...(o.configDir ? { configDir: o.configDir } : {}), logger: o.logger });
  const { logins, unreadable } = await store.list();
  const filter = serverFilter(o.url);
  const now = (o.now ?? Date.now)();
  const selected = filter ? logins.filter(filter) : logins;
  const out = o.out ?? process.stdout;
  const rows: StatusRow[] = selected.map(({ metadata }) => statusRow(metadata, now));
  const serverUrl = o.url === undefined ? undefined : parsedUrl(o.url);
  const era = serverUrl ? await rememberedEra(store.configDir, serverUrl).catch(() => undefined) : undefined;
  if (o.json) {
    const protocol = era ? { protocol: era } : {};
    out.write(`${JSON.stringify({ logins: rows, unreadable: unreadable.map((u) => ({ path: u.path, reason: u.reason })), ...protocol }, null, 2)}\n`);
    return ExitCode.Ok;
  }
  if (era) out.write(`protocol: ${describeRememberedEra(era)}\n`);
  if (rows.length === 0) {
    out.write(o.url ? `No stored login for ${o.url}.\n` : `No stored logins (in ${store.configDir}).\n`);
  }
  for (const { metadata } of selected) out.write(statusText(metadata, now));
  for (const u of unreadable) out.write(`unreadable record ${u.path}: ${u.reason} (treated as absent; delete it or run logout --all)\n`);
  return ExitCode.Ok;
}

/** `url` as a URL, or undefined when it is not one (the era record is keyed by the parsed URL). */
function parsedUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Runs `logout`. */
export async function runLogoutCommand(o: StoreCommandRun & { all: boolean }): Promise<ExitCode> {
  if (!o.all && o.url === undefined) {
    throw new BridgeError(ErrorCode.Usage, 'logout: name the server, or pass --all', { hint: 'mcp-auth-bridge logout https://mcp.example.com/mcp' });
  }
  if (o.all && o.url !== undefined) {
    throw new BridgeError(ErrorCode.Usage, 'logout: give a server or --all, not both');
  }
  const { openCredentialStore } = await import('../store/index.js');
  const store = await openCredentialStore({ mode: o.tokenStore, ...(o.configDir ? { configDir: o.configDir } : {}), logger: o.logger });
  const out = o.out ?? process.stdout;
  if (o.all) {
    const removed = await store.deleteAll();
    out.write(`Removed ${removed.logins} login(s) and ${removed.registrations} client registration(s).\n`);
    return ExitCode.Ok;
  }
  const { logins } = await store.list();
  const mine = logins.filter(serverFilter(o.url)!);
  for (const l of mine) await store.deleteTokens(l.key);
  out.write(mine.length ? `Removed ${mine.length} login(s) for ${o.url}.\n` : `No stored login for ${o.url}.\n`);
  return ExitCode.Ok;
}
