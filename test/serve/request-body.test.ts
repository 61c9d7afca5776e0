/**
 * serve's request body reader (request-body.ts), read by event rather than by async iteration since the serve
 * bench: against a real node:http server and raw sockets, it returns the body whole, cuts off a body that grows
 * over the limit without a Content-Length, refuses a declared one before reading, and rejects — never hangs — when
 * the client goes away mid-body.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../src/serve/request-body.js';
import { onTeardown, useTeardown } from '../helpers/cleanup.js';
import { withTimeout } from '../helpers/wait.js';

useTeardown();

type Outcome = Buffer | 'too-large' | Error;

/** A server on 127.0.0.1 whose first request's readBody outcome (a value, or the error it rejected with) is `first`. */
async function bodyServer(limit: number): Promise<{ port: number; first(): Promise<Outcome> }> {
  let settle: (outcome: Outcome) => void = () => undefined;
  const first = new Promise<Outcome>((resolve) => (settle = resolve));
  const server = createServer((req: IncomingMessage, res) => {
    readBody(req, limit).then(
      (body) => {
        settle(body);
        res.writeHead(204).end();
      },
      (error: unknown) => settle(error as Error),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  onTeardown(() => server.closeAllConnections());
  return { port: (server.address() as { port: number }).port, first: () => withTimeout('the request body outcome', first, 10_000) };
}

/** Sends `head` then `chunks` on a raw socket; `end`: close the socket after them. */
function send(port: number, head: string, chunks: string[], end: boolean): void {
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(head);
    for (const c of chunks) socket.write(c);
    if (end) socket.destroy();
  });
  socket.on('error', () => undefined);
  onTeardown(() => void socket.destroy());
}

describe("serve's request body reader", () => {
  it('returns a body sent in several chunks whole', async () => {
    const s = await bodyServer(1_000);
    send(s.port, 'POST /mcp HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n', ['5\r\nhello\r\n', '6\r\n world\r\n', '0\r\n\r\n'], false);
    expect(String(await s.first())).toBe('hello world');
  });

  it('cuts off a body without Content-Length once it grows over the limit', async () => {
    const s = await bodyServer(8);
    send(s.port, 'POST /mcp HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n', ['5\r\nhello\r\n', '6\r\n world\r\n', '0\r\n\r\n'], false);
    expect(await s.first()).toBe('too-large');
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const s = await bodyServer(8);
    send(s.port, 'POST /mcp HTTP/1.1\r\nhost: x\r\ncontent-length: 9\r\n\r\n', [], false);
    expect(await s.first()).toBe('too-large');
  });

  it('rejects, instead of waiting forever, when the client goes away mid-body', async () => {
    const s = await bodyServer(1_000);
    send(s.port, 'POST /mcp HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n', ['{"jsonrpc":'], true);
    const outcome = await s.first();
    expect(outcome).toBeInstanceOf(Error);
  });
});
