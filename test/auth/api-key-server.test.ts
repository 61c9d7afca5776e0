// A server that wants an API key: 401 with a non-OAuth or no challenge, no protected-resource metadata, every path
// refused. Regression: the 2025-03-26 fallback took its origin for an authorization server (its /authorize answered
// 401, not 404) and the user got "dynamic client registration … failed: invalid_client". Now the error says the server
// refused without saying how to log in, quotes its answer safely (bounded, control characters escaped), and names both
// fixes; `doctor` says the same; nothing is registered or opened.
import { describe, expect, it } from 'vitest';
import { authArgs, tempDir, fileStore } from '../helpers/auth-bridge.js';
import { startApiKeyServer } from '../helpers/api-key-server.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { expectDocumented } from '../troubleshooting/readme-rows.js';
import { doctorSteps } from '../helpers/doctor-report.js';
import { runCli } from '../helpers/cli.js';

useTeardown();

describe('a server that wants an API key', () => {
  it.each([
    ['a non-OAuth challenge', 'ApiKey realm="tools"'],
    ['no challenge at all', undefined],
  ])('with %s: a clear error quoting the server, naming --header and --issuer/--client-id; doctor agrees', async (_label, challenge) => {
    const server = await startApiKeyServer({ challenge, body: `missing x-api-key\u001b[31m header ${'x'.repeat(400)}` });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--no-browser', server.url]);
    const end = await initializeOutcome(raw, 20_000);
    expect(end.kind, JSON.stringify(end)).toBe('error');
    const message = end.kind === 'error' ? end.message : '';
    expectDocumented(message, 'refused the request without saying how to log in');
    expect(message).toContain('missing x-api-key');
    if (challenge) expect(message).toContain(challenge.replace(/"/g, '"'));
    expect(message).not.toContain('\u001b'); // escaped, not passed to the terminal
    expect(message).toContain('\\x1b');
    expect(message).not.toContain('x'.repeat(300)); // bounded
    expect(message).toContain('--header "Authorization:${VAR}"');
    expect(message).toContain('--issuer');
    expect(message).toContain('--client-id');
    expect(message).not.toContain('registration');
    expect(server.paths).not.toContain('/register');
    expect(raw.exitStatus()).toBeUndefined();

    const doctor = await runCli(['doctor', ...fileStore(tempDir()), server.url]);
    expect(doctor.code).toBe(1);
    const failed = [...doctorSteps(doctor.stdout).values()].flat().filter((s) => !s.ok);
    expect(failed.map((s) => s.detail).join('\n')).toContain('refused the request without saying how to log in');
    expect(failed.map((s) => s.fix ?? '').join('\n')).toContain('--header "Authorization:${VAR}"');
  });
});
