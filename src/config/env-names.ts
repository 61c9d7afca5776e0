/**
 * Environment variables the configuration reads itself: yes/no flags (commander would treat any set variable as
 * true, so they are parsed here) and the ID token, which has no flag.
 */

/** Environment variables read for boolean flags, by option. */
export const FLAG_ENV = {
  allowHttp: 'MCP_ALLOW_HTTP',
  allowPrivateAuthServers: 'MCP_ALLOW_PRIVATE_AUTH_SERVERS',
  useEnvProxy: 'MCP_USE_ENV_PROXY',
  debug: 'MCP_PROXY_DEBUG',
  silent: 'MCP_SILENT',
  noBanner: 'MCP_NO_BANNER',
  deviceCode: 'MCP_DEVICE_CODE',
  clientCredentials: 'MCP_CLIENT_CREDENTIALS',
} as const;

/** The variable that may hold the user's ID token from the enterprise IdP (cross-app access); there is no flag. */
export const ID_TOKEN_ENV = 'MCP_IDP_ID_TOKEN';

/** The variable that may hold the workload's platform-issued JWT (workload identity) instead of a file. */
export const WORKLOAD_TOKEN_ENV = 'MCP_WORKLOAD_TOKEN';

/** The variable that may hold the server URL when no argument names it. */
export const SERVER_URL_ENV = 'MCP_BACKEND_URL';
