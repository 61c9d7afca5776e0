/**
 * A minimal forward HTTP proxy on 127.0.0.1 for `--use-env-proxy` tests. It serves both proxy styles clients use:
 * absolute-form requests (`POST http://host/path`) and `CONNECT host:port` tunnels. Host names listed in `hosts`
 * are resolved by the proxy itself (e.g. `mcp.test` → 127.0.0.1:<port>), so a request for such a name can only
 * succeed if it went through the proxy.
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenLoopback, type Listening } from './http-util.js';

/** One request the proxy handled. */
export interface ProxiedRequest {
  /** `CONNECT` for tunnels, else the HTTP method. */
  method: string;
  /** `host:port` for CONNECT, else the absolute URL. */
  target: string;
}

/** A running proxy. */
export interface HttpProxy {
  /** `http://127.0.0.1:<port>` — the value for `HTTP_PROXY`. */
  url: string;
  port: number;
  /** Every request handled, in order. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * Starts the proxy. Only targets that resolve to 127.0.0.1 (either literally or via `hosts`) are forwarded; any
 * other target gets 502, so nothing leaves the machine.
 *
 * @param hosts map of host name → `127.0.0.1:port` the proxy uses instead of DNS.
 */
export async function startHttpProxy(hosts: Record<string, string> = {}): Promise<HttpProxy> {
  const requests: ProxiedRequest[] = [];
  const tunnels = new Set<Socket>();
  const resolve = (host: string, port: string): { host: string; port: number } | undefined => {
    const mapped = hosts[host] ?? hosts[`${host}:${port}`];
    if (mapped) {
      const [h, p] = mapped.split(':');
      return { host: h!, port: Number(p) };
    }
    if (host === '127.0.0.1' || host === 'localhost') return { host: '127.0.0.1', port: Number(port) };
    return undefined;
  };

  const listening: Listening = await listenLoopback((req, res) => {
    const target = req.url ?? '';
    requests.push({ method: req.method ?? 'GET', target });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.writeHead(400).end('proxy expects absolute-form requests');
      return;
    }
    const to = resolve(url.hostname, url.port || '80');
    if (!to) {
      res.writeHead(502).end('proxy: unknown host');
      return;
    }
    const upstream = httpRequest(
      { host: to.host, port: to.port, method: req.method, path: url.pathname + url.search, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });

  listening.server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    requests.push({ method: 'CONNECT', target });
    const [host, port] = target.split(':');
    const to = resolve(host ?? '', port ?? '443');
    if (!to) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    tunnels.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    client.on('error', end).on('close', end);
    client.on('close', () => tunnels.delete(client));
    upstream.on('close', () => tunnels.delete(upstream));
  });

  return {
    url: `http://127.0.0.1:${listening.port}`,
    port: listening.port,
    requests,
    async close() {
      for (const socket of tunnels) socket.destroy();
      await listening.close();
    },
  };
}
