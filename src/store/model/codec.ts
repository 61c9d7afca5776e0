/**
 * Encoding and validation of what the store writes: the JSON record files (metadata, plus secrets in file mode) and
 * the JSON payload kept in the keychain (secrets only). Decoders never throw and never quote the data they reject:
 * a reason names the field, never its value, so it is safe for logs.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import {
  CLIENT_ID_SOURCES,
  LOGIN_GRANTS,
  type ClientIdSource,
  type LoginGrant,
  type LoginInput,
  type LoginMetadata,
  type LoginSecrets,
  type RegistrationInput,
  type RegistrationMetadata,
  type RegistrationSecrets,
  type StoreKind,
  type StoredLogin,
  type StoredRegistration,
} from './records.js';

/** Version of the on-disk and in-keychain formats. Bumped only on an incompatible change; never the tool's version. */
export const RECORD_FORMAT = 1;

/** Result of a decoder: the value, or why it was rejected (field names only, never values). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A login record file: metadata, plus the secrets when they are kept in the file. */
export interface LoginFile {
  metadata: LoginMetadata;
  /** Present in file mode; absent when the secrets are in the keychain. */
  secrets?: LoginSecrets;
}

/** A registration record file: metadata, plus the secrets when they are kept in the file. */
export interface RegistrationFile {
  metadata: RegistrationMetadata;
  /** Present in file mode; absent when the secrets are in the keychain. */
  secrets?: RegistrationSecrets;
}

const STORE_KINDS: readonly StoreKind[] = ['keychain', 'file', 'redis'];
/** Registration response fields that must never be written as metadata. */
const SECRET_FIELD = /(secret|token|password|assertion)$/i;

class Invalid extends Error {}

type Fields = Record<string, unknown>;

function object(value: unknown, name: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Invalid(`${name} must be an object`);
  return value as Fields;
}

function string(o: Fields, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0) throw new Invalid(`${where}.${field} must be a non-empty string`);
  return v;
}

function optionalString(o: Fields, field: string, where: string): string | undefined {
  return o[field] === undefined ? undefined : string(o, field, where);
}

function number(o: Fields, field: string, where: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${where}.${field} must be a finite number`);
  return v;
}

function optionalNumber(o: Fields, field: string, where: string): number | undefined {
  return o[field] === undefined ? undefined : number(o, field, where);
}

function boolean(o: Fields, field: string, where: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') throw new Invalid(`${where}.${field} must be a boolean`);
  return v;
}

function stringArray(o: Fields, field: string, where: string): string[] {
  const v = o[field];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new Invalid(`${where}.${field} must be an array of strings`);
  }
  return [...(v as string[])];
}

function oneOf<T extends string>(o: Fields, field: string, where: string, allowed: readonly T[]): T {
  const v = o[field];
  if (!allowed.includes(v as T)) throw new Invalid(`${where}.${field} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function decode<T>(run: () => T): Decoded<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

function assertInput<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Invalid) throw new BridgeError(ErrorCode.Internal, `Cannot store credentials: ${error.message}`);
    throw error;
  }
}

function readLoginMetadataInput(o: Fields, where: string): Omit<LoginMetadata, 'hasRefreshToken' | 'store'> {
  return withoutUndefined({
    serverUrl: string(o, 'serverUrl', where),
    issuer: string(o, 'issuer', where),
    resource: string(o, 'resource', where),
    clientId: string(o, 'clientId', where),
    clientIdSource: oneOf<ClientIdSource>(o, 'clientIdSource', where, CLIENT_ID_SOURCES),
    grant: o.grant === undefined ? undefined : oneOf<LoginGrant>(o, 'grant', where, LOGIN_GRANTS),
    scopes: stringArray(o, 'scopes', where),
    expiresAt: optionalNumber(o, 'expiresAt', where),
    refreshExpiresAt: optionalNumber(o, 'refreshExpiresAt', where),
    obtainedAt: number(o, 'obtainedAt', where),
    redirectUri: optionalString(o, 'redirectUri', where),
  });
}

function readLoginSecrets(o: Fields, where: string): LoginSecrets {
  return withoutUndefined({
    accessToken: string(o, 'accessToken', where),
    refreshToken: optionalString(o, 'refreshToken', where),
    idToken: optionalString(o, 'idToken', where),
    dpopKey: optionalString(o, 'dpopKey', where),
  });
}

/** Copies the fields of a registration response that are not secrets (see {@link RegistrationMetadata.clientMetadata}). */
export function sanitizeClientMetadata(value: Fields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => !SECRET_FIELD.test(k) && v !== undefined));
}

function readRegistrationMetadataInput(o: Fields, where: string): Omit<RegistrationMetadata, 'hasClientSecret' | 'store'> {
  return withoutUndefined({
    issuer: string(o, 'issuer', where),
    redirectUri: string(o, 'redirectUri', where),
    clientId: string(o, 'clientId', where),
    registeredAt: number(o, 'registeredAt', where),
    clientIdIssuedAt: optionalNumber(o, 'clientIdIssuedAt', where),
    clientSecretExpiresAt: optionalNumber(o, 'clientSecretExpiresAt', where),
    clientMetadata: sanitizeClientMetadata(object(o.clientMetadata ?? {}, `${where}.clientMetadata`)),
  });
}

function readRegistrationSecrets(o: Fields, where: string): RegistrationSecrets {
  return withoutUndefined({
    clientSecret: optionalString(o, 'clientSecret', where),
    registrationAccessToken: optionalString(o, 'registrationAccessToken', where),
  });
}

/**
 * Validates a login a caller wants to save and returns a clean copy (known fields only, so nothing stray is written).
 * Throws {@link ErrorCode.Internal} naming the bad field.
 */
export function validateLoginInput(input: LoginInput): LoginInput {
  return assertInput(() => {
    const o = object(input, 'login');
    return {
      metadata: readLoginMetadataInput(object(o.metadata, 'login.metadata'), 'login.metadata'),
      secrets: readLoginSecrets(object(o.secrets, 'login.secrets'), 'login.secrets'),
    };
  });
}

/** Validates a registration a caller wants to save and returns a clean copy. Throws {@link ErrorCode.Internal}. */
export function validateRegistrationInput(input: RegistrationInput): RegistrationInput {
  return assertInput(() => {
    const o = object(input, 'registration');
    return {
      metadata: readRegistrationMetadataInput(object(o.metadata, 'registration.metadata'), 'registration.metadata'),
      secrets: readRegistrationSecrets(object(o.secrets, 'registration.secrets'), 'registration.secrets'),
    };
  });
}

/**
 * Validates a login a caller wants to save in a store of `kind` and returns it as stored: a clean copy, with
 * `hasRefreshToken` and `store` derived from what is written. Throws {@link ErrorCode.Internal} naming the bad field.
 */
export function prepareLogin(input: LoginInput, kind: StoreKind): StoredLogin {
  const { metadata, secrets } = validateLoginInput(input);
  return { metadata: { ...metadata, hasRefreshToken: secrets.refreshToken !== undefined, store: kind }, secrets };
}

/**
 * Validates a registration a caller wants to save in a store of `kind` and returns it as stored, with
 * `hasClientSecret` and `store` derived from what is written. Throws {@link ErrorCode.Internal}.
 */
export function prepareRegistration(input: RegistrationInput, kind: StoreKind): StoredRegistration {
  const { metadata, secrets } = validateRegistrationInput(input);
  return { metadata: { ...metadata, hasClientSecret: secrets.clientSecret !== undefined, store: kind }, secrets };
}

function header(o: Fields, type: string): void {
  if (o.format !== RECORD_FORMAT) throw new Invalid(`unsupported format (expected ${RECORD_FORMAT})`);
  if (o.type !== type) throw new Invalid(`type must be "${type}"`);
}

/** Serializes a login record file. */
export function encodeLoginFile(file: LoginFile): string {
  return `${JSON.stringify({ format: RECORD_FORMAT, type: 'login', ...file }, null, 2)}\n`;
}

/** Validates the parsed JSON of a login record file. */
export function decodeLoginFile(json: unknown): Decoded<LoginFile> {
  return decode(() => {
    const o = object(json, 'file');
    header(o, 'login');
    const m = object(o.metadata, 'metadata');
    const metadata: LoginMetadata = {
      ...readLoginMetadataInput(m, 'metadata'),
      hasRefreshToken: boolean(m, 'hasRefreshToken', 'metadata'),
      store: oneOf(m, 'store', 'metadata', STORE_KINDS),
    };
    if (o.secrets === undefined) return { metadata };
    return { metadata, secrets: readLoginSecrets(object(o.secrets, 'secrets'), 'secrets') };
  });
}

/** Serializes a registration record file. */
export function encodeRegistrationFile(file: RegistrationFile): string {
  return `${JSON.stringify({ format: RECORD_FORMAT, type: 'registration', ...file }, null, 2)}\n`;
}

/** Validates the parsed JSON of a registration record file. */
export function decodeRegistrationFile(json: unknown): Decoded<RegistrationFile> {
  return decode(() => {
    const o = object(json, 'file');
    header(o, 'registration');
    const m = object(o.metadata, 'metadata');
    const metadata: RegistrationMetadata = {
      ...readRegistrationMetadataInput(m, 'metadata'),
      hasClientSecret: boolean(m, 'hasClientSecret', 'metadata'),
      store: oneOf(m, 'store', 'metadata', STORE_KINDS),
    };
    if (o.secrets === undefined) return { metadata };
    return { metadata, secrets: readRegistrationSecrets(object(o.secrets, 'secrets'), 'secrets') };
  });
}

/** Serializes the keychain payload of a login: `{"format":1,"type":"login-secrets","secrets":{…}}`. */
export function encodeLoginSecrets(secrets: LoginSecrets): string {
  return JSON.stringify({ format: RECORD_FORMAT, type: 'login-secrets', secrets });
}

/** Parses and validates the keychain payload of a login. */
export function decodeLoginSecrets(text: string): Decoded<LoginSecrets> {
  return decode(() => {
    const o = object(parseJson(text), 'payload');
    header(o, 'login-secrets');
    return readLoginSecrets(object(o.secrets, 'secrets'), 'secrets');
  });
}

/** Serializes the keychain payload of a registration. */
export function encodeRegistrationSecrets(secrets: RegistrationSecrets): string {
  return JSON.stringify({ format: RECORD_FORMAT, type: 'registration-secrets', secrets });
}

/** Parses and validates the keychain payload of a registration. */
export function decodeRegistrationSecrets(text: string): Decoded<RegistrationSecrets> {
  return decode(() => {
    const o = object(parseJson(text), 'payload');
    header(o, 'registration-secrets');
    return readRegistrationSecrets(object(o.secrets, 'secrets'), 'secrets');
  });
}

/**
 * `JSON.parse` whose failure says only "not valid JSON": V8's own message quotes the input, which may be a secret.
 * Throws the module's private rejection, so use it inside a decoder.
 */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Invalid('not valid JSON');
  }
}

/** Parses JSON text for a decoder: the value, or `{ ok: false, reason: 'not valid JSON' }` (never quoting the text). */
export function parseJsonText(text: string): Decoded<unknown> {
  return decode(() => parseJson(text));
}
