/**
 * A hostile front for a real MCP server: a node:http reverse proxy on 127.0.0.1 that passes every request through
 * unchanged, except a POST whose body contains a given marker, which it answers itself with HTTP 400 and a JSON-RPC
 * error, although the session is alive. For telling a server's 400 answer from a lost session.
 */
import { request } from 'node:http';
import { onTeardown } from './cleanup.js';
import { listenLoopback, readBody, sendJsonRpcError } from './http-util.js';

/** A running front. */
export interface BadRequestFront {
  /** The front's URL for the target's path. */
  url: string;
  /** How many POSTs it answered with 400 itself. */
  readonly refused: number;
}

/** Starts a front for `target` (an `http://127.0.0.1:…/path` URL) that refuses POSTs containing `marker`. */
export async function startBadRequestFront(target: string, marker: string): Promise<BadRequestFront> {
  const to = new URL(target);
  let refused = 0;
  const listening = await listenLoopback(async (req, res) => {
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (body.includes(marker)) {
      refused++;
      sendJsonRpcError(res, 400, -32602, 'Bad Request: the server refuses this message');
      return;
    }
    const upstream = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  });
  onTeardown(() => listening.close());
  return {
    url: `http://127.0.0.1:${listening.port}${to.pathname}`,
    get refused() {
      return refused;
    },
  };
}
