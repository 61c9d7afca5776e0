/**
 * The ONE client script of the era tests: a 2025-11-25 SDK 1.x client (test/helpers/client.ts) that lists and calls
 * everything the fixture servers offer (test/fixtures/py2026/tools.py) and writes down what it saw, step by step, so
 * two runs can be compared with one `toEqual`. It does not care which era the server behind the bridge speaks; that
 * is the point.
 *
 * Normalized, and only these (plus the one step that says why it records less: a client's refusal):
 * - `serverInfo` (from initialize, and the `io.modelcontextprotocol/serverInfo` stamp a 2026 server puts in result
 *   `_meta`) is kept apart in {@link ScriptRun.serverInfo}, not in the steps: it names the implementation, so it
 *   differs between implementations by design (the same server reports the same in both eras; tests check that).
 * - JSON-RPC ids never reach the record: the SDK client consumes them, and each run numbers its requests itself.
 * Everything else (results with every field, errors with code and message, notifications with params and `_meta`,
 * the server-to-client requests the client answered) is recorded as the client got it.
 */
import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import type { TestClient } from '../helpers/client.js';
import { outcome, type Outcome } from '../helpers/compare.js';
import { waitFor } from '../helpers/wait.js';

/** What one run of the script saw. */
export interface ScriptRun {
  /** The initialize result's serverInfo (see the module comment for why it is apart). */
  serverInfo: unknown;
  /** Step name → what the client saw, in the order the script ran. */
  steps: Array<[string, unknown]>;
}

const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';
/**
 * Notifications that come on their own (a standalone stream in 2025, a `subscriptions/listen` stream in 2026), with
 * no defined order against the response of the call that caused them: recorded by the steps that wait for them, not
 * in the step that was running when they arrived.
 */
const UNSOLICITED = new Set(['notifications/resources/updated', 'notifications/tools/list_changed', 'notifications/resources/list_changed', 'notifications/prompts/list_changed']);
/** Bound on each call; a call that hangs fails its step, not the file. */
const CALL_MS = 15_000;

/** Removes the serverInfo stamp from a result's `_meta` (dropping `_meta` if that was all of it). */
function withoutServerInfo(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const { _meta: meta, ...rest } = value as { _meta?: Record<string, unknown> };
  if (!meta || !(SERVER_INFO_META in meta)) return value;
  const { [SERVER_INFO_META]: _stamp, ...others } = meta;
  return Object.keys(others).length > 0 ? { ...rest, _meta: others } : rest;
}

function normalized(o: Outcome): Outcome {
  return 'result' in o ? { result: withoutServerInfo(o.result) } : o;
}

function sortedBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => key(a).localeCompare(key(b)));
}

/**
 * Runs the script on a connected client and returns what it saw. `client` must be fresh (nothing called yet) and
 * connected to a fixture server in any era, through the bridge or not.
 */
export async function runClientScript(test: TestClient): Promise<ScriptRun> {
  const { client, notifications, serverRequests } = test;
  const steps: Array<[string, unknown]> = [];
  const opts = { timeout: CALL_MS };
  /** Runs `call`, records its normalized outcome with the notifications and server requests it brought. */
  const step = async (name: string, call: () => Promise<unknown>, extra: Record<string, unknown> = {}) => {
    const firstNotification = notifications.length;
    const firstRequest = serverRequests.length;
    const result = normalized(await outcome(call));
    const seen: Record<string, unknown> = { ...result, ...extra };
    const brought = notifications.slice(firstNotification).filter((n) => !UNSOLICITED.has(n.method));
    if (brought.length > 0) seen.notifications = brought;
    const asked = serverRequests.slice(firstRequest);
    if (asked.length > 0) seen.serverRequests = asked;
    steps.push([name, seen]);
    return result;
  };
  const waitForNotification = (what: string, match: (n: Notification) => boolean) =>
    outcome(() => waitFor(what, () => notifications.find(match), { timeoutMs: CALL_MS }));

  // The handshake, as the client got it.
  steps.push(['initialize', { capabilities: client.getServerCapabilities(), instructions: client.getInstructions() }]);
  await step('ping', () => client.ping(opts));

  // Tools: list, plain, structured, a header parameter.
  await step('tools/list', async () => {
    const listed = await client.listTools(undefined, opts);
    return { ...listed, tools: sortedBy(listed.tools, (t) => t.name) };
  });
  await step('echo', () => client.callTool({ name: 'echo', arguments: { text: 'hello, eras' } }, undefined, opts));
  await step('add (structured)', () => client.callTool({ name: 'add', arguments: { a: 20, b: 22 } }, undefined, opts));
  await step('weather (x-mcp-header)', () => client.callTool({ name: 'weather', arguments: { region: 'Île-de-France', day: 'monday', days: 3 } }, undefined, opts));
  await step('unknown tool', () => client.callTool({ name: 'no_such_tool', arguments: {} }, undefined, opts));

  // What the server asks the client: answered by the client's own handlers.
  await step('sampling', () => client.callTool({ name: 'ask_sampling', arguments: { prompt: 'hi' } }, undefined, opts));
  // The client refuses: how that reaches it is the server's choice in 2025 (the Python SDK answers an isError
  // result, the 2.x SDK a JSON-RPC error) and the bridge's in 2026 (an input response cannot carry an error, so the
  // server never learns of it). Recorded, therefore, only as what must hold everywhere: the call fails, with the
  // client's own message.
  test.controls.samplingError = { code: -1, message: 'User rejected sampling request' };
  try {
    const refused = await outcome(() => client.callTool({ name: 'ask_sampling', arguments: { prompt: 'no' } }, undefined, opts));
    const said = 'error' in refused ? refused.error.message : JSON.stringify(refused.result);
    const failed = 'error' in refused || (refused.result as { isError?: boolean }).isError === true;
    steps.push(['sampling refused by the client', { failed, withTheClientsMessage: said.includes('User rejected sampling request') }]);
  } finally {
    delete test.controls.samplingError;
  }
  await step('elicitation', () => client.callTool({ name: 'ask_elicit', arguments: {} }, undefined, opts));
  await step('roots', () => client.callTool({ name: 'ask_roots', arguments: {} }, undefined, opts));

  // Logging at the client's level, and progress.
  // A 2025 server may log before the client sets a level; the client should not notice which era it talks to.
  await step('log messages before logging/setLevel', () => client.callTool({ name: 'log_all', arguments: {} }, undefined, opts));
  await step('logging/setLevel', () => client.setLoggingLevel('warning', opts));
  await step('log messages', () => client.callTool({ name: 'log_all', arguments: {} }, undefined, opts));
  const progress: unknown[] = [];
  await step(
    'progress',
    () => client.callTool({ name: 'progress', arguments: { steps: 3 } }, undefined, { ...opts, onprogress: (p) => progress.push(p) }),
    { progress },
  );

  // Resources: list, templates, read, subscribe → updated.
  await step('resources/list', async () => {
    const listed = await client.listResources(undefined, opts);
    return { ...listed, resources: sortedBy(listed.resources, (r) => r.uri) };
  });
  await step('resources/templates/list', () => client.listResourceTemplates(undefined, opts));
  await step('read static', () => client.readResource({ uri: 'fixture://static' }, opts));
  await step('read template', () => client.readResource({ uri: 'fixture://greeting/Ada' }, opts));
  await step('read missing', () => client.readResource({ uri: 'fixture://nothing-here' }, opts));
  await step('read that asks for roots', () => client.readResource({ uri: 'fixture://roots/mine' }, opts));
  await step('subscribe', () => client.subscribeResource({ uri: 'fixture://counter' }, opts));
  await step('bump', () => client.callTool({ name: 'bump', arguments: {} }, undefined, opts));
  steps.push([
    'resources/updated',
    await waitForNotification('notifications/resources/updated for fixture://counter', (n) => n.method === 'notifications/resources/updated'),
  ]);
  await step('read counter', () => client.readResource({ uri: 'fixture://counter' }, opts));
  await step('unsubscribe', () => client.unsubscribeResource({ uri: 'fixture://counter' }, opts));

  // Prompts and completion.
  await step('prompts/list', () => client.listPrompts(undefined, opts));
  await step('prompts/get', () => client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } }, opts));
  await step('prompts/get that elicits', () => client.getPrompt({ name: 'greet_asked' }, opts));
  await step('completion', () =>
    client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'A' } }, opts),
  );

  // A tool adds a tool: list_changed, and the new tool is listed and callable.
  await step('add_tool', () => client.callTool({ name: 'add_tool', arguments: { name: 'extra' } }, undefined, opts));
  steps.push([
    'tools/list_changed',
    await waitForNotification('notifications/tools/list_changed', (n) => n.method === 'notifications/tools/list_changed'),
  ]);
  await step('tools/list after add', async () => (await client.listTools(undefined, opts)).tools.map((t) => t.name).sort());
  await step('call added tool', () => client.callTool({ name: 'extra', arguments: {} }, undefined, opts));

  // Cancellation: the client gives up on a slow call; the server must see it cancelled.
  const abort = new AbortController();
  const slow = outcome(() => client.callTool({ name: 'slow', arguments: { seconds: 30 } }, undefined, { ...opts, signal: abort.signal }));
  await waitFor('the slow call to start', async () => {
    const status = await client.callTool({ name: 'slow_status', arguments: {} }, undefined, opts);
    return (status.content as Array<{ text?: string }>)[0]?.text === 'running';
  });
  abort.abort('the user gave up');
  steps.push(['cancelled call', await slow]);
  await step('slow_status after cancel', () =>
    waitFor('the server to see the slow call cancelled', async () => {
      const status = await client.callTool({ name: 'slow_status', arguments: {} }, undefined, opts);
      return (status.content as Array<{ text?: string }>)[0]?.text === 'running' ? undefined : status;
    }),
  );
  await step('ping at the end', () => client.ping(opts));

  return { serverInfo: client.getServerVersion(), steps };
}

/** Where `b` differs from `a`, as one line per leaf: `path: <a> → <b>` (absent for a missing member). */
function leafDifferences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const at = Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`;
      const [x, y] = [(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]];
      if (x === undefined || y === undefined) {
        if (x !== y) out.push(`${at}: ${x === undefined ? '(absent)' : JSON.stringify(x)} → ${y === undefined ? '(absent)' : JSON.stringify(y)}`);
      } else leafDifferences(x, y, at, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
}

/**
 * What `run` saw differently from `baseline`, one line per differing value, named by step (empty when the runs are
 * the same). Long values are cut, so a failing test says what differs in a screenful.
 */
export function scriptDifferences(baseline: ScriptRun, run: ScriptRun): string[] {
  const out: string[] = [];
  leafDifferences(baseline.serverInfo, run.serverInfo, 'serverInfo', out);
  const names = baseline.steps.map(([name]) => name);
  const runNames = run.steps.map(([name]) => name);
  if (JSON.stringify(names) !== JSON.stringify(runNames)) out.push(`steps: ${JSON.stringify(names)} → ${JSON.stringify(runNames)}`);
  baseline.steps.forEach(([name, seen], i) => leafDifferences(seen, run.steps[i]?.[1], name, out));
  return out.map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
}
