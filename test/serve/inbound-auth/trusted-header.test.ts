// The trusted identity header: honoured from a listed peer only. Two real peers on one machine: Linux routes all of
// 127/8 to loopback, so a client socket bound to 127.0.0.2 is another peer than 127.0.0.1 at the server. From a peer
// that is not listed the header is ignored (the request then needs a token like any other) and logged, at most once
// a minute per peer, with the memory for that bounded.
import { describe, expect, it } from 'vitest';
import { useTeardown, onTeardown } from '../../helpers/cleanup.js';
import { listenLoopback } from '../../helpers/http-util.js';
import { createInboundAuth } from '../../../src/serve/inbound-auth/create.js';
import { PeerMatcher } from '../../../src/serve/inbound-auth/peers.js';
import { TrustedHeader } from '../../../src/serve/inbound-auth/trusted-header.js';
import { BridgeError, ErrorCode } from '../../../src/errors.js';
import { call, recordingLogger, startGuardedServer } from './guarded-server.js';

useTeardown();

const TOKEN = 'carol-0123456789abcdef0123456789abcdef';

async function headerServer(peers: string[], now?: () => number) {
  const server = await startGuardedServer();
  const { logger, lines } = recordingLogger();
  server.use(createInboundAuth({ trustedHeader: { name: 'X-Forwarded-User', peers }, tokens: [{ user: 'carol', token: TOKEN }] }, { logger, publicUrl: server.publicUrl, now }));
  return { ...server, lines };
}

const ignoredLines = (lines: string[]) => lines.filter((l) => l.includes('ignored the X-Forwarded-User header'));

describe('the trusted header', () => {
  it('from a listed peer names the user', async () => {
    const s = await headerServer(['127.0.0.1']);
    const answer = await call(s.port, { headers: { 'x-forwarded-user': 'alice@example.com' } });
    expect(answer.json).toEqual({ user: 'alice@example.com', method: 'header' });
  });

  it('from a listed peer wins over a token', async () => {
    const s = await headerServer(['127.0.0.1']);
    const answer = await call(s.port, { headers: { 'x-forwarded-user': 'alice', authorization: `Bearer ${TOKEN}` } });
    expect(answer.json).toEqual({ user: 'alice', method: 'header' });
  });

  it('from a peer that is not listed is ignored: without a token 401, with one the token\'s user, and logged', async () => {
    const s = await headerServer(['127.0.0.1']);
    const bare = await call(s.port, { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'alice' } });
    expect(bare.status).toBe(401);
    const withToken = await call(s.port, { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'alice', authorization: `Bearer ${TOKEN}` } });
    expect(withToken.json).toEqual({ user: 'carol', method: 'token' });
    const logged = ignoredLines(s.lines);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('from 127.0.0.2, which is not a listed peer');
    expect(logged[0]).not.toContain('alice');
  });

  it('from a peer inside a listed CIDR range is honoured', async () => {
    const s = await headerServer(['10.0.0.0/8', '127.0.0.0/30']);
    const answer = await call(s.port, { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'dave' } });
    expect(answer.json).toEqual({ user: 'dave', method: 'header' });
  });

  it('given twice, even from a listed peer, is ignored (a client\'s value may have been passed on beside the proxy\'s)', async () => {
    const s = await headerServer(['127.0.0.1']);
    const answer = await call(s.port, { headers: { 'x-forwarded-user': ['mallory', 'alice'] } });
    expect(answer.status).toBe(401);
    expect(s.lines.join('')).toMatch(/header came 2 times from 127\.0\.0\.1; ignored/);
  });

  it('absent or empty from a listed peer leaves the request to its token', async () => {
    const s = await headerServer(['127.0.0.1']);
    expect((await call(s.port, { headers: { authorization: `Bearer ${TOKEN}` } })).json).toEqual({ user: 'carol', method: 'token' });
    expect((await call(s.port, { headers: { 'x-forwarded-user': '  ' } })).status).toBe(401);
  });

  it('ignored from one peer is logged at most once a minute', async () => {
    let now = 1_000_000;
    const s = await headerServer(['127.0.0.1'], () => now);
    for (let i = 0; i < 3; i++) await call(s.port, { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'alice' } });
    expect(ignoredLines(s.lines)).toHaveLength(1);
    await call(s.port, { localAddress: '127.0.0.3', headers: { 'x-forwarded-user': 'alice' } });
    expect(ignoredLines(s.lines)).toHaveLength(2);
    now += 61_000;
    await call(s.port, { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'alice' } });
    expect(ignoredLines(s.lines)).toHaveLength(3);
  });

  it('remembers a bounded number of peers for its log limit', async () => {
    const { logger } = recordingLogger();
    const header = new TrustedHeader({ name: 'X-Forwarded-User', peers: new PeerMatcher(['10.0.0.1']), logger, now: () => 5_000, maxRememberedPeers: 3 });
    const listening = await listenLoopback((req, res) => {
      res.end(JSON.stringify(header.identify(req)));
    });
    onTeardown(() => listening.close());
    for (let i = 2; i <= 8; i++) {
      const answer = await call(listening.port, { localAddress: `127.0.0.${i}`, headers: { 'x-forwarded-user': 'alice' } });
      expect(answer.json).toEqual({ kind: 'none' });
      expect(header.rememberedPeers).toBeLessThanOrEqual(3);
    }
    expect(header.rememberedPeers).toBe(3);
  });

  it('with a peer list entry that is not an address is refused at start, naming it', () => {
    let error: unknown;
    try {
      createInboundAuth({ trustedHeader: { name: 'X-Forwarded-User', peers: ['10.0.0.0/8', 'proxy.internal'] } }, { logger: recordingLogger().logger, publicUrl: 'http://127.0.0.1:8080/' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe(ErrorCode.Config);
    expect((error as BridgeError).message).toBe('trusted header peers: "proxy.internal" is not an IPv4 or IPv6 address or CIDR range');
  });
});
