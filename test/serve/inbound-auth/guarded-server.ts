/**
 * A small real node:http server with an inbound authenticator in front of a trivial handler, as the serve front
 * will use it: `route()` gets the first look at every path, then `authenticate()`; a refusal is answered with its
 * status, headers and JSON body, an identity with 200 and the identity as JSON. Also a tiny client that can bind
 * its socket to another loopback address (127.0.0.2 is another peer on Linux: all of 127/8 is loopback).
 */
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { listenLoopback } from '../../helpers/http-util.js';
import { onTeardown } from '../../helpers/cleanup.js';
import { createLogger, SecretRegistry, type Logger } from '../../../src/log.js';
import type { InboundAuthenticator } from '../../../src/serve/inbound-auth/types.js';

/** A running guarded server. */
export interface GuardedServer {
  /** `http://127.0.0.1:<port>/`, the public URL to build the authenticator with. */
  publicUrl: string;
  port: number;
  /** Sets the authenticator (built once the public URL is known). */
  use(authenticator: InboundAuthenticator): void;
}

/** Starts a guarded server on 127.0.0.1, closed after the test. */
export async function startGuardedServer(): Promise<GuardedServer> {
  let authenticator: InboundAuthenticator | undefined;
  const listening = await listenLoopback(async (req, res) => {
    if (!authenticator) throw new Error('no authenticator yet');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (authenticator.route(req, res, path)) return;
    const outcome = await authenticator.authenticate(req);
    if (!outcome.ok) {
      res.writeHead(outcome.status, outcome.headers).end(JSON.stringify(outcome.body));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(outcome.identity));
  });
  onTeardown(() => listening.close());
  return { publicUrl: `http://127.0.0.1:${listening.port}/`, port: listening.port, use: (a) => (authenticator = a) };
}

/** An answer of the guarded server. */
export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: Record<string, unknown>;
}

/** Options for {@link call}. */
export interface CallOptions {
  path?: string;
  method?: string;
  /** Headers; an array value sends the header once per item. */
  headers?: Record<string, string | string[]>;
  /** The local address the client socket binds to (its peer address at the server). Default 127.0.0.1. */
  localAddress?: string;
}

/** One request to the guarded server at `port`. */
export function call(port: number, o: CallOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: o.path ?? '/mcp', method: o.method ?? 'POST', headers: o.headers, localAddress: o.localAddress ?? '127.0.0.1', agent: false, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            // not JSON: the test looks at `text`
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A debug logger whose lines the test can read, with its own secret registry. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', stream: { write: (line: string) => lines.push(line) }, secrets: new SecretRegistry() });
  return { logger, lines };
}
