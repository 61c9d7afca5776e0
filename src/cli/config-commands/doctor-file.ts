/**
 * `mcp-auth-bridge doctor --config <file> [--server <name>]...`: the doctor's diagnosis for each server of the file,
 * one section per server and one server at a time — a remote server gets the steps of `doctor <url>` with its
 * entry's options, a local one whether its command can be found and its working directory exists (it is not
 * started) — then a summary per server. The exit code is 0 only when every step of every server passed.
 */
import { describeError } from '../../errors.js';
import { type Logger, terminalSafe } from '../../log.js';
import type { Runtime } from '../../config/runtime.js';
import type { ProcessConfig } from '../../config/types.js';
import type { LoadedServer } from '../../config/file/types.js';
import { ExitCode } from '../exit-codes.js';
import { diagnose, writeSteps, type DoctorStep } from '../run-doctor.js';
import { localSteps } from './local-steps.js';
import type { ServersFile } from './servers-file.js';

/** Options for {@link runDoctorFile}. */
export interface DoctorFileOptions {
  file: ServersFile;
  process: ProcessConfig;
  logger: Logger;
  /** The outside world; the report goes to its stdout. */
  runtime: Runtime;
  /** The working directory and platform a local server's command is looked up with. Default: this process's. */
  cwd?: string;
  platform?: NodeJS.Platform;
}

/** Runs `doctor --config`; see the module comment. */
export async function runDoctorFile(o: DoctorFileOptions): Promise<ExitCode> {
  const out = o.runtime.stdout;
  const summary: string[] = [];
  let failedServers = 0;
  for (const server of o.file.servers) {
    out.write(`== ${server.name} ${server.kind === 'remote' ? server.config.url.href : `(local: ${server.command})`}\n`);
    const steps = await stepsOf(server, o);
    writeSteps(out, steps);
    out.write('\n');
    const failed = steps.filter((s) => !s.ok).length;
    if (failed) failedServers++;
    const checks = `${steps.length} check${steps.length === 1 ? '' : 's'}`;
    summary.push(failed ? `${server.name}: ${failed} of ${checks} failed` : `${server.name}: ${steps.length === 1 ? 'the' : 'all'} ${checks} passed`);
  }
  for (const name of o.file.disabled) summary.push(`${name}: skipped (disabled in the file)`);
  out.write(`${summary.map((line) => terminalSafe(line)).join('\n')}\n`);
  const total = o.file.servers.length;
  const servers = `${total} server${total === 1 ? '' : 's'}`;
  out.write(failedServers ? `\n${failedServers} of ${servers} failed a check.\n` : `\n${total === 1 ? 'The' : 'All'} ${servers} passed every check.\n`);
  return failedServers ? ExitCode.Failure : ExitCode.Ok;
}

/** One server's steps; an unexpected error becomes a failed step, so that the other servers are still diagnosed. */
async function stepsOf(server: LoadedServer, o: DoctorFileOptions): Promise<DoctorStep[]> {
  if (server.kind === 'local') {
    return localSteps({ server, env: o.runtime.env, cwd: o.cwd ?? process.cwd(), platform: o.platform ?? process.platform });
  }
  try {
    return await diagnose({ config: { server: server.config, process: o.process }, logger: o.logger.child({ name: server.name }), runtime: o.runtime });
  } catch (error) {
    return [{ name: 'Diagnosis', ok: false, detail: describeError(error), fix: 'run doctor again with --debug and report what it logs' }];
  }
}
