/**
 * Where `serve` may listen: without inbound auth only on loopback (127.0.0.1, ::1, localhost); any other address
 * needs an authenticator that requires credentials, or the explicit `--insecure-no-auth`, which is logged loudly at
 * start and every hour while the server runs.
 */
import { BridgeError, ErrorCode } from '../errors.js';

/** Whether `host` names this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** How often the `--insecure-no-auth` warning is repeated. */
export const INSECURE_WARNING_EVERY_MS = 60 * 60 * 1000;

/** The warning of `--insecure-no-auth`. */
export function insecureWarning(host: string): string {
  return `INSECURE: serving on ${host} WITHOUT inbound authentication (--insecure-no-auth): anyone who can reach this address uses the servers with this process's logins`;
}

/**
 * Checks the bind address against the authentication.
 * @returns whether the loud warning applies (`--insecure-no-auth` on a non-loopback address)
 * @throws BridgeError `USAGE` for a non-loopback address without an authenticator or `--insecure-no-auth`
 */
export function checkBind(o: { host: string; authRequired: boolean; insecureNoAuth: boolean }): boolean {
  if (isLoopbackHost(o.host) || o.authRequired) return false;
  if (o.insecureNoAuth) return true;
  throw new BridgeError(ErrorCode.Usage, `serve --host ${o.host}: refusing to serve a non-loopback address without inbound authentication`, {
    hint: 'configure inbound authentication, bind to 127.0.0.1, or add --insecure-no-auth if every client that can reach the address may use your logins',
  });
}
