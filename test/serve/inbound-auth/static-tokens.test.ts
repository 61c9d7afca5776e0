// Static bearer tokens at serve: each names its user; a wrong one, a prefix of a right one, one of another length or
// one that differs in its last character is refused (all through the same constant-time path: hashes of equal
// length, every configured token compared); the answers never carry the token; the tokens are registered as secrets
// so no log line can hold them; with JWTs configured too, a static token still wins without asking the issuer.
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { createInboundAuth } from '../../../src/serve/inbound-auth/create.js';
import { StaticTokens } from '../../../src/serve/inbound-auth/static-tokens.js';
import { call, recordingLogger, startGuardedServer } from './guarded-server.js';

useTeardown();

const ALICE = 'alice-0123456789abcdef0123456789abcdef';
const BOB = 'bob-fedcba9876543210fedcba9876543210xyz';

async function tokenServer(jwtIssuer?: string) {
  const server = await startGuardedServer();
  const { logger, lines } = recordingLogger();
  const auth = createInboundAuth(
    { tokens: [{ user: 'alice', token: ALICE }, { user: 'bob', token: BOB }], ...(jwtIssuer ? { jwt: { issuer: jwtIssuer } } : {}) },
    { logger, publicUrl: server.publicUrl },
  );
  server.use(auth);
  return { ...server, auth, logger, lines };
}

describe('static tokens', () => {
  it('each names its user', async () => {
    const s = await tokenServer();
    expect(s.auth.required).toBe(true);
    expect((await call(s.port, { headers: { authorization: `Bearer ${ALICE}` } })).json).toEqual({ user: 'alice', method: 'token' });
    expect((await call(s.port, { headers: { authorization: `bearer ${BOB}` } })).json).toEqual({ user: 'bob', method: 'token' });
  });

  it.each([
    ['a wrong token', 'carol-0123456789abcdef0123456789abcdef'],
    ['a prefix of a right one', ALICE.slice(0, 20)],
    ['a right one with one more character', `${ALICE}0`],
    ['a right one with its last character changed', `${ALICE.slice(0, -1)}0`],
    ['a very long one', 'x'.repeat(10_000)],
  ])('%s is refused with 401 invalid_token, not quoted', async (_what, token) => {
    const s = await tokenServer();
    const answer = await call(s.port, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'invalid_token', error_description: 'the token is not one this server accepts' });
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(answer.text + JSON.stringify(answer.headers)).not.toContain(token.slice(0, 16));
    expect(s.lines.join('')).toContain('refused a request from 127.0.0.1: 401 invalid_token');
    expect(s.lines.join('')).not.toContain(token.slice(0, 16));
  });

  it('no credentials: 401 with a bare Bearer challenge', async () => {
    const s = await tokenServer();
    const answer = await call(s.port);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    expect(answer.json.error).toBe('invalid_request');
  });

  it('are registered as secrets: no log line can contain them', async () => {
    const s = await tokenServer();
    s.logger.error(`a line that quotes ${ALICE} and ${BOB}`);
    const text = s.lines.join('');
    expect(text).toContain('a line that quotes');
    expect(text).not.toContain(ALICE);
    expect(text).not.toContain(BOB);
  });

  it('win over JWT validation: a static token is accepted without asking the issuer (here unreachable)', async () => {
    const s = await tokenServer('http://127.0.0.1:1');
    expect((await call(s.port, { headers: { authorization: `Bearer ${ALICE}` } })).json).toEqual({ user: 'alice', method: 'token' });
  });

  it('compare every configured token, and tokens of any length, without throwing (timingSafeEqual needs equal lengths)', () => {
    const tokens = new StaticTokens([
      { user: 'alice', token: ALICE },
      { user: 'bob', token: BOB },
      { user: 'alice-again', token: `${ALICE}-second` },
    ]);
    expect(tokens.userOf(BOB)).toBe('bob');
    expect(tokens.userOf(`${ALICE}-second`)).toBe('alice-again');
    expect(tokens.userOf('')).toBeUndefined();
    expect(tokens.userOf('é'.repeat(7))).toBeUndefined();
  });
});

describe('no method configured', () => {
  it('is not required, and every request is the local user', async () => {
    const server = await startGuardedServer();
    const auth = createInboundAuth({}, { logger: recordingLogger().logger, publicUrl: server.publicUrl });
    server.use(auth);
    expect(auth.required).toBe(false);
    expect((await call(server.port)).json).toEqual({ user: 'local', method: 'none' });
  });
});
