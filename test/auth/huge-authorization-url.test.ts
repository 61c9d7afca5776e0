// A huge authorization URL: a hostile (or broken) server whose metadata makes the login URL far too long for a
// browser (1 MB: `spawn E2BIG`) once left initialize unanswered until the login timed out. Now the URL is refused at
// once with a clear error, like the other hostile URLs: nothing is started, nothing huge is printed.
import { describe, expect, it } from 'vitest';
import { authArgs, loginUrlsIn, tempDir } from '../helpers/auth-bridge.js';
import { fetchMetadata, startMetadataServer } from '../helpers/auth-metadata-server.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startOidcProvider, startProtectedMcpServer, type ProtectedMcpServerOptions } from '../helpers/oidc/index.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { browserCommand } from '../helpers/browser-command.js';

useTeardown();

/** Long enough that, before the fix, the bridge would still be waiting for the login (auth timeout 120 s). */
const ANSWER_WITHIN_MS = 30_000;

async function refusedAtOnce(options: {
  server: (issuer: string, origin: string | undefined) => ProtectedMcpServerOptions;
  hostileAs?: (real: Record<string, unknown>, origin: string) => Record<string, unknown>;
  publicClient?: boolean;
}) {
  const { server: serverOptions, hostileAs } = options;
  const p = await startOidcProvider();
  let origin: string | undefined;
  if (hostileAs) {
    const real = await fetchMetadata(p.authorizationServerMetadataUrl);
    origin = (await startMetadataServer((o) => hostileAs(real, o))).origin;
  }
  const server = await startProtectedMcpServer(serverOptions(p.issuer, origin));
  const dir = tempDir();
  const recorder = browserCommand(dir);
  const extra = options.publicClient ? ['--client-id', p.publicClient.clientId] : [];
  const raw = spawnBridgeRaw([...authArgs(dir, ['--auth-timeout', '120s', ...extra]), '--browser', recorder.command, server.url]);
  const end = await initializeOutcome(raw, ANSWER_WITHIN_MS);
  expect(end.kind, JSON.stringify(end).slice(0, 2000)).toBe('error');
  const message = end.kind === 'error' ? end.message : '';
  expect(message.length).toBeLessThan(2_000);
  expect(recorder.urls(), 'a huge URL was handed to the browser command').toEqual([]);
  expect(loginUrlsIn(raw.stderr())).toEqual([]);
  expect(raw.stderr().length, 'the huge URL was printed').toBeLessThan(20_000);
  expect(raw.exitStatus()).toBeUndefined();
  return { message, provider: p };
}

describe('a huge authorization URL', () => {
  it('a 1 MB authorization_endpoint in the metadata: initialize is answered at once with a clear error', async () => {
    const { message } = await refusedAtOnce({
      server: (issuer, origin) => ({ issuer, metadata: { authorizationServers: [origin!] } }),
      hostileAs: (real, origin) => ({ ...real, issuer: origin, authorization_endpoint: `${origin}/auth?pad=${'a'.repeat(1_000_000)}` }),
    });
    expect(message).toMatch(/refused the server's authorization_endpoint: it is 10\d{5} characters long, over the 16384/);
  });

  it('advertised scopes that make the URL 60 KB: refused before any browser starts, naming the authorization URL', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `scope:${String(i).padStart(12, '0')}`);
    const { message, provider } = await refusedAtOnce({
      server: (issuer) => ({ issuer, scopesSupported: many, challenge: { scope: false } }),
      publicClient: true,
    });
    expect(provider.counters.authorizationRequests).toBe(0);
    expect(message).toMatch(/refused the authorization URL: it is \d+ characters long, over the 16384 a browser can be handed/);
  });
});
