/**
 * The command line of `login`, `status` and `doctor` with `--config <file>`: the servers and their options come from
 * the file, so a server URL, or an option of one server given on the command line, is refused with where it goes
 * instead; `--server` without `--config` is refused too. Nothing is silently ignored.
 */
import { BridgeError, ErrorCode } from '../../errors.js';

/** Options of the whole process (and of the commands themselves) that may be given next to `--config`. */
const PROCESS_FLAGS: ReadonlySet<string> = new Set([
  '--config',
  '--server',
  '--force',
  '--json',
  '--debug',
  '--silent',
  '--log-file',
  '--no-banner',
  '--use-env-proxy',
  '--max-message-size',
  '--token-store',
  '--config-dir',
]);

/** What the command line gave. */
export interface FileFormInput {
  /** The command: `login`, `status` or `doctor`; undefined for the bridge itself. */
  command: string | undefined;
  /** The server URL argument, if given. */
  url: string | undefined;
  /** `--config`, if given. */
  config: string | undefined;
  /** `--server` names. */
  servers: readonly string[];
  /** The long flags given on the command line itself (not from the environment or defaults). */
  given: readonly string[];
}

/** The key of a file entry that takes what `flag` gives (`--client-id` → `"client-id"`, `--no-browser` → `"browser": false`). */
function entryKeyOf(flag: string): string {
  if (flag === '--header') return '"headers": { "Name": "value" }';
  if (flag.startsWith('--no-')) return `"${flag.slice(5)}": false`;
  return `"${flag.slice(2)}"`;
}

/**
 * Whether the command runs in its `--config` form.
 * @throws BridgeError `USAGE` for a URL or a server's option next to `--config`, or `--server` without it
 */
export function isFileForm(o: FileFormInput): boolean {
  if (o.config === undefined) {
    if (o.servers.length > 0) {
      throw new BridgeError(ErrorCode.Usage, `${o.command ?? 'mcp-auth-bridge'}: --server names a server of a configuration file`, { hint: `add --config <file>, or give the server's URL instead` });
    }
    return false;
  }
  if (o.url !== undefined) {
    throw new BridgeError(ErrorCode.Usage, `${o.command ? `${o.command}: ` : ''}give a server URL or --config, not both`, { hint: o.command ? `to act on some servers of the file only, name them with --server <name>` : 'put the server in the file, or drop --config' });
  }
  const flag = o.given.find((f) => !PROCESS_FLAGS.has(f));
  if (flag !== undefined) {
    throw new BridgeError(ErrorCode.Usage, `${o.command ? `${o.command} ` : ''}--config: ${flag} is an option of one server, and the servers come from ${o.config}`, {
      hint: `give it in the server's entry of the file, as ${entryKeyOf(flag)}`,
    });
  }
  return true;
}
