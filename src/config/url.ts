/**
 * The one validator for URLs the user gives: the server URL and every URL option (`--issuer`, `--redirect-url`,
 * `--resource`, `--idp-issuer`, `--client-metadata-url`). Each is a rule over the same checks — a URL at all, its
 * scheme (https, or http on this machine or with `--allow-http`), no credentials, on this machine, a path — so the
 * server URL and the options cannot drift apart. URLs that come from servers are checked by auth/url-policy.ts.
 */
import { isLoopbackUrl } from '../auth/url-policy.js';
import { BridgeError, ErrorCode } from '../errors.js';

/**
 * What a URL is, which decides the checks and the words of the error:
 * - `server`: the MCP server (http or https; plain http off this machine needs `allowHttp`; no user name or password);
 * - `endpoint`: an authorization-related URL option (https, or http on this machine or with `allowHttp`);
 * - `loopback`: an endpoint that must be on this machine (the login callback's redirect URI);
 * - `document`: an https URL with a path (a client ID metadata document, which servers fetch).
 */
export type UrlKind = 'server' | 'endpoint' | 'loopback' | 'document';

/** Options for {@link validateUrl}. */
export interface UrlRule {
  kind: UrlKind;
  /** The option's name for the messages (`--issuer`); ignored for `server`. */
  option?: string;
  /** `--allow-http`: plain http is accepted off this machine too. */
  allowHttp: boolean;
}

/**
 * Parses and checks a URL the user gave.
 * @returns the parsed URL (for `server`, without its fragment)
 * @throws BridgeError `USAGE` naming the option and what it must be
 */
export function validateUrl(text: string, rule: UrlRule): URL {
  const option = rule.option ?? 'the URL';
  if (rule.kind === 'document') {
    // A metadata document's URL is its client id: https with a path, exactly as given.
    if (!/^https:\/\/[^/]+\/./.test(text) || !URL.canParse(text)) {
      throw new BridgeError(ErrorCode.Usage, `${option}: ${text} must be an https URL with a path`);
    }
    return new URL(text);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    if (rule.kind === 'server') throw new BridgeError(ErrorCode.Usage, `"${text.slice(0, 200)}" is not a URL`, { hint: 'give the full URL, with https://' });
    throw new BridgeError(ErrorCode.Usage, `${option}: "${text}" is not a URL`);
  }
  if (rule.kind === 'server') return checkServer(url, rule.allowHttp);
  const httpAllowed = url.protocol === 'http:' && (isLoopbackUrl(url) || rule.allowHttp);
  if (url.protocol !== 'https:' && !httpAllowed) {
    throw new BridgeError(ErrorCode.Usage, `${option}: ${text} must use https:`, { hint: 'http: is accepted for this machine only, or anywhere with --allow-http' });
  }
  if (rule.kind === 'loopback' && !isLoopbackUrl(url)) {
    throw new BridgeError(ErrorCode.Usage, `${option}: ${text} is not on this machine`, { hint: 'the login callback is received on a loopback address such as http://127.0.0.1:8080/callback' });
  }
  return url;
}

function checkServer(url: URL, allowHttp: boolean): URL {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BridgeError(ErrorCode.Usage, `the server URL must use https: (got ${url.protocol})`);
  }
  if (url.username || url.password) {
    throw new BridgeError(ErrorCode.Usage, 'the server URL must not contain a user name or password', {
      hint: 'send credentials as a header instead: -H "Authorization: ${TOKEN}"',
    });
  }
  if (url.protocol === 'http:' && !isLoopbackUrl(url) && !allowHttp) {
    throw new BridgeError(ErrorCode.Usage, `refusing plain http to ${url.host}: anyone on the network could read or change the traffic`, {
      hint: 'use https://, or pass --allow-http if this network is trusted',
    });
  }
  url.hash = '';
  return url;
}

/**
 * Parses and checks the server URL (the argument, or `MCP_BACKEND_URL`).
 * @throws BridgeError `USAGE` when it is missing or refused ({@link validateUrl})
 */
export function parseServerUrl(text: string | undefined, allowHttp: boolean): URL {
  if (!text) {
    throw new BridgeError(ErrorCode.Usage, 'no server URL given', {
      hint: 'pass it as the argument (mcp-auth-bridge https://mcp.example.com/mcp) or set MCP_BACKEND_URL',
    });
  }
  return validateUrl(text, { kind: 'server', allowHttp });
}

/** Whether `url` points at this machine (where plain http cannot be intercepted on the network). */
export const isLoopback = isLoopbackUrl;

/** The URL as safe to print: origin and path; a query string (which may hold a key) is elided. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}
