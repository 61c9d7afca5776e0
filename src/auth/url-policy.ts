/**
 * Which URLs from servers the auth module will contact or open in a browser. A metadata document is input from
 * the network: a hostile one may name `javascript:`, `file:` or a string built to break out of a shell. Only
 * `https:` passes, or `http:` on this machine (loopback), or any `http:` when the user said `--allow-http`; and the
 * raw text must be free of characters that no legitimate endpoint needs and that a shell would interpret.
 */
import { BridgeError, ErrorCode } from '../errors.js';

/** Options for {@link checkServerUrl}. */
export interface UrlPolicy {
  /** Allow `http:` to hosts other than loopback (`--allow-http`). */
  allowHttp: boolean;
}

// Whitespace, controls, quotes, backslash, angle brackets, backtick, $, |, ;, {, }, ^: none belongs in an endpoint.
const UNSAFE_CHARS = /[\s\u0000-\u001f\u007f"'`\\<>$|;{}^]/;

/**
 * The longest URL the bridge hands to a browser or accepts from a server: 16 KiB. Real authorization URLs are under
 * 2 KiB; a browser is started with the URL as one argument, and Windows limits a whole command line to 32,767
 * characters (Linux a single argument to 128 KiB), so a longer URL fails to start (`spawn E2BIG`) or is cut; and
 * common web servers refuse request lines over 8–16 KiB anyway. Half the Windows limit leaves room for the opener.
 */
export const MAX_URL_LENGTH = 16 * 1024;

/**
 * Refuses a URL longer than {@link MAX_URL_LENGTH}, at once, instead of failing to start a browser.
 * @param what what it is, for the message (e.g. `authorization URL`)
 * @throws BridgeError `AUTH` naming `what` and its length
 */
export function checkUrlLength(text: string, what: string): void {
  if (text.length <= MAX_URL_LENGTH) return;
  throw new BridgeError(ErrorCode.Auth, `refused the ${what}: it is ${text.length} characters long, over the ${MAX_URL_LENGTH} a browser can be handed`, {
    hint: 'the authorization server metadata (or --authorize-param values) make it far longer than any login needs; contact the server operator',
  });
}

/** Whether `url` is on this machine. */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Parses and checks a URL that came from a server (metadata, challenge) before the bridge uses it.
 * @param text the value as received
 * @param what what it is, for the error message (e.g. `authorization_endpoint`)
 * @throws BridgeError `AUTH` naming `what` and why it was refused
 */
export function checkServerUrl(text: unknown, what: string, policy: UrlPolicy): URL {
  if (typeof text !== 'string' || text === '') {
    throw new BridgeError(ErrorCode.Auth, `the server's ${what} is missing or not a string`);
  }
  checkUrlLength(text, `server's ${what}`);
  if (UNSAFE_CHARS.test(text)) {
    throw new BridgeError(ErrorCode.Auth, `refused the server's ${what}: it contains characters no endpoint URL needs`, {
      hint: 'the server metadata looks malformed or hostile; contact the server operator',
    });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BridgeError(ErrorCode.Auth, `refused the server's ${what}: not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && (isLoopbackUrl(url) || policy.allowHttp)) return url;
  if (url.protocol === 'http:') {
    throw new BridgeError(ErrorCode.Auth, `refused the server's ${what}: plain http to ${url.host}`, {
      hint: 'authorization needs https; pass --allow-http only on a network you trust',
    });
  }
  throw new BridgeError(ErrorCode.Auth, `refused the server's ${what}: the ${url.protocol} scheme is not allowed (https only)`, {
    hint: 'the server metadata looks malformed or hostile; contact the server operator',
  });
}

/** Whether oauth4webapi may use plain http for `url` under `policy` (its `allowInsecureRequests`). */
export function allowsInsecure(url: URL, policy: UrlPolicy): boolean {
  return url.protocol === 'http:' && (isLoopbackUrl(url) || policy.allowHttp);
}
