// The one selection rule for stored logins (src/auth/stored-logins.ts), used by the bridge at start-up, by adoption
// of another process's login, by `doctor`, and by `status`/`logout`: which logins serve which configuration.
import { describe, expect, it } from 'vitest';
import { bridgeLoginCriteria, firstUsableLogin, selectLogins, sameKind, snapshotLogins } from '../../src/auth/stored-logins.js';
import type { ListedLogin, LoginGrant, LoginMetadata, StoredLogin } from '../../src/store/index.js';

const SERVER = 'https://mcp.example.com/mcp';

function listed(key: string, meta: Partial<LoginMetadata>): ListedLogin {
  return {
    key,
    metadata: {
      serverUrl: SERVER,
      issuer: 'https://as.example.com',
      resource: SERVER,
      clientId: 'c1',
      clientIdSource: 'dynamic',
      scopes: ['mcp:read'],
      obtainedAt: 1_000,
      hasRefreshToken: true,
      store: 'file',
      ...meta,
    },
  };
}

describe('stored-login selection', () => {
  it('a machine grant serves only the same grant; user grants serve each other', () => {
    const meta = (grant?: LoginGrant) => listed('k', grant ? { grant } : {}).metadata;
    expect(sameKind('authorization_code', meta('device_code'))).toBe(true);
    expect(sameKind('device_code', meta())).toBe(true);
    expect(sameKind('client_credentials', meta())).toBe(false);
    expect(sameKind('authorization_code', meta('client_credentials'))).toBe(false);
    expect(sameKind('jwt_bearer', meta('client_credentials'))).toBe(false);
    expect(sameKind('client_credentials', meta('client_credentials'))).toBe(true);
  });

  it("the bridge's criteria: its server, the same kind, the --issuer (as a URL) and --client-id; newest first", () => {
    const logins = [
      listed('old', { obtainedAt: 1 }),
      listed('new', { obtainedAt: 5 }),
      listed('other-server', { serverUrl: 'https://other.example.com/mcp', obtainedAt: 9 }),
      listed('machine', { grant: 'client_credentials', obtainedAt: 9 }),
      listed('other-issuer', { issuer: 'https://elsewhere.example.com', obtainedAt: 9 }),
      listed('other-client', { clientId: 'c2', obtainedAt: 9 }),
    ];
    const url = new URL(SERVER);
    expect(selectLogins(logins, bridgeLoginCriteria({ serverUrl: url, grant: 'authorization_code' })).map((l) => l.key)).toEqual([
      'other-issuer',
      'other-client',
      'new',
      'old',
    ]);
    const named = bridgeLoginCriteria({ serverUrl: url, grant: 'authorization_code', issuer: 'https://as.example.com/', clientId: 'c1' });
    expect(selectLogins(logins, named).map((l) => l.key)).toEqual(['new', 'old']);
    expect(selectLogins(logins, { serverUrl: SERVER, newerThan: 4, grant: 'client_credentials' }).map((l) => l.key)).toEqual(['machine']);
  });

  it('the first usable login skips expired ones, ones without the scopes, and the refused token', async () => {
    const secrets: Record<string, StoredLogin['secrets']> = { a: { accessToken: 'A' }, b: { accessToken: 'B' }, c: { accessToken: 'C' }, d: { accessToken: 'D' } };
    const candidates = [
      listed('a', { expiresAt: 50 }),
      listed('b', { scopes: ['other'] }),
      listed('c', {}),
      listed('d', {}),
    ];
    const store = { getTokens: async (key: string) => ({ metadata: candidates.find((c) => c.key === key)!.metadata, secrets: secrets[key]! }) };
    const found = await firstUsableLogin(store, candidates, { now: 100, rejectedToken: 'C', scopes: ['mcp:read'] });
    expect(found?.key).toBe('d');
    expect(await firstUsableLogin(store, candidates, { now: 100, rejectedToken: 'D', scopes: ['nope'] })).toBeUndefined();
  });

  it('given a snapshot, only a login stored since is usable: told by key and obtainedAt being equal, whatever the clocks', async () => {
    const logins = [listed('kept', { obtainedAt: 900 }), listed('redone', { obtainedAt: 200 })];
    const store = {
      list: async () => ({ logins, unreadable: [] }),
      getTokens: async (key: string) => ({ metadata: logins.find((l) => l.key === key)!.metadata, secrets: { accessToken: key } }),
    };
    const before = await snapshotLogins(store, { serverUrl: SERVER });
    expect([...before]).toEqual([['kept', 900], ['redone', 200]]);
    const usable = () => firstUsableLogin(store, selectLogins(logins, { serverUrl: SERVER }), { now: 0, rejectedToken: undefined, scopes: undefined, changedSince: before });
    expect(await usable()).toBeUndefined();
    // Stored since by writers whose clocks run behind: older by the clock, yet new to the snapshot.
    logins[1] = listed('redone', { obtainedAt: 100 });
    logins.push(listed('added', { obtainedAt: 50 }));
    expect((await usable())?.key).toBe('redone');
    logins.splice(1, 1);
    expect((await usable())?.key).toBe('added');
  });
});
