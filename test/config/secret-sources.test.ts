// Secrets of the extension grants come from files or environment variables, never from the command line: a
// private key given to --client-key itself is refused (a path is fine, and so is the PEM in MCP_CLIENT_KEY); a
// workload token is a file or MCP_WORKLOAD_TOKEN; --dpop takes one of its words.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { oauthOf } from '../../src/config/types.js';
import { BridgeError, ErrorCode } from '../../src/errors.js';
import { tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';

useTeardown();

const URL_ = 'https://mcp.example.com/mcp';
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function refusal(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return error as BridgeError;
  }
  throw new Error('expected a usage error');
}

describe('secret sources', () => {
  it('--client-key: a path or MCP_CLIENT_KEY, never the PEM on the command line', () => {
    const machine = { url: URL_, clientCredentials: true, clientId: 'svc' };
    const onArgv = refusal(() => validateConfig({ ...machine, clientKey: pem }, {}));
    expect(onArgv.code).toBe(ErrorCode.Usage);
    expect(onArgv.message).toContain('--client-key takes the path of a PEM file, not the key itself');
    expect(onArgv.message).not.toContain('PRIVATE KEY');
    // commander hands the variable's value over as the option's value: that is fine.
    expect(oauthOf(validateConfig({ ...machine, clientKey: pem }, { MCP_CLIENT_KEY: pem }).server)?.clientKey?.source).toBe('MCP_CLIENT_KEY');
    const file = join(tempDir(), 'key.pem');
    writeFileSync(file, pem, { mode: 0o600 });
    expect(oauthOf(validateConfig({ ...machine, clientKey: file }, {}).server)?.clientKey?.source).toBe(file);
  });

  it('a workload token from a file or MCP_WORKLOAD_TOKEN; --dpop takes auto, required or off', () => {
    const fromEnv = oauthOf(validateConfig({ url: URL_ }, { MCP_WORKLOAD_TOKEN: ' a.b.c ' }).server);
    expect(fromEnv).toMatchObject({ grant: 'workload_identity', workloadToken: { kind: 'env', name: 'MCP_WORKLOAD_TOKEN', value: 'a.b.c' }, dpop: 'auto' });
    const file = join(tempDir(), 'token');
    writeFileSync(file, 'a.b.c');
    expect(oauthOf(validateConfig({ url: URL_, workloadTokenFile: file, dpop: 'required' }, {}).server)).toMatchObject({ workloadToken: { kind: 'file', path: file }, dpop: 'required' });
    expect(refusal(() => validateConfig({ url: URL_, dpop: 'sometimes' }, {})).message).toContain('--dpop');
  });
});
