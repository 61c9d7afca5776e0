/**
 * The one provider setup of the tests: a provider fixture and a protected MCP server trusting it, closed after the
 * test. The provider accepts any resource indicator unless `provider.resource` says otherwise, so it can start first.
 */
import { closeAfterTest, type TeardownMode } from '../cleanup.js';
import { startOidcProvider, type OidcProvider, type OidcProviderOptions } from './provider.js';
import {
  startProtectedMcpServer,
  type ProtectedMcpServer,
  type ProtectedMcpServerOptions,
} from './protected-mcp-server.js';

/** Options for {@link startAuthStack}. */
export interface AuthStackOptions {
  provider?: OidcProviderOptions;
  /** Server options; `issuer` and `jwksUri` default to the provider's. */
  server?: Partial<ProtectedMcpServerOptions>;
  /**
   * When to close the pair: `test` (default) registers `close()` with the teardown of the current test (or file,
   * under `useTeardown('all')`); `manual` leaves it to the caller (a stack shared by a file's tests in `beforeAll`).
   */
  teardown?: TeardownMode;
}

/** A provider and a protected MCP server; `close()` stops both (server first; again is a no-op). */
export interface AuthStack {
  provider: OidcProvider;
  server: ProtectedMcpServer;
  close(): Promise<void>;
}

/** Starts {@link startOidcProvider} then {@link startProtectedMcpServer} wired to it; see {@link AuthStackOptions.teardown}. */
export async function startAuthStack(options: AuthStackOptions = {}): Promise<AuthStack> {
  const provider = await startOidcProvider({ ...options.provider, teardown: 'manual' });
  let server: ProtectedMcpServer;
  try {
    server = await startProtectedMcpServer({ issuer: provider.issuer, jwksUri: provider.jwksUri, ...options.server, teardown: 'manual' });
  } catch (error) {
    await provider.close();
    throw error;
  }
  const close = closeAfterTest(async () => {
    await server.close();
    await provider.close();
  }, options.teardown);
  return { provider, server, close };
}
