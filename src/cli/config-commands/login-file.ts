/**
 * `mcp-auth-bridge login --config <file> [--server <name>]...`: logs in to every remote server of the file that the
 * bridge logs in for, one after another, each exactly as `login <url>` would with the entry's options (a stored
 * login that is still good is kept unless `--force`). Local servers, servers with their own Authorization header or
 * `"auth": "none"`, disabled entries and servers that do not ask for authorization are listed as skipped, with why.
 * One server's failure is reported and the others still run; the exit code says whether any failed. Every line
 * goes to stderr: `<name>: <result>`, then a count.
 */
import { BridgeError, describeError, ErrorCode, isBridgeError } from '../../errors.js';
import { type Logger, processSecrets, redact, terminalSafe } from '../../log.js';
import type { Runtime } from '../../config/runtime.js';
import { oauthOf, type ProcessConfig } from '../../config/types.js';
import type { RemoteServer } from '../../config/file/types.js';
import { ExitCode } from '../exit-codes.js';
import type { ProgressLine } from '../progress-line.js';
import { describeExpiry, describeRenewal, loginToServer } from '../run-login.js';
import { noLoginReason, type ServersFile } from './servers-file.js';

/** Options for {@link runLoginFile}. */
export interface LoginFileOptions {
  file: ServersFile;
  process: ProcessConfig;
  force: boolean;
  /** The command's logger; each server's lines carry its name. */
  logger: Logger;
  runtime: Runtime;
  /** The progress line on stderr; the report's lines go through it, so they never land after it. */
  progress: ProgressLine;
}

/** How one server's login ended. */
type Outcome = 'logged-in' | 'kept' | 'skipped' | 'failed';

/** Runs `login --config`; see the module comment. */
export async function runLoginFile(o: LoginFileOptions): Promise<ExitCode> {
  const say = (line: string) => o.progress.passthrough.write(`${terminalSafe(line)}\n`);
  const count: Record<Outcome, number> = { 'logged-in': 0, kept: 0, skipped: 0, failed: 0 };
  for (const server of o.file.servers) {
    const reason = noLoginReason(server);
    if (reason !== undefined || server.kind !== 'remote') {
      say(`${server.name}: skipped: ${reason}`);
      count.skipped++;
      continue;
    }
    const outcome = await loginOne(server, o, say);
    count[outcome]++;
  }
  for (const name of o.file.disabled) {
    say(`${name}: skipped: disabled in the file`);
    count.skipped++;
  }
  say(
    `\n${count['logged-in']} logged in, ${count.kept} already logged in, ${count.skipped} skipped, ${count.failed} failed` +
      ` (${o.file.loaded.path}).`,
  );
  return count.failed > 0 ? ExitCode.Failure : ExitCode.Ok;
}

/** Logs in to one server and reports it. */
async function loginOne(server: RemoteServer, o: LoginFileOptions, say: (line: string) => void): Promise<Outcome> {
  const { name, config } = server;
  const auth = oauthOf(config)!;
  let probed: number | undefined;
  say(`${name}: ${o.force ? 'logging in' : 'checking the login'} to ${config.url.href}`);
  try {
    const summary = await loginToServer({
      config: { server: config, process: o.process },
      force: o.force,
      logger: o.logger.child({ name }),
      runtime: o.runtime,
      progress: o.progress,
      onProbeStatus: (status) => (probed = status),
    });
    const who = summary.account ? ` as ${summary.account}` : '';
    const access = `${describeExpiry(summary.expiresAt, o.runtime.now())}${describeRenewal(summary)}`;
    say(`${name}: ${summary.reused ? 'already logged in' : `logged in${who}`} (issuer ${summary.issuer}; access ${access})`);
    return summary.reused ? 'kept' : 'logged-in';
  } catch (error) {
    // The Authorizer's refusal of a server that answered without asking for authorization: nothing to log in to.
    if (probed !== undefined && probed !== 401 && !auth.issuer && isBridgeError(error, ErrorCode.Auth)) {
      say(`${name}: skipped: the server does not ask for authorization (HTTP ${probed}): nothing to log in to`);
      return 'skipped';
    }
    const e = isBridgeError(error) ? error : new BridgeError(ErrorCode.Internal, describeError(error), { cause: error });
    say(`${name}: failed: ${redact(e.message, processSecrets)}`);
    if (e.hint) say(`  ${e.hint}`);
    return 'failed';
  }
}
