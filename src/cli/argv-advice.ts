/**
 * Advice on a command line before commander parses it, for the mistakes commander can only call "unknown option"
 * or "too many arguments": a flag of mcp-remote (the best-known peer) pasted as it was, with the exact replacement
 * from {@link PEER_FLAGS}; the peer's callback port given as a second argument; a mistyped command name, which
 * would otherwise be taken for a server URL; and serve's shared store options (`--store`, …) given to another command.
 */
import type { Command } from 'commander';
import { BridgeError, ErrorCode } from '../errors.js';
import { closest } from './closest.js';
import { peerFlag, type PeerFlag } from './peer-flags.js';

/** What the advice needs to know of the program: its command names and each command's option spellings. */
export interface CommandLineShape {
  /** The subcommand names (`login`, …). */
  commands: readonly string[];
  /** Every spelling of the options of `command` (undefined: the bare command), mapped to whether it takes a value. */
  options(command: string | undefined): ReadonlyMap<string, boolean>;
}

function optionMap(command: Command): Map<string, boolean> {
  const map = new Map<string, boolean>([
    ['-h', false],
    ['--help', false],
  ]);
  for (const option of command.options) {
    const takesValue = option.required || option.optional;
    if (option.long) map.set(option.long, takesValue);
    if (option.short) map.set(option.short, takesValue);
  }
  return map;
}

/** The {@link CommandLineShape} of a commander program. */
export function shapeOf(program: Command): CommandLineShape {
  const bare = optionMap(program);
  const sub = new Map(program.commands.map((c) => [c.name(), optionMap(c)]));
  return {
    commands: [...sub.keys(), 'help'],
    options: (command) => (command === undefined ? bare : (sub.get(command) ?? bare)),
  };
}

function peerError(peer: PeerFlag, written: string, value: string | undefined): BridgeError {
  const { use, note } = peer.replace(value);
  if (use === '(nothing)') {
    return new BridgeError(ErrorCode.Usage, `unknown option ${written} (an mcp-remote option with no equivalent here)`, {
      hint: `remove it: ${note ?? 'mcp-auth-bridge has no such option'}`,
    });
  }
  return new BridgeError(ErrorCode.Usage, `unknown option ${written} (an mcp-remote option)`, {
    hint: `write ${use} instead${note ? ` (${note})` : ''}`,
  });
}

/** serve's shared credential store options: meaningless for one user's bridge, login, status or logout. */
const SERVE_STORE_OPTIONS = ['--store', '--store-prefix', '--store-key-file', '--store-max-ttl', '--store-tls-ca', '--store-tls-cert', '--store-tls-key'];

function serveOnly(name: string): BridgeError {
  return new BridgeError(ErrorCode.Usage, `${name} is an option of serve only`, {
    hint: 'one user\'s logins are kept in the OS keychain or in files (--token-store); a shared Redis store is for mcp-auth-bridge serve --store redis://…',
  });
}

/** Looks like a server URL rather than a word: has a scheme, a dot or a slash. */
function urlLike(text: string): boolean {
  return /[:./]/.test(text);
}

/**
 * Returns a usage error with the fix for the mistakes described in the module comment, or undefined when the
 * command line has none of them (commander then parses it and reports anything else).
 * @param args the arguments after the program name (`process.argv.slice(2)`)
 */
export function adviseOnArguments(args: readonly string[], shape: CommandLineShape): BridgeError | undefined {
  let command: string | undefined;
  let options = shape.options(undefined);
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
      const peer = peerFlag(name);
      const ours = options.get(name);
      if (ours !== undefined) {
        const value = ours ? (inline ?? args[i + 1]) : undefined;
        if (ours && inline === undefined) i++;
        if (peer?.peerValues && value !== undefined && peer.peerValues.includes(value)) {
          const { use, note } = peer.replace(value);
          return new BridgeError(ErrorCode.Usage, `${name} ${value} is how mcp-remote spells it`, { hint: `write ${use} instead${note ? ` (${note})` : ''}` });
        }
        continue;
      }
      if (peer && !peer.same) return peerError(peer, name, peer.takesValue ? (inline ?? args[i + 1]) : undefined);
      if (SERVE_STORE_OPTIONS.includes(name)) return serveOnly(name);
      continue; // another unknown option: commander names it and suggests the closest of ours
    }
    if (command === undefined && positionals.length === 0 && shape.commands.includes(arg)) {
      command = arg;
      options = shape.options(arg);
      continue;
    }
    positionals.push(arg);
  }
  if (command !== undefined) return undefined;
  const [first, second] = positionals;
  if (first !== undefined && !urlLike(first)) {
    const meant = closest(first, shape.commands);
    if (meant) {
      return new BridgeError(ErrorCode.Usage, `unknown command "${first}"`, {
        hint: `did you mean "mcp-auth-bridge ${meant}"? The commands are ${shape.commands.filter((c) => c !== 'help').join(', ')}; the bridge itself takes the server's URL`,
      });
    }
  }
  if (second !== undefined && /^\d{1,5}$/.test(second)) {
    const peer = peerFlag('<port>')!;
    return new BridgeError(ErrorCode.Usage, `unexpected argument "${second}" after the URL (mcp-remote's callback port)`, {
      hint: `write ${peer.replace(second).use} instead`,
    });
  }
  return undefined;
}
