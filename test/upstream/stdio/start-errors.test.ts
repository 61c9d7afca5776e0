// A local server that cannot start, or stops before it answers initialize: the client's initialize is answered
// with an error that names the server and the command and says what to do, never a bare "session ended".
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../../src/errors.js';
import { createLogger, SecretRegistry } from '../../../src/log.js';
import type { UpstreamEvents } from '../../../src/upstream/port.js';
import { createStdioConnector } from '../../../src/upstream/stdio/connector.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { connectStdioBridge } from '../../helpers/stdio-bridge.js';

useTeardown();

const INITIALIZE = {
  jsonrpc: '2.0' as const,
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};
const NO_EVENTS: UpstreamEvents = { onmessage: () => undefined, onResponseStreamEnd: () => undefined, onSessionLost: () => undefined };

async function openError(options: { command: string; args?: string[]; cwd?: string; env?: Record<string, string> }): Promise<BridgeError> {
  const connector = createStdioConnector({
    name: 'local',
    args: [],
    env: {},
    maxMessageBytes: 65_536,
    logger: createLogger({ level: 'silent', secrets: new SecretRegistry() }),
    ...options,
  });
  onTeardown(() => connector.close());
  const error = await connector.open({ initialize: INITIALIZE, events: NO_EVENTS }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BridgeError);
  return error as BridgeError;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stdio-start-'));
  onTeardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('a command that cannot start', () => {
  it('not found (ENOENT): names the server and the command, and shows the PATH it was looked up on', async () => {
    const error = await openError({ command: 'no-such-mcp-server-xyz', env: { PATH: '/nowhere/bin:/usr/bin' } });
    expect(error.code).toBe('LOCAL_SERVER_START');
    expect(error.message).toBe('could not start the local server "local": command "no-such-mcp-server-xyz" not found');
    expect(error.hint).toContain('is it installed? The command is looked up on PATH (/nowhere/bin:/usr/bin)');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('not executable (EACCES): says so', async () => {
    const file = join(tempDir(), 'server.sh');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o644);
    const error = await openError({ command: file });
    expect(error.code).toBe('LOCAL_SERVER_START');
    expect(error.message).toBe(`could not start the local server "local": command ${JSON.stringify(file)} is not executable (EACCES)`);
  });

  it('a working directory that does not exist: names the directory, not the command', async () => {
    const cwd = join(tempDir(), 'missing');
    const error = await openError({ command: process.execPath, cwd });
    expect(error.code).toBe('LOCAL_SERVER_START');
    expect(error.message).toBe(`could not start the local server "local": its working directory ${JSON.stringify(cwd)} does not exist`);
  });

  it('through the bridge: the client’s initialize gets the error with its code', async () => {
    const bridged = await connectStdioBridge({ name: 'missing', command: 'no-such-mcp-server-xyz', args: [], connect: false });
    const error = await bridged.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toContain('could not start the local server "missing": command "no-such-mcp-server-xyz" not found');
    expect((error as McpError).data).toMatchObject({ code: 'LOCAL_SERVER_START' });
  });
});

describe('a command that stops before it answers initialize', () => {
  it('the client’s initialize is answered with the exit code and the last stderr lines', async () => {
    const script = "console.error('missing API_KEY: set it in env'); process.exit(2)";
    const bridged = await connectStdioBridge({ name: 'broken', command: process.execPath, args: ['-e', script], connect: false });
    const error = await bridged.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    const { message, data } = error as McpError;
    expect(message).toContain('the local server "broken" exited with code 2; its last stderr lines: "missing API_KEY: set it in env", before it answered initialize');
    expect(message).toContain('run its command in a terminal to see why it stops');
    expect(data).toMatchObject({ code: 'LOCAL_SERVER_START' });
  });
});
