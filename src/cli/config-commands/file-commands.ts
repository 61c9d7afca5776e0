/**
 * The `--config` forms of `login`, `status` and `doctor`, from the command line's values: the process-wide options
 * (logging, network, where credentials are kept) validated as for one server, the file loaded and narrowed to the
 * `--server` names, and the command run. The entry (main.ts) calls these when `isFileForm` (file-form.ts) says so.
 */
import { createLogger, type Logger } from '../../log.js';
import type { Runtime } from '../../config/runtime.js';
import { CHOICES, DEFAULTS } from '../../config/input.js';
import { validateProcess } from '../../config/validate.js';
import { choice } from '../../config/values.js';
import type { ExitCode } from '../exit-codes.js';
import type { RawOptions, StoreCommandOptions } from '../program.js';
import { ProgressLine } from '../progress-line.js';
import { runDoctorFile } from './doctor-file.js';
import { runLoginFile } from './login-file.js';
import { openServersFile, type ProcessCredentials, type ServersFile } from './servers-file.js';
import { runStatusFile } from './status-file.js';

/** What the three commands need from the command line. */
interface FileCommandInput {
  raw: Pick<RawOptions, 'config' | 'server' | 'tokenStore' | 'configDir'>;
  runtime: Runtime;
}

function credentialsOf(raw: FileCommandInput['raw']): ProcessCredentials {
  return { tokenStore: choice('--token-store', raw.tokenStore ?? DEFAULTS.tokenStore, CHOICES.tokenStore), configDir: raw.configDir };
}

function open(o: FileCommandInput): ServersFile {
  return openServersFile({ path: o.raw.config!, names: [...new Set(o.raw.server ?? [])], env: o.runtime.env, credentials: credentialsOf(o.raw) });
}

/** `login --config <file>` (login-file.ts). */
export async function loginFromFile(o: FileCommandInput & { raw: RawOptions }): Promise<ExitCode> {
  const proc = validateProcess(o.raw, o.runtime.env);
  const file = open(o);
  // Log lines go through the progress line, which clears itself before each.
  const progress = new ProgressLine(o.runtime.stderr);
  const logger = createLogger({ level: proc.logLevel, file: proc.logFile, stream: progress.passthrough });
  try {
    return await runLoginFile({ file, process: proc, force: o.raw.force === true, logger, runtime: o.runtime, progress });
  } finally {
    logger.close();
  }
}

/** `doctor --config <file>` (doctor-file.ts). */
export async function doctorFromFile(o: FileCommandInput & { raw: RawOptions }): Promise<ExitCode> {
  const proc = validateProcess(o.raw, o.runtime.env);
  const file = open(o);
  const logger = createLogger({ level: proc.logLevel === 'info' ? 'warn' : proc.logLevel, file: proc.logFile, stream: o.runtime.stderr });
  try {
    return await runDoctorFile({ file, process: proc, logger, runtime: o.runtime });
  } finally {
    logger.close();
  }
}

/** `status --config <file>` (status-file.ts). */
export async function statusFromFile(o: FileCommandInput & { raw: StoreCommandOptions & { json?: boolean }; logger: Logger }): Promise<ExitCode> {
  const file = open(o);
  return runStatusFile({ file, configDir: o.raw.configDir, json: o.raw.json === true, logger: o.logger, out: o.runtime.stdout, now: o.runtime.now });
}
