/**
 * The usual pair in one call: a provider fixture and a protected MCP server trusting it. The provider accepts any
 * resource indicator unless `provider.resource` says otherwise, so it can start first.
 */
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
}

/** A provider and a protected MCP server; `close()` stops both (server first). */
export interface AuthStack {
  provider: OidcProvider;
  server: ProtectedMcpServer;
  close(): Promise<void>;
}

/** Starts {@link startOidcProvider} then {@link startProtectedMcpServer} wired to it. */
export async function startAuthStack(options: AuthStackOptions = {}): Promise<AuthStack> {
  const provider = await startOidcProvider(options.provider);
  let server: ProtectedMcpServer;
  try {
    server = await startProtectedMcpServer({ issuer: provider.issuer, jwksUri: provider.jwksUri, ...options.server });
  } catch (error) {
    await provider.close();
    throw error;
  }
  return {
    provider,
    server,
    async close() {
      await server.close();
      await provider.close();
    },
  };
}
