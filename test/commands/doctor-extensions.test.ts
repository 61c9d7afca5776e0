// `doctor` for the extension grants: a DPoP server (the challenge's scheme, and whether tokens will be bound) and
// workload identity (the platform JWT read, unexpired, and for this authorization server — or not, with the fix).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStore, tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { doctorSteps } from '../helpers/doctor-report.js';
import { acceptWorkloadTokens, startAuthStack, startDPoPMcpServer, startOidcProvider, startWorkloadPlatform, WORKLOAD_CLIENT } from '../helpers/oidc/index.js';

useTeardown();

const doctor = (url: string, extra: string[] = [], env: Record<string, string> = {}) => runCli(['doctor', ...fileStore(tempDir()), ...extra, url], env, 30_000);

function step(result: CliResult, name: string) {
  const found = doctorSteps(result.stdout).get(name);
  expect(found, `step "${name}" in:\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toHaveLength(1);
  return found![0]!;
}

describe('doctor: extension grants', () => {
  it('a DPoP server: the challenge is DPoP, and the tokens will be bound', async () => {
    const provider = await startOidcProvider();
    const server = await startDPoPMcpServer({ issuer: provider.issuer });
    const result = await doctor(server.url);
    expect(step(result, '401 challenge').detail).toMatch(/^DPoP, resource_metadata=/);
    expect(step(result, 'DPoP')).toMatchObject({ ok: true, detail: expect.stringContaining('the server asks for DPoP') });
  });

  it('workload identity without a client: the token for this authorization server ✓; for another audience ✗ with the fix', async () => {
    const platform = await startWorkloadPlatform();
    const { provider, server } = await startAuthStack({ provider: { extraClients: [WORKLOAD_CLIENT], setup: acceptWorkloadTokens(platform, []) } });
    const file = join(tempDir(), 'token');
    writeFileSync(file, await platform.tokenFor('job', { audience: provider.issuer }));
    const good = await doctor(server.url, ['--workload-token-file', file]);
    expect(step(good, 'Workload token')).toMatchObject({ ok: true, detail: `from ${file}, not expired, for ${provider.issuer}` });
    expect(step(good, 'Client')).toMatchObject({ ok: true, detail: 'none: the workload identity token identifies the workload' });
    expect(step(good, 'Grant').ok).toBe(true);

    writeFileSync(file, await platform.tokenFor('job', { audience: 'https://elsewhere.example' }));
    const wrong = await doctor(server.url, ['--workload-token-file', file]);
    expect(step(wrong, 'Workload token')).toMatchObject({ ok: false, fix: expect.stringContaining(`with the audience ${provider.issuer}`) });
    expect(wrong.code).toBe(1);
  });
});
