// docs/troubleshooting.md, a URL with the wrong path: a real MCP server on /mcp, the bridge pointed at another path
// of the same server, which answers 404 to both transports. The user is told there is no MCP endpoint there and that
// the path is often /mcp, instead of "SSE error: Non-200 status code (404)".
import { describe, expect, it } from 'vitest';
import { spawnBridgeRaw } from '../helpers/bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { initializeOutcome } from '../helpers/outcomes.js';
import { startStreamableServer } from '../helpers/servers.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe('troubleshooting: the endpoint', () => {
  it.each([[[]], [['--transport', 'sse']], [['--transport', 'streamable-http']]])(
    '`there is no MCP endpoint at …: the server answered HTTP 404`: a URL with the wrong path (%j)',
    async (args) => {
      const server = await startStreamableServer({ path: '/mcp' });
      const wrong = server.url.replace(/\/mcp$/, '/api');
      const raw = spawnBridgeRaw([...args, wrong]);
      const end = await initializeOutcome(raw);
      expect(end.kind, JSON.stringify(end)).toBe('error');
      if (end.kind !== 'error') return;
      expectDocumented(end.message, 'there is no MCP endpoint at');
      expect(end.message).toContain(wrong);
      expect(end.message).toContain('/mcp');
      expect(end.message).not.toMatch(/Non-200 status code/);
      expectDocumented(raw.stderr(), 'there is no MCP endpoint at');
      // Only 404s, and only the requests that tried: no probing of other paths.
      expect(server.requests.map((r) => r.status)).toEqual(server.requests.map(() => 404));
    },
  );
});
