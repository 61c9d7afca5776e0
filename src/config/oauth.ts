/**
 * The OAuth part of a server's configuration: which grant, which client and how it authenticates, which
 * authorization server, the login's callback address and limits. Every problem is a usage {@link BridgeError} that
 * names the option and the fix; nothing is silently ignored.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { looksLikePem, parseClientKey, type ClientKey } from '../auth/client-key.js';
import type { EnterpriseIdp } from '../auth/cross-app-access.js';
import { BridgeError, ErrorCode } from '../errors.js';
import type { LoginGrant } from '../store/index.js';
import type { WorkloadToken } from '../auth/grants/workload-identity.js';
import { FLAG_ENV, ID_TOKEN_ENV, WORKLOAD_TOKEN_ENV } from './env-names.js';
import { CHOICES, DEFAULTS, type ConfigInput } from './input.js';
import type { OAuthConfig } from './types.js';
import { validateUrl } from './url.js';
import { choice, parseDuration, parseEnvFlag } from './values.js';

/** Authorization request parameters the bridge sets itself; `--authorize-param` may not change them. */
const RESERVED_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'scope',
  'resource',
  'request',
  'request_uri',
  'nonce',
  'response_mode',
]);

/** Reads `--client-key`: a path, or (from `MCP_CLIENT_KEY`) the PEM itself. */
function readClientKey(raw: ConfigInput, env: NodeJS.ProcessEnv): ClientKey | undefined {
  const value = raw.clientKey;
  if (value === undefined || value === '') return undefined;
  const kid = raw.clientKeyId?.trim() || undefined;
  if (looksLikePem(value)) {
    // A private key on the command line is visible to every user of the machine (ps, /proc): only a path there.
    if (env.MCP_CLIENT_KEY !== value) {
      throw new BridgeError(ErrorCode.Usage, '--client-key takes the path of a PEM file, not the key itself (the command line is visible to other users)', {
        hint: 'write the key to a file only you can read and give its path, or put the PEM in the MCP_CLIENT_KEY environment variable',
      });
    }
    return parseClientKey(value, { source: 'MCP_CLIENT_KEY', ...(kid ? { kid } : {}) });
  }
  let pem: string;
  try {
    pem = readFileSync(value, 'utf8');
  } catch (error) {
    throw new BridgeError(ErrorCode.Usage, `--client-key: cannot read ${value}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give the path of a PEM private key file, or put the PEM itself in MCP_CLIENT_KEY',
    });
  }
  return parseClientKey(pem, { source: value, ...(kid ? { kid } : {}) });
}

/** The grant the options ask for, refusing combinations that contradict each other. */
function chooseGrant(raw: ConfigInput, env: NodeJS.ProcessEnv, clientKey: ClientKey | undefined): LoginGrant {
  const device = raw.deviceCode ?? parseEnvFlag(FLAG_ENV.deviceCode, env[FLAG_ENV.deviceCode]) ?? false;
  const machine = raw.clientCredentials ?? parseEnvFlag(FLAG_ENV.clientCredentials, env[FLAG_ENV.clientCredentials]) ?? false;
  const crossApp = raw.idpIssuer !== undefined && raw.idpIssuer !== '';
  const workload = !!raw.workloadTokenFile || !!env[WORKLOAD_TOKEN_ENV]?.trim();
  const chosen = [device && '--device-code', machine && '--client-credentials', crossApp && '--idp-issuer', workload && '--workload-token-file'].filter((x): x is string => typeof x === 'string');
  if (chosen.length > 1) {
    throw new BridgeError(ErrorCode.Usage, `${chosen.join(' and ')} cannot be used together (check MCP_DEVICE_CODE, MCP_CLIENT_CREDENTIALS, MCP_IDP_ISSUER and ${WORKLOAD_TOKEN_ENV}(_FILE) too)`, {
      hint: 'choose one way to log in: --device-code (a user, on another device), --client-credentials (a machine), --idp-issuer (cross-app access) or --workload-token-file (workload identity)',
    });
  }
  if (workload) return 'workload_identity';
  if (!crossApp) {
    for (const [option, value] of [['--idp-client-id', raw.idpClientId], ['--idp-client-secret', raw.idpClientSecret], ['--id-token-file', raw.idTokenFile]] as const) {
      if (value) throw new BridgeError(ErrorCode.Usage, `${option} is for cross-app access and needs --idp-issuer`, { hint: 'name your enterprise identity provider with --idp-issuer <url> (env MCP_IDP_ISSUER)' });
    }
  }
  if (machine || crossApp) {
    const what = machine ? '--client-credentials' : 'cross-app access (--idp-issuer)';
    if (!raw.clientId) {
      throw new BridgeError(ErrorCode.Usage, `${what} needs --client-id`, { hint: 'give the client registered for this at the MCP server\'s authorization server (env OIDC_CLIENT_ID)' });
    }
    if (machine && !raw.clientSecret && !clientKey) {
      throw new BridgeError(ErrorCode.Usage, '--client-credentials needs the client\'s secret or key', {
        hint: 'set OIDC_CLIENT_SECRET (or --client-secret), or --client-key <pem file> (or the PEM in MCP_CLIENT_KEY) for private_key_jwt',
      });
    }
  }
  return device ? 'device_code' : machine ? 'client_credentials' : crossApp ? 'jwt_bearer' : 'authorization_code';
}

/** Issuer mode's redirect URI when `--redirect-url` is not given. */
const DEFAULT_ISSUER_REDIRECT = 'http://localhost:8080/auth/callback';

/** Workload identity: where the platform's JWT is (`--workload-token-file`, else `MCP_WORKLOAD_TOKEN`). */
function resolveWorkloadToken(raw: ConfigInput, env: NodeJS.ProcessEnv): WorkloadToken {
  if (raw.workloadTokenFile) {
    try {
      accessSync(raw.workloadTokenFile, constants.R_OK);
    } catch (error) {
      throw new BridgeError(ErrorCode.Usage, `--workload-token-file: cannot read ${raw.workloadTokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        hint: 'give the file your platform writes the workload token to (e.g. a projected service-account token)',
      });
    }
    return { kind: 'file', path: raw.workloadTokenFile };
  }
  return { kind: 'env', name: WORKLOAD_TOKEN_ENV, value: env[WORKLOAD_TOKEN_ENV]!.trim() };
}

/** Cross-app access: the IdP options and where the ID token is (`--id-token-file`, else `MCP_IDP_ID_TOKEN`). */

function resolveEnterpriseIdp(raw: ConfigInput, env: NodeJS.ProcessEnv, checkUrl: (option: string, value: string | undefined) => string | undefined): EnterpriseIdp {
  const issuer = checkUrl('--idp-issuer', raw.idpIssuer)!;
  if (!raw.idpClientId) {
    throw new BridgeError(ErrorCode.Usage, '--idp-issuer needs --idp-client-id', { hint: 'give this app\'s client id at your enterprise identity provider (env MCP_IDP_CLIENT_ID)' });
  }
  const envToken = env[ID_TOKEN_ENV]?.trim();
  let idToken: EnterpriseIdp['idToken'];
  if (raw.idTokenFile) {
    try {
      accessSync(raw.idTokenFile, constants.R_OK);
    } catch (error) {
      throw new BridgeError(ErrorCode.Usage, `--id-token-file: cannot read ${raw.idTokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        hint: 'give the file your enterprise sign-in writes the ID token to',
      });
    }
    idToken = { kind: 'file', path: raw.idTokenFile };
  } else if (envToken) {
    idToken = { kind: 'env', name: ID_TOKEN_ENV, value: envToken };
  } else {
    throw new BridgeError(ErrorCode.Usage, `cross-app access needs your ID token from ${issuer}`, {
      hint: `give the file that holds it with --id-token-file (env MCP_IDP_ID_TOKEN_FILE), or the token itself in ${ID_TOKEN_ENV}`,
    });
  }
  return { issuer, clientId: raw.idpClientId, ...(raw.idpClientSecret ? { clientSecret: raw.idpClientSecret } : {}), idToken };
}

/**
 * Validates the OAuth options of `raw` (with `env` for `MCP_*` variables and `MCP_CLIENT_KEY`).
 * @param allowHttp `--allow-http`, already resolved
 * @throws BridgeError `USAGE` naming the option
 */
export function validateOAuth(raw: ConfigInput, allowHttp: boolean, env: NodeJS.ProcessEnv): OAuthConfig {
  const allowPrivateAuthServers = raw.allowPrivateAuthServers ?? parseEnvFlag(FLAG_ENV.allowPrivateAuthServers, env[FLAG_ENV.allowPrivateAuthServers]) ?? false;
  const extraParams: Record<string, string> = {};
  for (const item of raw.authorizeParam ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new BridgeError(ErrorCode.Usage, `--authorize-param: "${item}" is not key=value`, { hint: 'for example --authorize-param access_type=offline' });
    const key = item.slice(0, eq).trim();
    if (RESERVED_PARAMS.has(key)) {
      throw new BridgeError(ErrorCode.Usage, `--authorize-param: ${key} is set by the bridge itself`, {
        hint: key === 'scope' ? 'use --scopes' : key === 'resource' ? 'use --resource' : key === 'redirect_uri' ? 'use --redirect-url' : undefined,
      });
    }
    extraParams[key] = item.slice(eq + 1);
  }
  const scopes = raw.scopes?.split(/[\s,]+/).filter(Boolean);
  const checkUrl = (option: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    validateUrl(value, { kind: 'endpoint', option, allowHttp });
    return value;
  };
  const issuer = checkUrl('--issuer', raw.issuer);
  const redirect = raw.redirectUrl ?? (issuer ? DEFAULT_ISSUER_REDIRECT : undefined);
  if (redirect !== undefined) validateUrl(redirect, { kind: 'loopback', option: '--redirect-url', allowHttp });
  const metadataUrl = raw.clientMetadataUrl;
  if (metadataUrl !== undefined) validateUrl(metadataUrl, { kind: 'document', option: '--client-metadata-url', allowHttp });
  let callbackPort: number | undefined;
  if (raw.callbackPort !== undefined) {
    callbackPort = Number(raw.callbackPort);
    if (!Number.isInteger(callbackPort) || callbackPort < 1 || callbackPort > 65535) {
      throw new BridgeError(ErrorCode.Usage, `--callback-port: "${raw.callbackPort}" is not a port number`, { hint: 'use a number from 1024 to 65535' });
    }
  }
  if (raw.clientSecret && !raw.clientId) {
    throw new BridgeError(ErrorCode.Usage, '--client-secret needs --client-id', { hint: 'give the client id the secret belongs to' });
  }
  if (raw.clientKey && !raw.clientId) {
    throw new BridgeError(ErrorCode.Usage, '--client-key needs --client-id', { hint: 'give the client id whose registered public key matches (MCP_CLIENT_KEY may be set in the environment)' });
  }
  if (raw.clientKeyId && !raw.clientKey) {
    throw new BridgeError(ErrorCode.Usage, '--client-key-id needs --client-key', { hint: 'give the private key the key id names' });
  }
  const clientKey = readClientKey(raw, env);
  if (clientKey && raw.clientSecret) {
    throw new BridgeError(ErrorCode.Usage, '--client-key and --client-secret cannot be used together (check OIDC_CLIENT_SECRET and MCP_CLIENT_KEY)', {
      hint: 'the client authenticates either with its key (private_key_jwt) or with its secret',
    });
  }
  const grant = chooseGrant(raw, env, clientKey);
  return {
    kind: 'oauth',
    issuer,
    clientId: raw.clientId,
    clientSecret: raw.clientSecret,
    clientMetadataUrl: metadataUrl,
    grant,
    clientKey,
    enterpriseIdp: grant === 'jwt_bearer' ? resolveEnterpriseIdp(raw, env, checkUrl) : undefined,
    workloadToken: grant === 'workload_identity' ? resolveWorkloadToken(raw, env) : undefined,
    dpop: choice('--dpop', raw.dpop ?? DEFAULTS.dpop, CHOICES.dpop),
    scopes: scopes && scopes.length ? scopes : undefined,
    resource: typeof raw.resource === 'string' ? checkUrl('--resource', raw.resource) : undefined,
    sendResource: raw.resource !== false,
    extraParams,
    authTimeoutMs: parseDuration('--auth-timeout', raw.authTimeout ?? DEFAULTS.authTimeout),
    loginBackoffMs: parseDuration('--login-backoff', raw.loginBackoff ?? DEFAULTS.loginBackoff),
    redirectUrl: redirect,
    callbackPort,
    callbackHost: raw.callbackHost === undefined ? undefined : choice('--callback-host', raw.callbackHost, CHOICES.callbackHost),
    browser: raw.browser === false ? false : typeof raw.browser === 'string' && raw.browser.trim() ? raw.browser : undefined,
    tokenStore: choice('--token-store', raw.tokenStore ?? DEFAULTS.tokenStore, CHOICES.tokenStore),
    configDir: raw.configDir,
    allowHttp,
    allowPrivateAuthServers,
  };
}

