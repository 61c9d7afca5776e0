/**
 * The command-line vocabulary of mcp-remote, the best-known peer, mapped to ours: one table that the argv advice
 * (argv-advice.ts) uses to name the exact replacement when a user pastes a peer's arguments, and that README.md's
 * "Coming from another bridge" section shows as rendered by {@link peerFlagsMarkdown} (a test keeps them equal).
 */

/** What to write instead of one peer flag, given its value when it takes one. */
export interface PeerReplacement {
  /** Our arguments, ready to paste (never containing a secret). */
  use: string;
  /** What else to know, in a few words. */
  note?: string;
}

/** One flag of the peer. */
export interface PeerFlag {
  /** The peer's spelling, e.g. `--enable-proxy`; `<port>` for its positional callback port. */
  flag: string;
  /** The peer flag takes a value (the next argument). */
  takesValue: boolean;
  /** Ours is spelled the same and means the same: no advice needed, it just works (except for {@link peerValues}). */
  same?: boolean;
  /** Values that only the peer accepts for a flag spelled like ours (they get the replacement). */
  peerValues?: readonly string[];
  /** The replacement for the README table (placeholders in angle brackets). */
  readme: string;
  /** The replacement for this use of the flag, from its value when it has one. */
  replace(value: string | undefined): PeerReplacement;
}

/** JSON given inline or as `@file` (the peer accepts both); the file is not read: the user is told what to copy. */
function inlineJson(value: string | undefined): Record<string, unknown> | undefined {
  if (!value || value.startsWith('@')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function quoteArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : JSON.stringify(value);
}

const TRANSPORTS: Record<string, PeerReplacement> = {
  'http-first': { use: '--transport auto', note: 'the default: Streamable HTTP, falling back to SSE on HTTP 400, 404 or 405' },
  'sse-first': { use: '--transport sse', note: 'there is no SSE-first order: use sse for an SSE-only server, else leave the default (auto)' },
  'http-only': { use: '--transport streamable-http' },
  'sse-only': { use: '--transport sse' },
};

/** mcp-remote's flags (its README and argument parser), each with ours. */
export const PEER_FLAGS: readonly PeerFlag[] = [
  { flag: '--header', takesValue: true, same: true, readme: '`--header "Name: value"` (also `Name:${VAR}`, `--header-file`, `MCP_HEADERS`)', replace: (v) => ({ use: `--header ${quoteArg(v ?? 'Name: value')}` }) },
  {
    flag: '--transport',
    takesValue: true,
    same: true,
    peerValues: Object.keys(TRANSPORTS),
    readme: '`--transport auto` (the default) for `http-first`; `--transport streamable-http` for `http-only`; `--transport sse` for `sse-only` or `sse-first`',
    replace: (v) => TRANSPORTS[v ?? ''] ?? { use: '--transport auto', note: 'ours are auto, streamable-http and sse' },
  },
  { flag: '<port>', takesValue: false, readme: '`--callback-port <port>`', replace: (v) => ({ use: `--callback-port ${v ?? '<port>'}` }) },
  {
    flag: '--host',
    takesValue: true,
    readme: '`--callback-host 127.0.0.1` or `localhost`',
    replace: (v) =>
      v === '127.0.0.1' || v === 'localhost'
        ? { use: `--callback-host ${v}` }
        : { use: '--callback-host 127.0.0.1', note: 'the login callback is only ever received on this machine: 127.0.0.1 or localhost' },
  },
  {
    flag: '--callback-path',
    takesValue: true,
    readme: '`--redirect-url http://127.0.0.1:<port><path>` (the whole redirect URI)',
    replace: (v) => ({ use: `--redirect-url http://127.0.0.1:<port>${v && v.startsWith('/') ? v : '/callback'}`, note: 'give the whole loopback redirect URI registered for your client' }),
  },
  { flag: '--allow-http', takesValue: false, same: true, readme: '`--allow-http`', replace: () => ({ use: '--allow-http' }) },
  { flag: '--debug', takesValue: false, same: true, readme: '`--debug` (stderr, secrets redacted), `--log-file <path>`', replace: () => ({ use: '--debug' }) },
  { flag: '--silent', takesValue: false, same: true, readme: '`--silent`', replace: () => ({ use: '--silent' }) },
  { flag: '--enable-proxy', takesValue: false, readme: '`--use-env-proxy`', replace: () => ({ use: '--use-env-proxy', note: 'it reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY' }) },
  {
    flag: '--static-oauth-client-info',
    takesValue: true,
    readme: '`--client-id <client_id>` with the `client_secret` in the `OIDC_CLIENT_SECRET` variable (and `--redirect-url` for a fixed `redirect_uris` entry)',
    replace: (v) => {
      const info = inlineJson(v);
      const id = typeof info?.client_id === 'string' ? info.client_id : '<its client_id>';
      const redirect = Array.isArray(info?.redirect_uris) && typeof info.redirect_uris[0] === 'string' ? ` --redirect-url ${quoteArg(info.redirect_uris[0])}` : '';
      const secret = info === undefined || typeof info.client_secret === 'string';
      return {
        use: `--client-id ${quoteArg(id)}${redirect}`,
        ...(secret ? { note: 'and put the client_secret in the OIDC_CLIENT_SECRET environment variable (the env block of your client config), never in args' } : {}),
      };
    },
  },
  {
    flag: '--static-oauth-client-metadata',
    takesValue: true,
    readme: '`--scopes "<scope>"` for its `scope`; for the rest of the metadata, host a client ID metadata document and pass `--client-metadata-url`',
    replace: (v) => {
      const scope = inlineJson(v)?.scope;
      return {
        use: `--scopes ${quoteArg(typeof scope === 'string' ? scope : '<its scope>')}`,
        note: 'other client metadata has no flag: host a client ID metadata document and pass --client-metadata-url',
      };
    },
  },
  { flag: '--resource', takesValue: true, same: true, readme: '`--resource <uri>`', replace: (v) => ({ use: `--resource ${quoteArg(v ?? '<uri>')}` }) },
  { flag: '--disable-resource-parameter', takesValue: false, readme: '`--no-resource`', replace: () => ({ use: '--no-resource' }) },
  {
    flag: '--ignore-tool',
    takesValue: true,
    readme: 'no equivalent: every tool passes unchanged; turn tools off in your client',
    replace: () => ({ use: '(nothing)', note: 'the bridge forwards every tool unchanged; turn tools off in your client instead' }),
  },
  { flag: '--auth-timeout', takesValue: true, same: true, readme: '`--auth-timeout <seconds>` (also `2m`; default 300 s)', replace: (v) => ({ use: `--auth-timeout ${v ?? '<seconds>'}` }) },
];

/** The flag named `name` (e.g. `--enable-proxy`), if the peer has it. */
export function peerFlag(name: string): PeerFlag | undefined {
  return PEER_FLAGS.find((f) => f.flag === name);
}

/** The README's mapping table, rendered from {@link PEER_FLAGS} (plus the peer's config-directory variable). */
export function peerFlagsMarkdown(): string {
  const rows = PEER_FLAGS.map((f) => {
    const theirs = f.flag === '<port>' ? '`npx mcp-remote <url> <port>`' : `\`${f.flag}${f.takesValue ? ' …' : ''}\``;
    return `| ${theirs} | ${f.readme} |`;
  });
  rows.push('| `MCP_REMOTE_CONFIG_DIR` | `--config-dir` / `MCP_AUTH_BRIDGE_CONFIG_DIR` |');
  return ['| mcp-remote | mcp-auth-bridge |', '| --- | --- |', ...rows].join('\n');
}
