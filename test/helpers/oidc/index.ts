/**
 * OAuth / OpenID Connect fixtures for the auth tests (one import): a real OpenID Provider
 * ({@link startOidcProvider}), a real MCP server that requires its tokens ({@link startProtectedMcpServer}), a
 * headless user for the provider's login pages ({@link driveLogin}) and device pages ({@link driveDeviceLogin}),
 * client keys for private_key_jwt, and an enterprise IdP for cross-app access ({@link startEnterpriseIdp}). No
 * mocks: real HTTP on 127.0.0.1.
 */
export {
  startOidcProvider,
  DEFAULT_SCOPES,
  type OidcProvider,
  type OidcProviderOptions,
  type DevicePollingOptions,
  type ProviderSetupContext,
  type ResourceServerInfo,
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
export { HeadlessBrowser, type BrowserAnswer, type HeadlessBrowserOptions } from './browser.js';
export { MetadataDocuments, type ServedDocument } from './metadata-documents.js';
export { formatBearerChallenge, type BearerChallenge } from './bearer-auth.js';
export { startAuthStack, type AuthStack, type AuthStackOptions } from './stack.js';
export { driveDeviceLogin, type DriveDeviceOptions, type DeviceDriveResult } from './drive-device.js';
export { clientKeyPairs, jwtClientMetadata, JWT_CLIENT_ID, type ClientKeyKind, type ClientKeyPair } from './client-keys.js';
export {
  startEnterpriseIdp,
  acceptIdJags,
  XAA_CLIENT,
  XAA_CLIENT_ID,
  XAA_CLIENT_SECRET,
  JWT_BEARER_GRANT,
  TOKEN_EXCHANGE_GRANT,
  ID_JAG_TOKEN_TYPE,
  ID_TOKEN_TYPE,
  type EnterpriseIdp,
  type TokenExchangeRecord,
  type JwtBearerRecord,
} from './enterprise-idp.js';
export {
  startWorkloadPlatform,
  acceptWorkloadTokens,
  WORKLOAD_CLIENT,
  WORKLOAD_CLIENT_ID,
  WORKLOAD_JWT_BEARER_GRANT,
  type WorkloadPlatform,
  type WorkloadGrantRecord,
} from './workload-platform.js';
export { startDPoPMcpServer, type DPoPMcpServer, type DPoPMcpServerOptions, type DPoPRequest } from './dpop-mcp-server.js';
