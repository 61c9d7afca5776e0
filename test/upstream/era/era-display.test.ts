// What `status` and `doctor` say about a server's protocol era: doctor recognizes a 2026-07-28 server from its
// refusal of the 2025 initialize (instead of trying legacy SSE and failing), and both show the remembered era.
import { describe, expect, it } from 'vitest';
import { connectThroughBridge } from '../../helpers/bridge.js';
import { runCli } from '../../helpers/cli.js';
import { onTeardown, useTeardown } from '../../helpers/cleanup.js';
import { doctorSteps } from '../../helpers/doctor-report.js';
import { startServer2026 } from '../../helpers/server-2026.js';

useTeardown();

describe('the era in status and doctor', () => {
  it('doctor recognizes a 2026-07-28 server; after a bridge remembered it, status and doctor say so', async () => {
    const server = await startServer2026({ variant: 'modern-only' });
    onTeardown(() => server.close());
    const before = await runCli(['doctor', server.url], {}, 30_000);
    const transport = doctorSteps(before.stdout).get('Transport')?.[0];
    expect(transport).toMatchObject({ ok: true, detail: expect.stringMatching(/^Streamable HTTP, MCP 2026-07-28 .*-32022, supporting 2026-07-28/) });
    expect(transport?.note).toBeUndefined();
    expect(server.requests.filter((r) => r.method === 'GET')).toEqual([]);
    expect(before.code).toBe(0);

    const bridged = await connectThroughBridge({ url: server.url });
    await bridged.close();
    const after = await runCli(['doctor', server.url], {}, 30_000);
    expect(doctorSteps(after.stdout).get('Transport')?.[0]?.note).toMatch(/remembers this server as MCP 2026-07-28 \(detected \d{4}-/);
    const status = await runCli(['status', server.url]);
    expect(status.stdout).toMatch(/^protocol: MCP 2026-07-28 \(detected \d{4}-/m);
    const json = await runCli(['status', '--json', server.url]);
    expect(JSON.parse(json.stdout)).toMatchObject({ protocol: { era: '2026-07-28' } });
  });
});
