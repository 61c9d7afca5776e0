/**
 * Where `npm run conformance:server` points the suites' SERVER scenarios: the fixture directly, `serve` in front of
 * it over Streamable HTTP, and `serve --config` with the fixture as a local stdio server. There is a fixture per
 * protocol era: the 2025-11-25 one (SDK 1.x, sessions; everything-tools.ts) for the scenarios at their own
 * revisions, and the 2026-07-28 one (SDK 2.x, stateless; modern-tools.ts) for the run at 2026-07-28. Each target is
 * started once per era and stopped at its end (processes in their own group, killed as a group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { startConformanceHttpServer } from './fixture/http-host.js';
import { startModernConformanceServer } from './fixture/modern-http-host.js';
import { ROOT } from './suites.js';

/** The short names `--target` takes, in table order. */
export const TARGET_IDS = ['direct', 'serve', 'serve-stdio'] as const;
export type TargetId = (typeof TARGET_IDS)[number];

/** What each target is, for the summary. */
export const TARGET_ABOUT: Record<TargetId, string> = {
  direct: 'the fixture (test/conformance/fixture/) over Streamable HTTP, no bridge',
  serve: '`mcp-auth-bridge serve <fixture URL>`: serve fronting the same fixture',
  'serve-stdio': '`mcp-auth-bridge serve --config` with the fixture as a local stdio server, at /servers/everything/mcp',
};

/** A started target. */
export interface Target {
  id: TargetId;
  url: string;
  stop(): Promise<void>;
}

const BRIDGE_BIN = process.env.CONFORMANCE_BRIDGE_BIN || join(ROOT, 'bin/mcp-auth-bridge.js');
/** Which fixture stands behind the targets: the 2025-11-25 one or the 2026-07-28 one. */
export type FixtureEra = '2025' | '2026';

const FIXTURES: Record<FixtureEra, { start: () => Promise<{ url: string; close(): Promise<void> }>; stdioEntry: string; about: string }> = {
  '2025': {
    start: () => startConformanceHttpServer(),
    stdioEntry: fileURLToPath(new URL('./fixture/stdio-main.ts', import.meta.url)),
    about: 'the 2025-11-25 fixture (SDK 1.x, sessions)',
  },
  '2026': {
    start: () => startModernConformanceServer(),
    stdioEntry: fileURLToPath(new URL('./fixture/modern-stdio-main.ts', import.meta.url)),
    about: 'the 2026-07-28 fixture (SDK 2.x, stateless; over stdio it serves a 2025 initialize, as serve opens it)',
  },
};

/** What the fixture of an era is, for the summary. */
export function fixtureAbout(era: FixtureEra): string {
  return FIXTURES[era].about;
}

/** Runs `serve …args --port 0` and resolves with its `/mcp` base once the start-up line names it. */
function startServe(args: string[], log: string[], dir: string): Promise<{ base: string; child: ChildProcess }> {
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  const child = spawn(process.execPath, [BRIDGE_BIN, 'serve', ...args, '--port', '0', '--config-dir', join(dir, 'store')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => fail(new Error(`serve did not start within 20 s:\n${text}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      kill(child);
      reject(error);
    };
    child.stdout!.on('data', (c: Buffer) => log.push(c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      log.push(c.toString('utf8'));
      const m = /serving .* at (http:\/\/[^/\s]+)\/mcp/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1]!, child });
      }
    });
    child.once('exit', (code) => fail(new Error(`serve exited (${code}) before listening:\n${text}`)));
  });
}

function kill(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // gone
  }
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  kill(child);
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 12_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the targets asked for (the fixture too when a target needs it). `log` collects serve's stderr, written by
 * the runner beside the results.
 */
export async function startTargets(ids: readonly TargetId[], log: string[], era: FixtureEra = '2025'): Promise<{ targets: Target[]; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-server-'));
  const stops: Array<() => Promise<void>> = [() => Promise.resolve(rmSync(dir, { recursive: true, force: true }))];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const targets: Target[] = [];
    const fixture = await FIXTURES[era].start();
    stops.push(() => fixture.close());
    if (ids.includes('direct')) targets.push({ id: 'direct', url: fixture.url, stop: () => Promise.resolve() });
    if (ids.includes('serve')) {
      const s = await startServe([fixture.url, '--debug'], log, dir);
      stops.push(() => stopServe(s.child));
      targets.push({ id: 'serve', url: `${s.base}/mcp`, stop: () => stopServe(s.child) });
    }
    if (ids.includes('serve-stdio')) {
      // The stdio fixture bundled once (dependencies from node_modules), so serve spawns plain node.
      const entry = join(ROOT, '.tmp', `conformance-fixture-stdio-${era}-${process.pid}.mjs`);
      buildSync({ entryPoints: [FIXTURES[era].stdioEntry], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: entry, logLevel: 'error' });
      stops.push(() => Promise.resolve(rmSync(entry, { force: true })));
      const config = join(dir, 'servers.json');
      writeFileSync(config, JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [entry] } } }, null, 2));
      const s = await startServe(['--config', config, '--debug'], log, dir);
      stops.push(() => stopServe(s.child));
      targets.push({ id: 'serve-stdio', url: `${s.base}/servers/everything/mcp`, stop: () => stopServe(s.child) });
    }
    return { targets, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
