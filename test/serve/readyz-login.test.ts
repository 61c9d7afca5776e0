/**
 * `/readyz` in front of a server that needs each user's login: the server answers (with its challenge), so serve is
 * ready — and stays ready: the monitor's own login is never finished by anyone, and must not time out into a
 * "failed" that would take serve out of a load balancer every few minutes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { writeConfigFile } from '../aggregate/aggregate-bridge.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';
import { waitFor } from '../helpers/wait.js';
import { rawHttp } from './raw-http.js';
import { startServe } from './serve-process.js';

useTeardown();

describe('/readyz with a server that needs each user\'s login', () => {
  it('is ready while the server answers with its challenge, also after the login timeout has passed', async () => {
    const stack = await startAuthStack();
    const file = writeConfigFile({ mcpServers: { secure: { url: stack.server.url, allowHttp: true, authTimeout: '1s' } } });
    const serve = await startServe(['--config', file, '--config-dir', tempDir()]);
    const first = await waitFor('/readyz to see the login', async () => {
      const r = await rawHttp({ port: serve.port, path: '/readyz' });
      return (JSON.parse(r.text) as { servers: Record<string, string> }).servers.secure === 'waiting for login' && r;
    }, { timeoutMs: 15_000 });
    expect(first.status).toBe(200);
    await sleep(2_500);
    const later = await rawHttp({ port: serve.port, path: '/readyz' });
    expect([later.status, JSON.parse(later.text)]).toEqual([200, { status: 'ready', servers: { secure: 'waiting for login' } }]);
  });
});
