/**
 * The tests' load balancer (test/helpers/round-robin-proxy.ts) in front of real node:http backends: each request to
 * the next backend, headers passed on unchanged, SSE events flowing one by one, a dead backend skipped by a retry,
 * closing carried both ways, and header affinity.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/child-server.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { startRoundRobinProxy } from '../helpers/round-robin-proxy.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

useTeardown();

/** A backend that runs `handle`, or by default answers with its name, the request's Host, X-Forwarded-For and body. */
async function backend(name: string, handle?: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(
    handle ??
      ((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () =>
          res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name }).end(
            JSON.stringify({ name, host: req.headers.host, xff: req.headers['x-forwarded-for'], custom: req.headers['x-custom'], body }),
          ),
        );
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  json: { name: string; host?: string; xff?: string; custom?: string; body: string };
}

/** One request through node:http (so `Host` can be set); the answer's JSON. */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return withTimeout(
    `a request to ${url}`,
    new Promise<Answer>((resolve, reject) => {
      const req = request(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: res.statusCode === 200 ? JSON.parse(text) : { name: '', body: text } }));
      });
      req.on('error', reject);
      req.end(options.body ?? '');
    }),
  );
}

describe('round-robin proxy', () => {
  it('sends each request to the next backend, passing Host and the other headers on, and records who served it', async () => {
    const urls = [await backend('a'), await backend('b'), await backend('c')];
    const proxy = await startRoundRobinProxy({ backends: urls });
    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await call(`${proxy.url}/mcp?i=${i}`, { headers: { host: 'mcp.example.test', 'x-custom': `v${i}` }, body: `body-${i}` });
      expect(answer.status).toBe(200);
      expect(answer.headers['x-backend']).toBe(answer.json.name);
      expect(answer.json).toMatchObject({ host: 'mcp.example.test', xff: '127.0.0.1', custom: `v${i}`, body: `body-${i}` });
      names.push(answer.json.name);
    }
    expect(names).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(proxy.requests.map((r) => [r.backend, r.status, r.path])).toEqual([0, 1, 2, 0, 1, 2].map((b, i) => [b, 200, `/mcp?i=${i}`]));
  });

  it('streams SSE event by event, each reaching the client before the backend writes the next', async () => {
    let release: (() => void) | undefined;
    const url = await backend('sse', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let n = 0;
      const next = () => {
        n++;
        res.write(`id: ${n}\ndata: event-${n}\n\n`);
        if (n === 3) res.end();
        else release = next;
      };
      next();
    });
    const proxy = await startRoundRobinProxy({ backends: [url] });
    const seen: string[] = [];
    await withTimeout(
      'three events, one at a time',
      new Promise<void>((resolve, reject) => {
        request(`${proxy.url}/mcp`, { method: 'GET', headers: { accept: 'text/event-stream' } }, (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.on('data', (c: Buffer) => {
            seen.push(...[...c.toString('utf8').matchAll(/data: (\S+)/g)].map((m) => m[1]!));
            // The backend writes the next event only now: a proxy holding events back would wait forever.
            const go = release;
            release = undefined;
            go?.();
          });
          res.on('end', () => resolve());
        })
          .on('error', reject)
          .end();
      }),
    );
    expect(seen).toEqual(['event-1', 'event-2', 'event-3']);
  });

  it('tries the next backend when one refuses or resets the connection, each once, and answers 502 when none can be reached', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const urls = [await backend('a'), dead, await backend('c')];
    const proxy = await startRoundRobinProxy({ backends: urls });
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await call(`${proxy.url}/mcp`, { body: `payload-${i}` });
      expect(answer.status).toBe(200);
      expect(answer.json.body).toBe(`payload-${i}`);
      names.push(answer.json.name);
    }
    // Turns 0 1 2 0: the dead backend's turn is served by the next one, with the whole body.
    expect(names).toEqual(['a', 'c', 'c', 'a']);
    expect(proxy.requests[1]).toMatchObject({ tried: [1, 2], backend: 2 });

    // Marked down, a backend is not tried at all.
    proxy.markDown(1);
    await call(`${proxy.url}/mcp`);
    await call(`${proxy.url}/mcp`);
    expect(proxy.requests.slice(-2).flatMap((r) => r.tried)).not.toContain(1);

    // A backend that takes the connection and resets it before answering a byte: the next one answers.
    const resetting = await backend('reset', (req) => req.socket.destroy());
    const withReset = await startRoundRobinProxy({ backends: [resetting, await backend('b')] });
    const answer = await call(`${withReset.url}/mcp`, { body: 'again' });
    expect(answer.json).toMatchObject({ name: 'b', body: 'again' });
    expect(withReset.requests[0]).toMatchObject({ tried: [0, 1], backend: 1, status: 200 });

    const deadOnly = await startRoundRobinProxy({ backends: [dead, `http://127.0.0.1:${await freePort()}`] });
    const refused = await call(`${deadOnly.url}/mcp`);
    expect(refused.status).toBe(502);
    expect(deadOnly.requests[0]).toMatchObject({ tried: [0, 1], status: 502 });
    expect(deadOnly.requests[0]!.backend).toBeUndefined();
  });

  it('uses a backend set later, and skips a removed one', async () => {
    const proxy = await startRoundRobinProxy();
    expect((await call(`${proxy.url}/x`)).status).toBe(502);
    proxy.setBackend(0, await backend('a'));
    proxy.addBackend(await backend('b'));
    proxy.remove(0);
    expect((await call(`${proxy.url}/x`)).json.name).toBe('b');
    expect((await call(`${proxy.url}/x`)).json.name).toBe('b');
    expect(proxy.backends()[0]).toBeUndefined();
  });

  it('closes the backend request when the client goes away, and the client response when the backend goes away', async () => {
    let backendSawClose = false;
    let cut: (() => void) | undefined;
    const url = await backend('sse', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      req.on('close', () => (backendSawClose = true));
      cut = () => res.destroy();
    });
    const proxy = await startRoundRobinProxy({ backends: [url] });

    // The client closes its stream: the backend's request closes too.
    await withTimeout(
      'the first event',
      new Promise<void>((resolve, reject) => {
        const req = request(`${proxy.url}/mcp`, { method: 'GET' }, (res) => res.once('data', () => (req.destroy(), resolve())));
        req.on('error', () => undefined);
        req.on('close', () => undefined);
        req.end();
        setTimeout(() => reject(new Error('no first event')), 5_000).unref();
      }),
    );
    await waitFor('the backend to see its request closed', () => backendSawClose, { timeoutMs: 5_000 });

    // The backend drops its stream: the client's response ends without completing.
    const ended = await withTimeout(
      'the client to see the stream cut',
      new Promise<string>((resolve) => {
        const req = request(`${proxy.url}/mcp`, { method: 'GET' }, (res) => {
          res.once('data', () => cut!());
          res.on('aborted', () => resolve('aborted'));
          res.on('error', () => resolve('error'));
          res.on('end', () => resolve(res.complete ? 'complete' : 'incomplete'));
        });
        req.on('error', () => resolve('error'));
        req.end();
      }),
    );
    expect(ended).not.toBe('complete');
  });

  it('with hash-header, sends every request carrying the same value to the same backend, and the others round robin', async () => {
    const urls = [await backend('a'), await backend('b'), await backend('c')];
    const proxy = await startRoundRobinProxy({ backends: urls, hashHeader: 'Mcp-Session-Id' });
    const byValue = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (const id of ['s-1', 's-2', 's-3', 's-4', 's-5', 's-6']) {
        const name = (await call(`${proxy.url}/mcp`, { headers: { 'mcp-session-id': id } })).json.name;
        byValue.set(id, (byValue.get(id) ?? new Set()).add(name));
      }
    }
    for (const names of byValue.values()) expect(names.size).toBe(1);
    const plain: string[] = [];
    for (let i = 0; i < 3; i++) plain.push((await call(`${proxy.url}/mcp`)).json.name);
    expect(plain).toEqual(['a', 'b', 'c']);

    // The backend of one value goes down: its requests move to another, and the other values stay where they were.
    const before = new Map([...byValue].map(([id, names]) => [id, [...names][0]!]));
    const gone = before.get('s-1')!;
    proxy.markDown(['a', 'b', 'c'].indexOf(gone));
    for (const [id, name] of before) {
      const now = (await call(`${proxy.url}/mcp`, { headers: { 'mcp-session-id': id } })).json.name;
      if (name === gone) expect(now).not.toBe(gone);
      else expect(now).toBe(name);
    }
  });
});
