/**
 * The command's entry: parses the command line, runs, and maps every outcome to an exit code. This is the only
 * place in the product that ends the process.
 */
import { CommanderError } from 'commander';
import { BridgeError, ErrorCode, isBridgeError } from '../errors.js';
import { createLogger, processSecrets, redact, terminalSafe } from '../log.js';
import { adviseOnArguments, shapeOf } from './argv-advice.js';
import { ExitCode } from './exit-codes.js';
import { processRuntime } from '../config/runtime.js';
import { validateConfig, validateProcess } from '../config/validate.js';
import { parseEnvFlag } from '../config/values.js';
import { createProgram, toConfigInput } from './program.js';
import { ProgressLine } from './progress-line.js';
import { isFileForm } from './config-commands/file-form.js';
import { runBridge } from './run-bridge.js';
import { runDoctorCommand } from './run-doctor.js';
import { runLoginCommand } from './run-login.js';
import { runLogoutCommand, runStatusCommand } from './run-store-commands.js';

/**
 * Writes a user-facing error to stderr: the message (redacted, secrets the process learned included: it may quote
 * input), then what to do (our own words).
 */
function report(error: BridgeError): void {
  process.stderr.write(`mcp-auth-bridge: ${terminalSafe(redact(error.message, processSecrets))}\n`);
  if (error.hint) process.stderr.write(`  ${terminalSafe(error.hint)}\n`);
}

/**
 * Some clients split arguments at spaces (as on Windows), so `--header "Authorization: Bearer x"` arrives as
 * `--header Authorization:` followed by stray words, which commander would only call "too many arguments".
 */
function splitHeaderError(argv: string[]): BridgeError | undefined {
  for (let i = 2; i < argv.length - 2; i++) {
    const option = argv[i];
    const value = argv[i + 1]!;
    if ((option === '-H' || option === '--header') && /^[^:\s]+:$/.test(value) && !argv[i + 2]!.startsWith('-')) {
      const name = value.slice(0, -1);
      return new BridgeError(ErrorCode.Usage, `--header: the header ${name} has an empty value`, {
        hint: `your client split the argument at a space: write "${name}:\${VAR}" and put the value in the environment variable VAR`,
      });
    }
  }
  return undefined;
}

/** Maps an error to its exit code, reporting it. */
function toExitCode(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // commander printed its own message already; --help and --version end with code 0.
    if (error.exitCode === 0) return ExitCode.Ok;
    return ExitCode.Usage;
  }
  if (isBridgeError(error)) {
    report(error);
    return error.code === ErrorCode.Usage || error.code === ErrorCode.Config ? ExitCode.Usage : ExitCode.Failure;
  }
  process.stderr.write(`mcp-auth-bridge: unexpected error: ${terminalSafe(redact(error instanceof Error ? (error.stack ?? error.message) : String(error), processSecrets))}\n`);
  return ExitCode.Failure;
}

/** Runs the command with `argv` (default: this process's) and exits with the outcome's code. */
export async function main(argv: string[] = process.argv): Promise<void> {
  process.on('unhandledRejection', (reason) => {
    // Keep serving: one failed promise must not take the client's session down.
    process.stderr.write(`mcp-auth-bridge: internal error (continuing): ${terminalSafe(redact(String((reason as Error)?.stack ?? reason), processSecrets))}\n`);
  });
  let code: ExitCode = ExitCode.Ok;
  // The outside world, made once here and passed down (config/runtime.ts).
  const runtime = processRuntime();
  const env = runtime.env;
  const logger = (debug: boolean | undefined) => createLogger({ level: debug || parseEnvFlag('MCP_PROXY_DEBUG', env.MCP_PROXY_DEBUG) ? 'debug' : 'info' });
  const program = createProgram({
    bridge: async (url, raw, given) => {
      if (typeof raw.config === 'string') {
        isFileForm({ command: undefined, url, config: raw.config, servers: [], given });
        const { runAggregate } = await import('./run-aggregate.js');
        const input = toConfigInput(undefined, raw);
        const store = { ...(input.tokenStore ? { tokenStore: input.tokenStore as 'auto' } : {}), ...(input.configDir ? { configDir: input.configDir } : {}) };
        code = await runAggregate({ file: raw.config, process: validateProcess(input, env), store, runtime });
        return;
      }
      code = await runBridge({ config: validateConfig(toConfigInput(url, raw), env), runtime });
    },
    login: async (url, raw, given) => {
      if (isFileForm({ command: 'login', url, config: raw.config, servers: raw.server ?? [], given })) {
        // The --config forms' code loads only when one runs.
        code = await (await import('./config-commands/file-commands.js')).loginFromFile({ raw, runtime });
        return;
      }
      const config = validateConfig(toConfigInput(url, raw), env);
      // Log lines go through the progress line, which clears itself before each.
      const progress = new ProgressLine(runtime.stderr);
      const logger = createLogger({ level: config.process.logLevel, file: config.process.logFile, stream: progress.passthrough });
      code = await runLoginCommand({ config, force: raw.force === true, logger, progress, runtime });
    },
    doctor: async (url, raw, given) => {
      if (isFileForm({ command: 'doctor', url, config: raw.config, servers: raw.server ?? [], given })) {
        code = await (await import('./config-commands/file-commands.js')).doctorFromFile({ raw, runtime });
        return;
      }
      const config = validateConfig(toConfigInput(url, raw), env);
      const { logLevel, logFile } = config.process;
      code = await runDoctorCommand({ config, logger: createLogger({ level: logLevel === 'info' ? 'warn' : logLevel, file: logFile }), runtime });
    },
    status: async (url, raw, given) => {
      if (isFileForm({ command: 'status', url, config: raw.config, servers: raw.server ?? [], given })) {
        code = await (await import('./config-commands/file-commands.js')).statusFromFile({ raw, runtime, logger: logger(raw.debug) });
        return;
      }
      code = await runStatusCommand({ url, tokenStore: raw.tokenStore as 'auto', configDir: raw.configDir, logger: logger(raw.debug), json: raw.json === true });
    },
    serve: async (url, raw) => {
      // serve's code (the HTTP front, its sessions) loads only when it runs.
      code = await (await import('./run-serve.js')).runServe({ url, raw, runtime });
    },
    logout: async (url, raw) => {
      code = await runLogoutCommand({ url, tokenStore: raw.tokenStore as 'auto', configDir: raw.configDir, logger: logger(raw.debug), all: raw.all === true });
    },
  });
  try {
    const advice = splitHeaderError(argv) ?? adviseOnArguments(argv.slice(2), shapeOf(program));
    if (advice) throw advice;
    await program.parseAsync(argv);
  } catch (error) {
    code = toExitCode(error);
  }
  process.exit(code);
}
