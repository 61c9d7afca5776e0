/**
 * Credential keys: what a stored login or registration is filed under, in the keychain and on disk.
 *
 * A key is the lowercase hex SHA-256 of the UTF-8 bytes of a JSON array of strings:
 * - tokens: `sha256(JSON.stringify([issuer, resource, client_id]))`
 * - dynamic registrations: `sha256(JSON.stringify([issuer, redirect_uri]))`
 *
 * This is the `issuer | resource | client_id` tuple of the design, encoded as a JSON array instead of a string joined
 * with `|` so that no choice of values can make two different tuples collide (URLs and client ids may contain `|`),
 * and so that a token key can never equal a registration key (the arrays differ in length). Values are used verbatim:
 * no URL normalisation, no trailing-slash handling, no case folding. Callers pass the issuer exactly as validated in
 * the authorization server metadata, the resource exactly as sent in `resource`, and the redirect URI exactly as
 * registered. Nothing else goes in — in particular not the tool's version, so an upgrade keeps every login.
 */
import { createHash } from 'node:crypto';
import { BridgeError, ErrorCode } from '../../errors.js';

/** What a credential key looks like: 64 lowercase hex digits. */
export const CREDENTIAL_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** The identity of a token set: whose tokens, for which resource, issued to which client. */
export interface TokenKeyInput {
  /** Authorization server issuer identifier (RFC 8414 §2 `issuer`). */
  issuer: string;
  /** Resource indicator (RFC 8707), normally the canonical MCP server URL. */
  resource: string;
  /** OAuth client id the tokens were issued to. */
  clientId: string;
}

/** The identity of a dynamic client registration: at which server, for which redirect URI. */
export interface RegistrationKeyInput {
  /** Authorization server issuer identifier. */
  issuer: string;
  /** The redirect URI registered (RFC 7591 `redirect_uris[0]`). */
  redirectUri: string;
}

function assertNonEmpty(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new BridgeError(ErrorCode.Internal, `${name} must be a non-empty string to derive a credential key`);
  }
}

function digest(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');
}

/** The key tokens are stored under: `sha256(JSON.stringify([issuer, resource, clientId]))`, lowercase hex. */
export function tokenKey(input: TokenKeyInput): string {
  assertNonEmpty(input.issuer, 'issuer');
  assertNonEmpty(input.resource, 'resource');
  assertNonEmpty(input.clientId, 'clientId');
  return digest([input.issuer, input.resource, input.clientId]);
}

/** The key a dynamic registration is stored under: `sha256(JSON.stringify([issuer, redirectUri]))`, lowercase hex. */
export function registrationKey(input: RegistrationKeyInput): string {
  assertNonEmpty(input.issuer, 'issuer');
  assertNonEmpty(input.redirectUri, 'redirectUri');
  return digest([input.issuer, input.redirectUri]);
}

/** Whether `value` has the shape of a credential key (and so is safe to use as a file name or keychain account). */
export function isCredentialKey(value: unknown): value is string {
  return typeof value === 'string' && CREDENTIAL_KEY_PATTERN.test(value);
}

/** Throws an {@link ErrorCode.Internal} error unless `key` is a credential key. Guards every path built from a key. */
export function assertCredentialKey(key: unknown, name = 'key'): asserts key is string {
  if (!isCredentialKey(key)) {
    throw new BridgeError(ErrorCode.Internal, `${name} must be a credential key (64 lowercase hex digits)`);
  }
}
