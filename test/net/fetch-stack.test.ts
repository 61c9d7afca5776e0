// The fetch stacks as the bridge, login and doctor build them (src/net/fetch-stack.ts), over a real node:http
// server: the layers run in the declared order, the connect timeout counts only the network below the auth layer,
// and the exchange log sees every OAuth request, a refused one included.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/log.js';
import { CONNECT_TIMEOUT } from '../../src/net/bounded-fetch.js';
import { buildFetchStacks } from '../../src/net/fetch-stack.js';
import { composeFetch, type Middleware } from '../../src/net/middleware.js';
import { singleNetwork } from '../../src/net/network.js';
import { nodeHttpFetch } from '../../src/net/node-http-fetch.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';

useTeardown();

/** A server that answers every request with its path, after `delayMs` for paths under /slow. */
async function startServer(delayMs = 0): Promise<string> {
  const server = await listenLoopback(async (req, res) => {
    if (req.url?.startsWith('/slow')) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(req.url);
  });
  onTeardown(() => server.close());
  return `http://127.0.0.1:${server.port}`;
}

function debugLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', stream: { write: (chunk: string) => lines.push(chunk) } }), lines };
}

/** A layer that records its name on the way down and up. */
function recording(name: string, trace: string[]): Middleware {
  return (next) => async (input, init) => {
    trace.push(`${name} ↓`);
    const response = await next(input, init);
    trace.push(`${name} ↑`);
    return response;
  };
}

describe('composeFetch', () => {
  it('runs the layers top to bottom as listed, and skips a layer that is off', async () => {
    const base = await startServer();
    const trace: string[] = [];
    const fetch = composeFetch([recording('a', trace), undefined, recording('b', trace)], nodeHttpFetch);
    const response = await fetch(`${base}/x`);
    expect(await response.text()).toBe('/x');
    expect(trace).toEqual(['a ↓', 'b ↓', 'b ↑', 'a ↑']);
  });
});

describe('buildFetchStacks', () => {
  it('puts the auth layer above the connect timeout, so time spent there (a browser login) is not counted', async () => {
    const base = await startServer(1_000);
    const { logger } = debugLogger();
    const slowLogin: Middleware = (next) => async (input, init) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      return next(input, init);
    };
    const { upstream } = buildFetchStacks({ network: singleNetwork(nodeHttpFetch), logger, authorization: slowLogin });
    const marked = { [CONNECT_TIMEOUT]: 500 } as RequestInit;
    // 700 ms in the auth layer, then an answer at once: within the 500 ms bound.
    expect((await upstream(`${base}/fast`, marked)).status).toBe(200);
    // The network itself takes 1 s: over the bound, a CONNECT error naming the server.
    const error = await upstream(`${base}/slow`, marked).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe(ErrorCode.Connect);
    expect((error as BridgeError).message).toContain(`no answer from ${base} within 500 ms`);
  });

  it('logs each exchange with debug logging, labelled by path, and nothing without it', async () => {
    const base = await startServer();
    const { logger, lines } = debugLogger();
    const stacks = buildFetchStacks({ network: singleNetwork(nodeHttpFetch), logger });
    await (await stacks.upstream(`${base}/mcp`, { method: 'POST', body: '{}' })).text();
    await (await stacks.oauth(`${base}/.well-known/oauth-authorization-server`)).text();
    expect(lines.join('')).toMatch(/http: POST http:\/\/127\.0\.0\.1:\d+\/mcp → 200 text\/plain in \d+ ms/);
    expect(lines.join('')).toMatch(/oauth discovery: GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server → 200/);

    const quiet: string[] = [];
    const info = createLogger({ level: 'info', stream: { write: (chunk: string) => quiet.push(chunk) } });
    const plain = buildFetchStacks({ network: singleNetwork(nodeHttpFetch), logger: info });
    await (await plain.upstream(`${base}/mcp`)).text();
    await (await plain.oauth(`${base}/token`)).text();
    expect(quiet).toEqual([]);
  });

  it('logs an OAuth request the guard refuses (the guard sits below the log)', async () => {
    const base = await startServer();
    const { logger, lines } = debugLogger();
    let reached = 0;
    const counting: FetchLike = (input, init) => {
      reached++;
      return nodeHttpFetch(input, init);
    };
    const refuse: Middleware = () => async () => {
      throw new BridgeError(ErrorCode.Auth, 'refused to contact 10.0.0.1, a private address');
    };
    const { oauth } = buildFetchStacks({ network: singleNetwork(counting), logger, guard: refuse });
    await expect(oauth(`${base}/token`, { method: 'POST', body: 'grant_type=x' })).rejects.toThrow('refused to contact');
    expect(reached).toBe(0);
    expect(lines.join('')).toMatch(/oauth: POST http:\/\/127\.0\.0\.1:\d+\/token → failed after \d+ ms: refused to contact 10\.0\.0\.1/);
  });
});
