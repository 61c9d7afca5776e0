/**
 * What every {@link CredentialStore} must do, as tests: run for the file store and for serve's Redis store, so the
 * Redis store is held to the same behaviour the Authorizer relies on.
 */
import { expect, it } from 'vitest';
import type { CredentialStore } from '../../../src/store/credential-store.js';
import { registrationKey, tokenKey } from '../../../src/store/index.js';
import { sampleLogin, sampleRegistration } from '../helpers/fixtures.js';

export const KEY = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://mcp.example.com/mcp', clientId: 'client-123' });
export const KEY2 = tokenKey({ issuer: 'https://auth.example.com', resource: 'https://other.example.com/mcp', clientId: 'client-123' });
export const REG_KEY = registrationKey({ issuer: 'https://auth.example.com', redirectUri: 'http://127.0.0.1:33418/callback' });

/**
 * Declares the contract's tests. `open()` gives a store; `reopen()` gives a second store over the same data, as
 * another process (or instance) would see it.
 */
export function credentialStoreContract(open: () => Promise<{ store: CredentialStore; reopen: () => Promise<CredentialStore> }>): void {
  it('round-trips a login and a registration, deriving hasRefreshToken, hasClientSecret and store', async () => {
    const { store, reopen } = await open();
    const saved = await store.setTokens(KEY, sampleLogin());
    expect(saved.metadata).toMatchObject({ hasRefreshToken: true, store: store.kind, expiresAt: 1_900_000_000_000 });
    expect(await store.getTokens(KEY)).toEqual(saved);
    const reg = await store.setRegistration(REG_KEY, sampleRegistration());
    expect(reg.metadata).toMatchObject({ hasClientSecret: true, store: store.kind, clientId: 'client-123' });
    expect(reg.metadata.clientMetadata).not.toHaveProperty('client_secret');
    expect(await store.getRegistration(REG_KEY)).toEqual(reg);
    const again = await reopen();
    expect(await again.getTokens(KEY)).toEqual(saved);
    expect(await again.getRegistration(REG_KEY)).toEqual(reg);
    expect(await again.getTokens(KEY2)).toBeUndefined();
  });

  it('replaces a login, and a login without a refresh token says so', async () => {
    const { store, reopen } = await open();
    await store.setTokens(KEY, sampleLogin());
    const next = sampleLogin({ obtainedAt: 1_899_999_500_000 });
    next.secrets = { accessToken: 'at-second' };
    const saved = await store.setTokens(KEY, next);
    expect(saved.metadata.hasRefreshToken).toBe(false);
    expect(await (await reopen()).getTokens(KEY)).toEqual(saved);
  });

  it('deletes a login and a registration, saying whether there was one', async () => {
    const { store, reopen } = await open();
    await store.setTokens(KEY, sampleLogin());
    await store.setRegistration(REG_KEY, sampleRegistration());
    expect(await store.deleteTokens(KEY)).toBe(true);
    expect(await store.deleteTokens(KEY)).toBe(false);
    expect(await store.deleteRegistration(REG_KEY)).toBe(true);
    expect(await store.deleteRegistration(REG_KEY)).toBe(false);
    const again = await reopen();
    expect(await again.getTokens(KEY)).toBeUndefined();
    expect(await again.getRegistration(REG_KEY)).toBeUndefined();
  });

  it('lists logins by key with metadata only, and deleteAll removes every login and registration', async () => {
    const { store, reopen } = await open();
    await store.setTokens(KEY, sampleLogin());
    await store.setTokens(KEY2, sampleLogin({ resource: 'https://other.example.com/mcp', serverUrl: 'https://other.example.com/mcp' }));
    await store.setRegistration(REG_KEY, sampleRegistration());
    const listing = await store.list();
    expect(listing.unreadable).toEqual([]);
    expect(listing.logins.map((l) => l.key)).toEqual([KEY, KEY2].sort());
    expect(JSON.stringify(listing)).not.toContain(sampleLogin().secrets.accessToken);
    expect(await store.deleteAll()).toEqual({ logins: 2, registrations: 1 });
    const again = await reopen();
    expect((await again.list()).logins).toEqual([]);
    expect(await again.getRegistration(REG_KEY)).toBeUndefined();
  });

  it('refuses a malformed key and a login without an access token', async () => {
    const { store } = await open();
    await expect(store.getTokens('../etc/passwd')).rejects.toMatchObject({ code: 'INTERNAL' });
    const bad = sampleLogin();
    bad.secrets = { accessToken: '' };
    await expect(store.setTokens(KEY, bad)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
}
