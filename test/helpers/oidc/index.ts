/**
 * OAuth / OpenID Connect fixtures for the auth tests (one import): a real OpenID Provider
 * ({@link startOidcProvider}), a real MCP server that requires its tokens ({@link startProtectedMcpServer}), and a
 * headless user for the provider's login pages ({@link driveLogin}). No mocks: real HTTP on 127.0.0.1.
 */
export {
  startOidcProvider,
  DEFAULT_SCOPES,
  type OidcProvider,
  type OidcProviderOptions,
  type FixtureClient,
  type ProviderCounters,
  type ProviderRequest,
  type TokenRequestRecord,
} from './provider.js';
export {
  startProtectedMcpServer,
  type ProtectedMcpServer,
  type ProtectedMcpServerOptions,
  type ProtectedRequest,
  type ProtectedServerCounters,
  type MetadataLocation,
} from './protected-mcp-server.js';
export { PROTECTED_SERVER_INFO, type WhoAmI } from './protected-tools.js';
export {
  driveLogin,
  driveLoginToCallback,
  deliverCallback,
  LoginDriveError,
  type DriveLoginOptions,
  type LoginRedirect,
  type LoginResult,
} from './drive-login.js';
export { CookieJar } from './cookie-jar.js';
export { MetadataDocuments, type ServedDocument } from './metadata-documents.js';
export { formatBearerChallenge, type BearerChallenge } from './bearer-auth.js';
export { startAuthStack, type AuthStack, type AuthStackOptions } from './stack.js';
