/** A local entry: the command the bridge spawns, its arguments, added environment and working directory. */
import type { Given } from './entry-keys.js';
import { readPath, readText, readTextList, readTextRecord, type ReadContext } from './json-values.js';
import { fileProblem, type Place } from './problem.js';
import type { LocalServer } from './types.js';

/** The command part of a local entry, values expanded. */
export type LocalCommand = Pick<LocalServer, 'command' | 'args' | 'env' | 'cwd' | 'sessions'>;

/** The values `sessions` takes. */
const SESSIONS = ['shared', 'separate'];

/**
 * Reads a local entry.
 * @param entry the entry by canonical key (entry-keys.ts); it has `command` and none of the remote keys
 * @throws BridgeError `CONFIG` naming the key
 */
export function readLocal(entry: Map<string, Given>, place: Place, ctx: ReadContext): LocalCommand {
  const at = (given: Given): Place => ({ ...place, key: given.key });
  const commandGiven = entry.get('command')!;
  const command = readText(commandGiven.value, at(commandGiven), ctx, '"command": "npx"');
  if (command.trim() === '') throw fileProblem(at(commandGiven), 'is empty', 'name the program to run, e.g. "npx" or "/usr/local/bin/my-server"');
  const args = entry.get('args');
  const env = entry.get('env');
  const cwd = entry.get('cwd');
  const sessions = entry.get('sessions');
  if (sessions !== undefined && (typeof sessions.value !== 'string' || !SESSIONS.includes(sessions.value))) {
    throw fileProblem(at(sessions), 'should be "shared" or "separate"', '"sessions": "shared" gives all of a user\'s serve sessions one process of a stateless server; "separate" (the default) one each');
  }
  return {
    command,
    args: args === undefined ? [] : readTextList(args.value, at(args), ctx, '"args": ["-y", "@modelcontextprotocol/server-everything"]'),
    env: env === undefined ? {} : readTextRecord(env.value, at(env), ctx, '"env": { "API_KEY": "${API_KEY}" }'),
    cwd: cwd === undefined ? undefined : readPath(cwd.value, at(cwd), ctx, '"cwd": "/path/to/project"'),
    ...(sessions?.value === 'shared' ? { sessions: 'shared' as const } : {}),
  };
}
