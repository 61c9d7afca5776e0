/**
 * The HTTP front of `serve` run in the test process, over the real backends of one real server URL, for the
 * tests that need several users: its authenticator is a real {@link InboundAuthenticator} that believes the
 * `X-Test-User` header (what a trusted proxy's header would be), refusing requests without it with 401. Its log
 * lines are kept for assertions. Stopped (drained) after the test.
 */
import { Writable } from 'node:stream';
import { urlBackends } from '../../src/cli/serve-backends.js';
import { processRuntime } from '../../src/config/runtime.js';
import { validateConfig } from '../../src/config/validate.js';
import { createLogger } from '../../src/log.js';
import { startHttpFront, type HttpFront, type HttpFrontOptions } from '../../src/serve/http-front.js';
import type { InboundAuthenticator } from '../../src/serve/inbound-auth/types.js';
import { onTeardown } from '../helpers/cleanup.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { PASS_ALL } from '../../src/config/file/tool-filter.js';
import { createGroupGuardian } from '../../src/upstream/stdio/guardian.js';
import { createUserSide } from '../../src/serve/users/user-side.js';

/** Believes `X-Test-User`; see the module comment. */
export function testUserAuthenticator(): InboundAuthenticator {
  return {
    required: true,
    authenticate: async (req) => {
      const user = req.headers['x-test-user'];
      if (typeof user === 'string' && user !== '') return { ok: true, identity: { user, method: 'header' } };
      return { ok: false, status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'invalid_request', error_description: 'no X-Test-User' } };
    },
    route: () => false,
  };
}

/** A running in-process front. */
export interface InProcessFront {
  front: HttpFront;
  port: number;
  /** Every log line so far. */
  log(): string;
}

/** Starts the front on a free loopback port before the server at `url`; `options` are passed to the front. */
export async function startInProcessFront(url: string, options: Pick<HttpFrontOptions, 'modern'> = {}): Promise<InProcessFront> {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const log = createLogger({ level: 'debug', stream });
  const runtime = processRuntime();
  const config = validateConfig({ url, auth: 'none' }, {});
  const name = new URL(url).host;
  const side = createUserSide({
    servers: new Map([[name, { name, kind: 'remote' as const, config: config.server, filter: PASS_ALL }]]),
    specs: [],
    rules: undefined,
    process: config.process,
    runtime,
    guardian: createGroupGuardian({ logger: log }),
    logger: log,
    configDir: tempDir(),
    origin: () => 'http://127.0.0.1',
  });
  const backends = await urlBackends({ config, runtime, log, side });
  const front = await startHttpFront({
    host: '127.0.0.1',
    port: 0,
    corsOrigins: [],
    authenticator: testUserAuthenticator(),
    backends,
    maxMessageBytes: 1024 * 1024,
    maxSessions: 100,
    sessionIdleMs: 0,
    logger: log,
    ...options,
  });
  onTeardown(async () => {
    await front.drain(1_000);
    await backends.close();
  });
  return { front, port: front.port, log: () => text };
}
