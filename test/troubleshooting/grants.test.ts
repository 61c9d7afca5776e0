// Troubleshooting rows of the extension grants: workload identity (a platform JWT the server does not accept).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authArgs, tempDir } from '../helpers/auth-bridge.js';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { acceptWorkloadTokens, startAuthStack, startWorkloadPlatform, WORKLOAD_CLIENT, WORKLOAD_CLIENT_ID, type WorkloadGrantRecord } from '../helpers/oidc/index.js';
import { initializeOutcome, type RequestEnd } from '../helpers/outcomes.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

function errorMessage(end: RequestEnd): string {
  if (end.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(end)}`);
  return end.message;
}

describe('extension grants', () => {
  it('a workload JWT issued for another audience: the server\'s refusal, with what to check', async () => {
    const platform = await startWorkloadPlatform();
    const grants: WorkloadGrantRecord[] = [];
    const { provider, server } = await startAuthStack({ provider: { extraClients: [WORKLOAD_CLIENT], setup: acceptWorkloadTokens(platform, grants) } });
    const tokenFile = join(tempDir(), 'token');
    writeFileSync(tokenFile, await platform.tokenFor('job', { audience: 'https://elsewhere.example' }));
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--client-id', WORKLOAD_CLIENT_ID, '--workload-token-file', tokenFile, server.url]);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'refused the workload identity token from …: invalid_grant');
    expect(message).toContain(provider.issuer);
    expect(grants.map((g) => g.outcome)).toEqual(['invalid_grant']);
  });
});

describe('DPoP', () => {
  it('--dpop required with an authorization server that cannot bind tokens: says so, and no login starts', async () => {
    const { provider, server } = await startAuthStack({ provider: { dpop: false } });
    const raw = spawnBridgeRaw([...authArgs(tempDir()), '--dpop', 'required', '--no-browser', server.url]);
    const message = errorMessage(await initializeOutcome(raw, 20_000));
    expectDocumented(message, 'does not offer DPoP with ES256');
    expect(message).toContain(provider.issuer);
    expect(provider.counters.authorizationRequests).toBe(0);
  });
});
