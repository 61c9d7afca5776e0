/**
 * The MCP client for the conformance suite's CLIENT scenarios: `node --import tsx test/conformance/driver.ts <url>`.
 *
 * The conformance runner starts a scenario's servers and runs this with the server URL (and the scenario in
 * `MCP_CONFORMANCE_SCENARIO`, its configuration in `MCP_CONFORMANCE_CONTEXT`). This plays the user's MCP client:
 * the SDK `Client` over `StdioClientTransport`, spawning the built bridge (`bin/mcp-auth-bridge.js`) with the options
 * from scenarios.ts, exactly as Claude Desktop or Cursor would. It also plays the user's browser: the bridge runs
 * with `--no-browser`, so it prints each authorization URL on stderr; this fetches it and follows the redirects
 * (with cookies) until the authorization server sends the browser to the bridge's loopback callback, and loads that.
 *
 * stdout gets one line per step (`[driver] ok …` / `[driver] FAIL …`), which the runner reads back; the bridge's
 * own stderr (with --debug) is passed through on stderr. Exit code: 0 when every step worked, 1 when one failed,
 * 2 when the driver's own deadline passed (it is shorter than the runner's, so the bridge is always stopped).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { planFor, type ConformanceContext, type PlanTools } from './scenarios.js';
import { RawTap, runScript, type ScriptTools } from './scripts.js';
import { HeadlessBrowser } from '../helpers/oidc/browser.js';

/** The bridge to spawn: the repo's CLI, or CONFORMANCE_BRIDGE_BIN (an experimental build outside the repo). */
const BIN_PATH = process.env.CONFORMANCE_BRIDGE_BIN || fileURLToPath(new URL('../../bin/mcp-auth-bridge.js', import.meta.url));
/** Whole-run limit for this driver; the runner's per-scenario timeout must be larger. */
const DEADLINE_MS = Number(process.env.CONFORMANCE_DRIVER_DEADLINE_MS ?? 20_000);
/** Limit on one MCP request through the bridge (a login happens inside the first one). */
const REQUEST_MS = Math.min(15_000, DEADLINE_MS - 2_000);

const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const serverUrl = process.argv[process.argv.length - 1] ?? '';

function say(line: string): void {
  process.stdout.write(`[driver] ${line}\n`);
}

function context(): ConformanceContext {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  if (!raw) return {};
  return JSON.parse(raw) as ConformanceContext;
}

/**
 * CONFORMANCE_BRIDGE_ARGS: more bridge options for an experiment, space-separated; `{origin}` stands for the
 * scenario server's origin (e.g. `--issuer {origin}`).
 */
function extraArgs(): string[] {
  const raw = process.env.CONFORMANCE_BRIDGE_ARGS?.trim();
  if (!raw) return [];
  const origin = new URL(serverUrl).origin;
  return raw.split(/\s+/).map((w) => w.replaceAll('{origin}', origin));
}

// ── the browser ────────────────────────────────────────────────────────────────────────────────────

/** What the "browser" ended on. */
interface BrowseResult {
  status: number;
  url: string;
  title: string;
}

/** Loads `start` and follows redirects (keeping cookies) like a browser, until a page that is not a redirect. */
async function browse(start: string): Promise<BrowseResult> {
  const browser = new HeadlessBrowser({ headers: { accept: 'text/html,*/*' }, requestTimeoutMs: 8_000 });
  let url = new URL(start);
  for (let hop = 0; hop < 15; hop++) {
    const answer = await browser.open(url.href);
    const location = answer.kind === 'redirect' ? new URL(answer.location) : undefined;
    say(`browser: GET ${url.origin}${url.pathname} -> ${answer.status}${location ? ` (to ${location.origin}${location.pathname})` : ''}`);
    if (answer.kind === 'redirect') {
      if (location!.protocol !== 'http:' && location!.protocol !== 'https:') throw new Error(`redirected to a ${location!.protocol} URL`);
      url = location!;
      continue;
    }
    const text = answer.html;
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(text)?.[1]?.trim() ?? text.slice(0, 80);
    return { status: answer.status, url: url.href, title };
  }
  throw new Error('too many redirects');
}

/** Stops our bridge child if it still runs: SIGTERM, then SIGKILL after 2 s. */
async function stopProcess(pid: number | undefined): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!pid || !alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 20 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    say(`bridge (pid ${pid}) ignored SIGTERM; killing it`);
    process.kill(pid, 'SIGKILL');
  }
}

// ── the client ─────────────────────────────────────────────────────────────────────────────────────

let failed = false;

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    const value = await work();
    say(`ok   ${name}`);
    return value;
  } catch (error) {
    failed = true;
    say(`FAIL ${name}: ${(error as Error).message}`);
    throw error;
  }
}

async function main(): Promise<void> {
  if (!scenario || !/^https?:\/\//.test(serverUrl)) {
    process.stderr.write('usage: MCP_CONFORMANCE_SCENARIO=<name> driver.ts <server-url> (run by the conformance runner)\n');
    process.exit(64);
  }
  const ctx = context();
  const plan = planFor(scenario);
  if (plan.unmapped) say(`scenario ${scenario} is not in scenarios.ts; using the generic "${plan.client}" client`);

  const home = mkdtempSync(join(tmpdir(), 'mab-conformance-'));
  let help: string | undefined;
  const planTools: PlanTools = {
    serverUrl: new URL(serverUrl),
    supports: (option) => {
      help ??= execFileSync(process.execPath, [BIN_PATH, '--help'], { encoding: 'utf8', timeout: 10_000 });
      return new RegExp(`(^|[\\s,])${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s,=<]|$)`, 'm').test(help);
    },
    secretFile: (name, content) => {
      const path = join(home, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    },
  };
  const args = [
    BIN_PATH,
    '--no-browser',
    '--token-store',
    'file',
    '--config-dir',
    join(home, 'config'),
    '--auth-timeout',
    '10s',
    '--connect-timeout',
    '10s',
    '--request-timeout',
    '15s',
    '--debug',
    ...(plan.args?.(ctx, planTools) ?? []),
    ...extraArgs(),
    serverUrl,
  ];
  const env: Record<string, string> = {
    ...getDefaultEnvironment(),
    XDG_CONFIG_HOME: join(home, 'xdg-config'),
    XDG_DATA_HOME: join(home, 'xdg-data'),
    XDG_STATE_HOME: join(home, 'xdg-state'),
    XDG_CACHE_HOME: join(home, 'xdg-cache'),
  };
  const planEnv = plan.env?.(ctx, planTools) ?? {};
  Object.assign(env, planEnv);
  say(`scenario ${scenario}: mcp-auth-bridge ${args.slice(1).join(' ')}${Object.keys(planEnv).length ? ` (env: ${Object.keys(planEnv).join(', ')})` : ''}`);

  const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: 'pipe' });
  // Every authorization URL the bridge prints is "opened" in the browser once, in order (step-up logs in twice).
  // Recognised by its parameters, not by the wording around it; a URL repeated in an error message is not reopened.
  let stderrText = '';
  const opened = new Set<string>();
  let seen = 0;
  let browsing = Promise.resolve();
  transport.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrText += chunk.toString('utf8');
    const complete = stderrText.slice(0, stderrText.lastIndexOf('\n') + 1);
    const urls = [...complete.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]).filter((u) => /[?&]response_type=code(&|$)/.test(u) && /[?&]code_challenge=/.test(u));
    for (const url of urls) {
      if (opened.has(url)) continue;
      opened.add(url);
      const n = ++seen;
      browsing = browsing.then(async () => {
        try {
          const end = await browse(url);
          say(`browser: login ${n} ended on ${end.status} "${end.title}"`);
        } catch (error) {
          say(`browser: login ${n} failed: ${(error as Error).message}`);
        }
      });
    }
  });

  const features = plan.features ?? 'none';
  const client = new Client(
    { name: 'mcp-auth-bridge-conformance', version: '1.0.0' },
    {
      capabilities:
        features === 'elicitation-defaults'
          ? { elicitation: { form: { applyDefaults: true } } }
          : features === 'all'
            ? { elicitation: { form: {} }, sampling: {}, roots: { listChanged: true } }
            : {},
    },
  );
  const raw = new RawTap();
  const scriptTools: ScriptTools = { client, ctx, requestMs: REQUEST_MS, raw, step, say };
  if (features === 'elicitation-defaults') {
    // Accept with nothing filled in: the SDK client must add the schema's defaults (SEP-1034).
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: {} }));
  }
  if (features === 'all') {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      say(`elicitation/create: ${request.params.message}`);
      await scriptTools.duringElicitation?.();
      return { action: 'accept', content: { confirmed: true } };
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'conformance-driver' }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [] }));
  }

  let bridgePid: number | undefined;
  const stop = async () => {
    await client.close().catch(() => undefined);
    // The SDK's close() may already have run inside a failed connect() and been cut short by our exit: make sure.
    await stopProcess(bridgePid);
    rmSync(home, { recursive: true, force: true });
  };
  const deadline = setTimeout(() => {
    say(`FAIL deadline: the scenario did not finish within ${DEADLINE_MS} ms`);
    void stop().finally(() => process.exit(2));
  }, DEADLINE_MS);

  try {
    const connecting = client.connect(transport, { timeout: REQUEST_MS });
    bridgePid = transport.pid ?? undefined; // spawned synchronously by connect()
    // The bridge's stdout as written, beside the SDK's parsed copy: a second reader of the same pipe.
    (transport as unknown as { _process?: { stdout?: NodeJS.ReadableStream } })._process?.stdout?.on('data', (chunk: Buffer) => raw.push(chunk));
    await step('connect (initialize through the bridge)', () => connecting);
    await runScript(plan.client, scriptTools);
  } catch {
    // reported by step()
  } finally {
    await browsing;
    clearTimeout(deadline);
    await stop();
  }
  say(seen ? `${seen} browser login(s)` : 'no browser login');
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  say(`FAIL driver: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
