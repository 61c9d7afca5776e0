/**
 * `"sessions": "shared"` end to end: the real built `serve` with a real SDK stdio server, driven by real SDK clients
 * of two users. One user's sessions share one process and are never mixed: concurrent calls under colliding ids
 * (every SDK client numbers its requests from 0) each get only their own answers and progress; another user gets
 * a process of their own; `resources/updated` reaches only the subscribed sessions and the server sees one
 * subscription per URI; each session gets log messages at its own level; the server is initialized once; a
 * cancellation reaches only the calls of the session that sent it, and a session that ends has its calls cancelled;
 * a session's tasks are its own; a sampling request goes to the one session with a request in flight, and is
 * refused (saying why) when two have one, while a ping is answered; a crash restarts the process for every session; the process ends after
 * its last session, and none is left when serve stops.
 */
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema, CreateTaskResultSchema, GetTaskResultSchema, ListTasksResultSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { groupRunning } from '../../../src/upstream/stdio/group-liveness.js';
import { useTeardown } from '../../helpers/cleanup.js';
import { waitFor } from '../../helpers/wait.js';
import { textOf } from '../serve-process.js';
import { ALICE, BOB, connectAs, startSharedServe, type SharedClient } from './shared-serve.js';

useTeardown();

const updatesOf = (client: SharedClient, uri: string) =>
  client.notifications.filter((n) => n.method === 'notifications/resources/updated' && (n.params as { uri?: string }).uri === uri).length;
const logsOf = (client: SharedClient) =>
  client.notifications.filter((n) => n.method === 'notifications/message').map((n) => (n.params as { data: string }).data);

describe.skipIf(process.platform === 'win32')('serve, "sessions": "shared"', () => {
  it('gives one user\'s sessions one process, each session only its own answers and progress under colliding ids', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const a = await connectAs(serve, ALICE);
    const b = await connectAs(serve, ALICE);
    const c = await connectAs(serve, ALICE, '/mcp');
    const pid = await a.pid();
    expect(await b.pid()).toBe(pid);
    expect(Number(await c.call('pid'))).toBe(pid);

    // Each client numbers its requests alike, so the ids (and the progress tokens, which the SDK takes from them)
    // collide at the server unless they are renamed.
    const run = (client: SharedClient, tag: string) => {
      const progress: Progress[] = [];
      const answer = client.client
        .callTool({ name: client === c ? 'tool__slow' : 'slow', arguments: { tag, ms: 300 } }, undefined, { onprogress: (p) => void progress.push(p) })
        .then((result) => (result as { content: Array<{ text: string }> }).content[0]!.text);
      return { tag, progress, answer };
    };
    const calls = [a, b, c].flatMap((client, i) => [0, 1, 2].map((k) => ({ client, ...run(client, `s${i}-c${k}`) })));
    for (const call of calls) {
      expect(await call.answer).toBe(call.tag);
      expect(call.progress.map((p) => p.message)).toEqual([call.tag, call.tag]);
    }
  });

  it('initializes the server once: later sessions get its answer without a handshake of their own', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const sessions = [await connectAs(serve, ALICE), await connectAs(serve, ALICE), await connectAs(serve, ALICE, '/mcp')];
    expect(sessions[0]!.client.getServerVersion()?.name).toBe('shared-fixture');
    expect(sessions[1]!.client.getServerVersion()).toEqual(sessions[0]!.client.getServerVersion());
    expect(await sessions[1]!.call('handshakes')).toBe('1');
  });

  it('cancels only the calls of the session that cancels, and those of a session that ends', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const [a, b, c] = [await connectAs(serve, ALICE), await connectAs(serve, ALICE), await connectAs(serve, ALICE)];
    const slow = (client: SharedClient, tag: string, signal?: AbortSignal) => {
      const progress: Progress[] = [];
      const answer = client.client.callTool({ name: 'slow', arguments: { tag, ms: 3_000 } }, undefined, { onprogress: (p) => void progress.push(p), ...(signal ? { signal } : {}) });
      return { progress, answer };
    };
    const stop = new AbortController();
    // Both clients number their requests alike: a cancellation passed on under the client's own id would name both.
    const mine = slow(a, 'a-slow', stop.signal);
    const theirs = slow(b, 'b-slow');
    await waitFor('both calls to be under way', () => mine.progress.length > 0 && theirs.progress.length > 0, { timeoutMs: 10_000 });
    stop.abort('changed my mind');
    await expect(mine.answer).rejects.toThrow();
    await waitFor('the server to see a\'s call cancelled', async () => JSON.parse(await c.call('cancelled')).length > 0, { timeoutMs: 10_000, intervalMs: 100 });
    expect(textOf(await theirs.answer)).toBe('b-slow');
    expect(JSON.parse(await c.call('cancelled'))).toEqual(['a-slow']);

    const leaving = slow(b, 'b-left');
    leaving.answer.catch(() => undefined);
    await waitFor('b\'s call to be under way', () => leaving.progress.length > 0, { timeoutMs: 10_000 });
    await b.end();
    await waitFor('the server to see the ended session\'s call cancelled', async () => JSON.parse(await c.call('cancelled')).includes('b-left'), { timeoutMs: 10_000, intervalMs: 100 });
    expect(JSON.parse(await c.call('cancelled'))).toEqual(['a-slow', 'b-left']);
  });

  it('keeps each session\'s tasks its own: listed, read and fetched by it alone', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const [a, b] = [await connectAs(serve, ALICE), await connectAs(serve, ALICE)];
    const start = async (client: SharedClient, tag: string) =>
      (await client.client.request({ method: 'tools/call', params: { name: 'job', arguments: { tag }, task: { ttl: 60_000 } } }, CreateTaskResultSchema)).task.taskId;
    const list = async (client: SharedClient) => (await client.client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks.map((t) => t.taskId);
    const mine = await start(a, 'a-job');
    const theirs = await start(b, 'b-job');
    expect(await list(a)).toEqual([mine]);
    expect(await list(b)).toEqual([theirs]);
    await expect(b.client.request({ method: 'tasks/get', params: { taskId: mine } }, GetTaskResultSchema)).rejects.toThrow(/no task/);
    await expect(b.client.request({ method: 'tasks/result', params: { taskId: mine } }, CallToolResultSchema)).rejects.toThrow(/no task/);
    expect((await a.client.request({ method: 'tasks/get', params: { taskId: mine } }, GetTaskResultSchema)).taskId).toBe(mine);
    expect(textOf(await a.client.request({ method: 'tasks/result', params: { taskId: mine } }, CallToolResultSchema))).toBe('a-job');
  });

  it('never shares a process between users', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const alice1 = await connectAs(serve, ALICE);
    const alice2 = await connectAs(serve, ALICE);
    const bob = await connectAs(serve, BOB);
    const pa = await alice1.pid();
    expect(await alice2.pid()).toBe(pa);
    expect(await bob.pid()).not.toBe(pa);
  });

  it('sends resources/updated only to subscribed sessions; the server sees one subscription per URI', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const [a, b, c] = [await connectAs(serve, ALICE), await connectAs(serve, ALICE), await connectAs(serve, ALICE)];
    await a.client.subscribeResource({ uri: 'test://a' });
    await b.client.subscribeResource({ uri: 'test://a' });
    await b.client.subscribeResource({ uri: 'test://a' });
    expect(JSON.parse(await c.call('subscribe-calls'))).toEqual({ 'test://a': 1 });

    await c.call('touch', { uri: 'test://a' });
    await waitFor('both subscribers to hear of the update', () => updatesOf(a, 'test://a') === 1 && updatesOf(b, 'test://a') === 1, { timeoutMs: 10_000 });
    // c's own answer came after the server sent the update: had c been sent it, it would be there.
    await c.call('pid');
    expect(updatesOf(c, 'test://a')).toBe(0);

    await a.client.unsubscribeResource({ uri: 'test://a' });
    expect(JSON.parse(await c.call('subscribe-calls'))).toEqual({ 'test://a': 1 });
    await c.call('touch', { uri: 'test://a' });
    await waitFor('the remaining subscriber to hear of the update', () => updatesOf(b, 'test://a') === 2, { timeoutMs: 10_000 });
    expect(updatesOf(a, 'test://a')).toBe(1);
    // The last holder leaving (its session ended) unsubscribes at the server.
    await b.end();
    await waitFor('the server to see no subscription left', async () => JSON.parse(await c.call('subscribe-calls'))['test://a'] === 0, { timeoutMs: 10_000, intervalMs: 100 });
  });

  it('sets the server to the most verbose level asked and gives each session messages at its own level', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const verbose = await connectAs(serve, ALICE);
    const quiet = await connectAs(serve, ALICE);
    await verbose.client.setLoggingLevel('debug');
    await quiet.client.setLoggingLevel('error');
    await verbose.call('log', { level: 'info', data: 'info line' });
    await verbose.call('log', { level: 'error', data: 'error line' });
    await waitFor('the verbose session to get both lines', () => logsOf(verbose).length === 2, { timeoutMs: 10_000 });
    await waitFor('the quiet session to get the error line', () => logsOf(quiet).includes('error line'), { timeoutMs: 10_000 });
    expect(logsOf(quiet)).toEqual(['error line']);
  });

  it('routes a sampling request to the one session in flight, and refuses it when two are (a ping is answered)', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const asker = await connectAs(serve, ALICE);
    const idle = await connectAs(serve, ALICE);
    expect(await asker.call('sample', { prompt: 'hello' })).toBe('sampled: hello');
    expect(asker.serverRequests).toEqual(['sampling/createMessage']);
    expect(idle.serverRequests).toEqual([]);

    // Another session has a request in flight too: the server cannot be told which client it asks.
    const progress: Progress[] = [];
    const busy = idle.client.callTool({ name: 'slow', arguments: { tag: 'busy', ms: 4_000 } }, undefined, { onprogress: (p) => void progress.push(p) });
    await waitFor('the other session\'s call to be under way', () => progress.length > 0, { timeoutMs: 10_000 });
    const refused = await asker.call('sample', { prompt: 'again' });
    expect(refused).toContain('sessions sharing this server have requests in progress');
    expect(asker.serverRequests).toEqual(['sampling/createMessage']);
    expect(idle.serverRequests).toEqual([]);
    // A ping is for whoever is the server's client: serve is, and answers it whatever the sessions do.
    expect(await asker.call('ping-client')).toBe('pong');
    await busy;
  });

  it('restarts a crashed process for every session, and ends it after the last session', { timeout: 90_000 }, async () => {
    const serve = await startSharedServe();
    const a = await connectAs(serve, ALICE);
    const b = await connectAs(serve, ALICE);
    const first = await a.pid();
    expect(await b.pid()).toBe(first);
    await a.call('crash');
    const second = await waitFor('b to reach a new process', async () => {
      const pid = await b.pid().catch(() => undefined);
      return pid !== undefined && pid !== first ? pid : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(await a.pid()).toBe(second);
    for (const client of [a, b]) {
      await waitFor('list_changed after the restart', () => client.notifications.some((n) => n.method === 'notifications/tools/list_changed'), { timeoutMs: 10_000 });
    }
    await a.end();
    expect(groupRunning(second)).toBe(true);
    await b.end();
    await waitFor('the shared process to end after its last session', () => !groupRunning(second), { timeoutMs: 30_000, intervalMs: 100 });
  });

  it('leaves no shared process behind when serve stops on SIGTERM', { timeout: 60_000 }, async () => {
    const serve = await startSharedServe();
    const a = await connectAs(serve, ALICE);
    const pid = await a.pid();
    serve.child.kill('SIGTERM');
    const exit = await serve.waitForExit(20_000);
    expect(exit.code).toBe(0);
    expect(groupRunning(pid)).toBe(false);
  });
});
