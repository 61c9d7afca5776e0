/**
 * A load balancer in small, for tests of several serve instances on one store: one address on 127.0.0.1 (the public
 * URL every instance is given) that passes each HTTP request, headers untouched (`Host` and `Origin` included), to
 * the instance the test names last — as a real balancer sends one browser's requests to any instance it likes.
 */
import { request } from 'node:http';
import { onTeardown } from '../helpers/cleanup.js';
import { listenLoopback } from '../helpers/http-util.js';

/** A running balancer. */
export interface Balancer {
  /** `http://127.0.0.1:<port>`: the public URL to give every instance. */
  base: string;
  /** Sends the following requests to the instance at `base` (`http://127.0.0.1:<port>`). */
  to(base: string): void;
  /** How many requests each instance got, by its base. */
  readonly sent: Map<string, number>;
}

/** Starts a balancer, closed at teardown; nothing is forwarded until {@link Balancer.to} names an instance. */
export async function startBalancer(): Promise<Balancer> {
  let target: URL | undefined;
  const sent = new Map<string, number>();
  const listening = await listenLoopback((req, res) => {
    if (!target) return void res.writeHead(502).end('no instance chosen');
    const chosen = target;
    sent.set(chosen.origin, (sent.get(chosen.origin) ?? 0) + 1);
    const onward = request({ host: chosen.hostname, port: chosen.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    onward.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end('instance unreachable')));
    req.pipe(onward);
  });
  onTeardown(() => listening.close());
  return {
    base: `http://127.0.0.1:${listening.port}`,
    to: (base) => void (target = new URL(base)),
    sent,
  };
}
