/**
 * What the cluster part of the bench (cluster.ts) runs on: a real `redis-server` and `mcp-auth-bridge serve`
 * instances, each in a process group of its own registered with connections.ts (so closeAll / killAll leave nothing
 * behind, even when the run's deadline passes), and one user's upstream login driven through serve's login link as
 * that user's browser does (sign-in, the link, the provider's pages, the answer at serve's callback).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createClient } from 'redis';
import { driveLoginToCallback } from '../helpers/oidc/index.js';
import { followLoginLink } from '../serve/status/http-browser.js';
import { scratchDir, trackGroup, untrackGroup, withTimeout } from './connections.js';
import { freePort, type GatewayProcess, launchNode } from './gateways.js';

const READY_TIMEOUT_MS = 20_000;

/** The encryption keys every serve instance of the cluster part shares. */
export const BENCH_STORE_KEYS = `bench:${Buffer.alloc(32, 11).toString('base64')}`;

/** A running Redis of the bench. */
export interface BenchRedis {
  url: string;
  /** `total_commands_processed` of `INFO stats`: every command any client sent so far. */
  commandsProcessed(): Promise<number>;
  stop(): void;
}

/** Starts `redis-server` on a free port (no persistence) in its own process group; waits until it answers. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(scratchDir(), 'redis-'));
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let failed: Error | undefined;
  child.once('error', (error) => (failed = new Error(`redis-server could not start (install it: apt-get install -y redis-server): ${error.message}`)));
  child.stdout.on('data', (c: Buffer) => (text = (text + c.toString('utf8')).slice(-4_000)));
  child.stderr.on('data', (c: Buffer) => (text = (text + c.toString('utf8')).slice(-4_000)));
  if (child.pid) trackGroup(child.pid);
  const until = performance.now() + READY_TIMEOUT_MS;
  while (!/Ready to accept connections/.test(text)) {
    if (failed) throw failed;
    if (child.exitCode !== null || performance.now() > until) throw new Error(`redis-server on ${port} did not get ready:\n${text}`);
    await sleep(50);
  }
  const url = `redis://127.0.0.1:${port}`;
  // One connection for the readings, so each costs exactly one command (its INFO).
  const reader = createClient({ url });
  reader.on('error', () => undefined);
  await withTimeout('a connection to the bench Redis', reader.connect(), 10_000);
  return {
    url,
    async commandsProcessed() {
      const info = String(await reader.sendCommand(['INFO', 'stats']));
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    },
    stop: () => {
      reader.destroy();
      if (child.pid) untrackGroup(child.pid, true);
    },
  };
}

/** Options for {@link startServeInstance}. */
export interface ServeInstanceOptions {
  /** This bridge's entry script. */
  serveBin: string;
  /** The configuration file. */
  config: object;
  /** `--store`: `files` or a Redis URL. */
  store: string;
  /** `--public-url` (default: its own address). */
  publicUrl?: string;
  /** Extra environment (tokens the file names, MCP_STORE_KEYS is always set). */
  env?: Record<string, string>;
  /** A label for messages. */
  name: string;
}

/** Starts `serve --config <file> --store <store> --silent` on a free port with its own config dir. URL: its `/mcp`. */
export async function startServeInstance(o: ServeInstanceOptions): Promise<GatewayProcess<string>> {
  const dir = mkdtempSync(join(scratchDir(), `${o.name}-`));
  const configFile = join(dir, 'serve.json');
  writeFileSync(configFile, JSON.stringify(o.config, null, 2));
  const port = await freePort();
  const argv = [
    o.serveBin, 'serve', '--config', configFile, '--store', o.store, '--config-dir', join(dir, 'state'),
    '--host', '127.0.0.1', '--port', String(port), '--silent', '--no-banner',
    ...(o.publicUrl ? ['--public-url', o.publicUrl] : []),
  ];
  return launchNode({ name: o.name, argv, port, path: '/mcp', env: { MCP_STORE_KEYS: BENCH_STORE_KEYS, ...o.env } });
}

/**
 * Logs the static-token user `token` in to the protected server `server` of the serve at `base`: a client that
 * takes URL elicitations calls the server's `whoami` until serve answers with the login link, the user's browser
 * follows it (sign-in, the provider's pages) and brings the answer back; then waits, bounded, for the call to work.
 */
export async function logInThrough(base: string, server: string, token: string): Promise<void> {
  const client = new Client({ name: 'bench-login', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await withTimeout('the login client to connect', client.connect(transport), 20_000);
  const call = () =>
    client.callTool({ name: `${server}__whoami`, arguments: {} }, undefined, { timeout: 10_000 }).then(
      () => undefined,
      (error: unknown) => error as { data?: { elicitations?: Array<{ url: string }> } },
    );
  try {
    let link: string | undefined;
    for (const until = performance.now() + 20_000; !link; await sleep(250)) {
      link = (await call())?.data?.elicitations?.[0]?.url;
      if (!link && performance.now() > until) throw new Error(`${base}: no login link for ${server}`);
    }
    const { browser, authorizationUrl } = await followLoginLink(base, link, token);
    const { callbackUrl } = await driveLoginToCallback(authorizationUrl, { user: 'bench-user' });
    const answer = await browser.request(callbackUrl);
    if (answer.status !== 200) throw new Error(`${base}: the login's callback answered ${answer.status}`);
    for (const until = performance.now() + 20_000; (await call()) !== undefined; await sleep(250)) {
      if (performance.now() > until) throw new Error(`${base}: calls to ${server} still fail after the login`);
    }
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}
