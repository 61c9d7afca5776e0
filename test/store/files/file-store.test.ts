import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { openFileStore, registrationKey, tokenKey } from '../../../src/store/index.js';
import { SECRETS, containsSecret, sampleLogin, sampleRegistration } from '../helpers/fixtures.js';

const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });
const REG_KEY = registrationKey({ issuer: 'https://auth.example.com', redirectUri: 'http://127.0.0.1:33418/callback' });

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

let root: string;
let configDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mab-file-store-'));
  configDir = join(root, 'config');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('file store', () => {
  it('round-trips a login and a registration, deriving hasRefreshToken, hasClientSecret and store', async () => {
    const store = await openFileStore({ configDir });
    expect(store.kind).toBe('file');
    const saved = await store.setTokens(KEY, sampleLogin());
    expect(saved.metadata).toMatchObject({ hasRefreshToken: true, store: 'file', expiresAt: 1_900_000_000_000 });
    expect(await store.getTokens(KEY)).toEqual(saved);

    const reg = await store.setRegistration(REG_KEY, sampleRegistration());
    expect(reg.metadata).toMatchObject({ hasClientSecret: true, store: 'file', clientId: 'client-123' });
    expect(reg.metadata.clientMetadata).toEqual({
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(await store.getRegistration(REG_KEY)).toEqual(reg);

    // A second process (a fresh store on the same directory) sees the same data.
    const again = await openFileStore({ configDir });
    expect(await again.getTokens(KEY)).toEqual(saved);
    expect(await again.getTokens(tokenKey({ issuer: 'https://other.example', resource: 'r', clientId: 'c' }))).toBeUndefined();
  });

  it('keeps metadata and secrets in one JSON file in file mode', async () => {
    const store = await openFileStore({ configDir });
    await store.setTokens(KEY, sampleLogin());
    const json = JSON.parse(await readFile(join(configDir, 'tokens', `${KEY}.json`), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ format: 1, type: 'login', secrets: { accessToken: SECRETS.accessToken }, metadata: { store: 'file' } });
  });

  it('creates 0700 directories and 0600 files, whatever the umask', async () => {
    const previous = process.umask(0);
    try {
      const store = await openFileStore({ configDir });
      await store.setTokens(KEY, sampleLogin());
      await store.setRegistration(REG_KEY, sampleRegistration());
    } finally {
      process.umask(previous);
    }
    for (const dir of ['', 'tokens', 'registrations', 'locks']) expect(await modeOf(join(configDir, dir))).toBe(0o700);
    expect(await modeOf(join(configDir, 'tokens', `${KEY}.json`))).toBe(0o600);
    expect(await modeOf(join(configDir, 'registrations', `${REG_KEY}.json`))).toBe(0o600);
  });

  it('restricts an existing directory that is too open to 0700, and says so', async () => {
    await mkdir(join(configDir, 'tokens'), { recursive: true });
    await chmod(configDir, 0o755);
    await chmod(join(configDir, 'tokens'), 0o777);
    const { logger, lines } = capture();
    await openFileStore({ configDir, logger });
    expect(await modeOf(configDir)).toBe(0o700);
    expect(await modeOf(join(configDir, 'tokens'))).toBe(0o700);
    const warnings = lines.filter((l) => / warn: /.test(l));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(`${configDir} was accessible to other users (mode 0755); restricted it to 0700`);
  });

  it('restricts a credential file that became readable by others to 0600 when reading it', async () => {
    const { logger, lines } = capture();
    const store = await openFileStore({ configDir, logger });
    await store.setTokens(KEY, sampleLogin());
    const file = join(configDir, 'tokens', `${KEY}.json`);
    await chmod(file, 0o644);
    expect((await store.getTokens(KEY))?.secrets.accessToken).toBe(SECRETS.accessToken);
    expect(await modeOf(file)).toBe(0o600);
    expect(lines.join('')).toContain('restricted it to 0600');
  });

  it('reports a corrupted file (log line + typed listing), treats it as absent, and never echoes its content', async () => {
    const { logger, lines } = capture();
    const store = await openFileStore({ configDir, logger });
    const file = join(configDir, 'tokens', `${KEY}.json`);
    // Truncated JSON whose text holds a secret: V8's JSON.parse error message would quote it.
    await writeFile(file, `{"format":1,"type":"login","secrets":{"accessToken":"${SECRETS.accessToken}`, { mode: 0o600 });

    await expect(store.getTokens(KEY)).resolves.toBeUndefined();
    const listing = await store.list();
    expect(listing.logins).toEqual([]);
    expect(listing.unreadable).toEqual([{ key: KEY, type: 'login', path: file, reason: 'not valid JSON' }]);
    expect(lines.some((l) => l.includes(`unreadable login file ${file}: not valid JSON`))).toBe(true);
    expect(containsSecret(lines.join(''))).toBe(false);
    expect(containsSecret(JSON.stringify(listing))).toBe(false);

    // The next save replaces it.
    await store.setTokens(KEY, sampleLogin());
    expect((await store.getTokens(KEY))?.metadata.clientId).toBe('client-123');
  });

  it('treats a well-formed file with a bad field or an unknown format as absent, naming the field only', async () => {
    const store = await openFileStore({ configDir });
    const file = join(configDir, 'registrations', `${REG_KEY}.json`);
    await writeFile(file, JSON.stringify({ format: 1, type: 'registration', metadata: { issuer: 'x' } }), { mode: 0o600 });
    expect(await store.getRegistration(REG_KEY)).toBeUndefined();
    await writeFile(join(configDir, 'tokens', `${KEY}.json`), JSON.stringify({ format: 99, type: 'login' }), { mode: 0o600 });
    expect(await store.getTokens(KEY)).toBeUndefined();
    const { unreadable } = await store.list();
    expect(unreadable.map((u) => [u.type, u.reason])).toEqual([
      ['login', 'unsupported format (expected 1)'],
      ['registration', 'metadata.redirectUri must be a non-empty string'],
    ]);
  });

  it('ignores a leftover temp file from an interrupted write, and deleteAll removes it', async () => {
    const store = await openFileStore({ configDir });
    await store.setTokens(KEY, sampleLogin());
    const temp = join(configDir, 'tokens', `.${KEY}.json.4242.0123456789ab.tmp`);
    await writeFile(temp, '{"format":1,"type":"log', { mode: 0o600 });
    expect((await store.getTokens(KEY))?.secrets.accessToken).toBe(SECRETS.accessToken);
    const listing = await store.list();
    expect(listing.logins.map((l) => l.key)).toEqual([KEY]);
    expect(listing.unreadable).toEqual([]);
    expect(await store.deleteAll()).toEqual({ logins: 1, registrations: 0 });
    expect(await readdir(join(configDir, 'tokens'))).toEqual([]);
  });

  it('lists metadata only, never a secret, and never writes a secret to the log', async () => {
    const { logger, lines } = capture();
    const store = await openFileStore({ configDir, logger });
    await store.setTokens(KEY, sampleLogin());
    await store.setRegistration(REG_KEY, sampleRegistration());
    const listing = await store.list();
    expect(listing.logins).toHaveLength(1);
    expect(listing.logins[0]).toEqual({ key: KEY, metadata: expect.objectContaining({ issuer: 'https://auth.example.com' }) });
    expect(listing.logins[0]).not.toHaveProperty('secrets');
    expect(containsSecret(JSON.stringify(listing))).toBe(false);
    // Secrets the store has seen are registered with the logger, so even a careless later line is redacted.
    logger.info(`debugging: ${SECRETS.refreshToken} ${SECRETS.clientSecret}`);
    expect(containsSecret(lines.join(''))).toBe(false);
  });

  it('deletes single records and everything', async () => {
    const store = await openFileStore({ configDir });
    await store.setTokens(KEY, sampleLogin());
    await store.setRegistration(REG_KEY, sampleRegistration());
    expect(await store.deleteTokens(KEY)).toBe(true);
    expect(await store.deleteTokens(KEY)).toBe(false);
    expect(await store.getTokens(KEY)).toBeUndefined();
    await store.setTokens(KEY, sampleLogin());
    expect(await store.deleteAll()).toEqual({ logins: 1, registrations: 1 });
    expect(await store.getRegistration(REG_KEY)).toBeUndefined();
    expect(await store.deleteRegistration(REG_KEY)).toBe(false);
  });

  it('treats a login whose secrets are in the keychain as absent', async () => {
    const store = await openFileStore({ configDir });
    const saved = await store.setTokens(KEY, sampleLogin());
    const file = join(configDir, 'tokens', `${KEY}.json`);
    await writeFile(file, JSON.stringify({ format: 1, type: 'login', metadata: { ...saved.metadata, store: 'keychain' } }));
    expect(await store.getTokens(KEY)).toBeUndefined();
    expect((await store.list()).logins.map((l) => l.metadata.store)).toEqual(['keychain']);
  });

  it('refuses invalid input with an error naming the field, and a malformed key, writing nothing', async () => {
    const store = await openFileStore({ configDir });
    const bad = sampleLogin();
    (bad.secrets as { accessToken?: string }).accessToken = '';
    const error = await store.setTokens(KEY, bad).catch((e: unknown) => e);
    expect(isBridgeError(error, ErrorCode.Internal)).toBe(true);
    expect((error as Error).message).toContain('login.secrets.accessToken');
    await expect(store.getTokens('../../etc/passwd')).rejects.toThrow(/credential key/);
    expect(await readdir(join(configDir, 'tokens'))).toEqual([]);
  });
});
