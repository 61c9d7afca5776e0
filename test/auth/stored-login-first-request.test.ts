// A bridge that starts with a stored login sends it with its very first request: no 401 round trip (which would
// also show up as a failed authentication in the server's logs at every client launch).
import { describe, expect, it } from 'vitest';
import { connectWithLogin, connectWithoutLogin, tempDir, whoami } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { startAuthStack } from '../helpers/oidc/index.js';

useTeardown();

describe('a start with a stored login', () => {
  it('carries the stored token from the first request on', async () => {
    const stack = await startAuthStack();
    const configDir = tempDir();
    const { bridge: first } = await connectWithLogin({ url: stack.server.url, configDir });
    await whoami(first);
    await first.close();
    const refusedBefore = stack.server.counters.unauthorized;
    const second = await connectWithoutLogin({ url: stack.server.url, configDir, label: 'second' });
    expect(await whoami(second)).toMatchObject({ sub: 'alice' });
    expect(stack.server.counters.unauthorized).toBe(refusedBefore);
    expect(stack.provider.counters.authorizationRequests).toBe(1);
  });
});
