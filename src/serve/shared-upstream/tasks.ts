/**
 * Tasks (MCP 2025-11-25, basic/utilities/tasks) on a server that several sessions share: a task belongs to the
 * session whose request created it (the server's `CreateTaskResult` names it), so only that session may get, wait
 * for, cancel or list it, and hears its `notifications/tasks/status` and the server requests made on its behalf
 * (`_meta["io.modelcontextprotocol/related-task"]`). To the others it does not exist, as on a server of their own.
 */

/** Bound on the tasks remembered across the sessions; the oldest is forgotten beyond it. */
const MAX_TASKS = 4_096;

/** The `_meta` key that ties a message to a task. */
export const RELATED_TASK = 'io.modelcontextprotocol/related-task';

/** The methods that name one task by `params.taskId`. */
export const TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/result', 'tasks/cancel']);

/** The owners of the tasks of the sessions `S` sharing one server. See the module comment. */
export class SharedTasks<S> {
  readonly #owners = new Map<string, S>();

  /** The server answered a request of `session` with `result`: a task it names is the session's. */
  learn(session: S, result: unknown): void {
    const taskId = (result as { task?: { taskId?: unknown } } | undefined)?.task?.taskId;
    if (typeof taskId !== 'string') return;
    this.#owners.set(taskId, session);
    if (this.#owners.size > MAX_TASKS) this.#owners.delete(this.#owners.keys().next().value as string);
  }

  /** The session that owns `taskId`, if known. */
  ownerOf(taskId: unknown): S | undefined {
    return typeof taskId === 'string' ? this.#owners.get(taskId) : undefined;
  }

  /** The session a message made on a task's behalf is for (its related-task `_meta`), if known. */
  relatedOwner(params: Record<string, unknown> | undefined): S | undefined {
    const related = (params?._meta as Record<string, { taskId?: unknown }> | undefined)?.[RELATED_TASK];
    return this.ownerOf(related?.taskId);
  }

  /** A `tasks/list` result as `session` may see it: its own tasks only. */
  listFor(session: S, result: Record<string, unknown>): Record<string, unknown> {
    if (!Array.isArray(result.tasks)) return result;
    return { ...result, tasks: result.tasks.filter((t: { taskId?: unknown }) => this.ownerOf(t?.taskId) === session) };
  }

  /** `session` is gone: its tasks are forgotten (the server ends them at their `ttl`). */
  leave(session: S): void {
    for (const [taskId, owner] of this.#owners) if (owner === session) this.#owners.delete(taskId);
  }
}
