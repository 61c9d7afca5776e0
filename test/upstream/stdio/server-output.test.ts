// What a local server writes that is not a message the client can take: an answer over the size limit (dropped,
// its request answered with an error), a line that is not JSON (logged, dropped), control characters on stderr
// (neutralized in the log). The bridge goes on working after each.
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/auth-bridge.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { connectStdioBridge, FIXTURE_SERVER } from '../../helpers/stdio-bridge.js';
import { waitFor } from '../../helpers/wait.js';

useTeardown();

const textOf = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

describe('output of a local server that the bridge does not pass on', () => {
  it('an answer over maxMessageBytes is dropped with a warning, its request gets MESSAGE_TOO_LARGE, and the bridge keeps working', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER], maxMessageBytes: 64 * 1024 });
    const error = await bridged.client.callTool({ name: 'big', arguments: { bytes: 200_000 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).data).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect((error as McpError).message).toContain('over the 65536-byte limit');
    expect(bridged.logs.some((l) => /warn: dropped a \d+-byte message from the server: over the 65536-byte limit .*answered request/.test(l))).toBe(true);

    // Same child, next request: nothing was left half-read.
    expect(textOf(await bridged.client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('still here');
    expect(textOf(await bridged.client.callTool({ name: 'big', arguments: { bytes: 1_000 } }))).toHaveLength(1_000);
    expect(bridged.upstreams).toHaveLength(1);
  });

  it('an answer just under the limit passes whole', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER], maxMessageBytes: 256 * 1024 });
    const text = textOf(await bridged.client.callTool({ name: 'big', arguments: { bytes: 200_000 } }));
    expect(text).toBe('x'.repeat(200_000));
  });

  it('a line that is not JSON on stdout is logged and dropped; the answer after it arrives', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER] });
    expect(textOf(await bridged.client.callTool({ name: 'noise', arguments: {} }))).toBe('after the noise');
    expect(
      bridged.logs.some((l) =>
        l.includes('[mcp-auth-bridge/fixture] warn: ignored a line from the server that is not JSON (servers must write only MCP messages to stdout): this is not JSON, printed by mistake'),
      ),
    ).toBe(true);
    expect(bridged.upstreams).toHaveLength(1);
  });

  it('control characters in a stderr line are neutralized in the log', async () => {
    const bridged = await connectStdioBridge({ name: 'fixture', command: process.execPath, args: [FIXTURE_SERVER, '--stderr-hello'] });
    const line = await waitFor('the fixture’s stderr line', () => bridged.logs.find((l) => l.includes('hello from the fixture')));
    expect(line).toContain('info: stderr: hello from the fixture \\x1b[31mred\\x1b[0m\\x0dback\n');
    expect(line).not.toMatch(/[\u001b\r]/);
  });

  it('a stderr line without an end is cut, never held whole', async () => {
    // The child says (by a file) when its stderr is written, so it is never stopped before it wrote.
    const written = join(tempDir(), 'written');
    const script = `process.stderr.write('y'.repeat(50000), () => require('fs').writeFileSync(${JSON.stringify(written)}, '')); setTimeout(() => {}, 60000)`;
    const bridged = await connectStdioBridge({ name: 'chatty', command: process.execPath, args: ['-e', script], connect: false, stopGraceMs: 200, eofGraceMs: 50 });
    void bridged.connect().catch(() => undefined);
    await waitFor('the child to write its stderr', () => bridged.upstreams[0]?.pid && existsSync(written));
    await bridged.upstreams[0]!.close();
    const line = await waitFor('the long stderr line in the log', () => bridged.logs.find((l) => l.includes('stderr: yyy')));
    expect(line).toContain('… (cut)');
    expect(line.length).toBeLessThan(1_200);
  });
});
