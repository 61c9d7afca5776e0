// The bottom of the fetch stacks (src/net/network.ts): node:http for MCP and the built-in fetch for OAuth, or the
// proxy-aware fetch for both with --use-env-proxy, said once in the log without the proxy URLs (they may carry
// credentials).
import { describe, expect, it } from 'vitest';
import { createLogger, SecretRegistry } from '../../src/log.js';
import { openNetwork } from '../../src/net/network.js';
import { nodeHttpFetch } from '../../src/net/node-http-fetch.js';

function logger(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger({ stream: { write: (chunk: string) => lines.push(chunk) }, secrets: new SecretRegistry() }) };
}

describe('openNetwork', () => {
  it('without a proxy: node:http upstream, the built-in fetch for OAuth, and nothing said', async () => {
    const { lines, log } = logger();
    const network = await openNetwork({ useEnvProxy: false, logger: log, env: { HTTPS_PROXY: 'http://127.0.0.1:9' } });
    expect(network.upstream).toBe(nodeHttpFetch);
    expect(network.oauth).toBe(globalThis.fetch);
    expect(lines).toEqual([]);
  });

  it('with --use-env-proxy: one proxy-aware fetch for both, and a line naming the variables, not their values', async () => {
    const { lines, log } = logger();
    const env = { HTTPS_PROXY: 'http://someone:pa55word@proxy.example:3128', NO_PROXY: 'localhost' };
    const network = await openNetwork({ useEnvProxy: true, logger: log, env });
    expect(network.upstream).toBe(network.oauth);
    expect(network.upstream).not.toBe(nodeHttpFetch);
    expect(lines).toEqual(['[mcp-auth-bridge] using proxy settings from the environment (HTTPS_PROXY, NO_PROXY)\n']);
  });
});
