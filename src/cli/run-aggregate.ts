/**
 * Runs the bridge for a `--config` file: one stdio client session over every server the file names (the
 * aggregator, aggregate/), until the client goes away or a signal arrives. Each remote server is reached as the
 * single-server bridge reaches its one (server-link.ts); each local server is a child process (upstream/stdio/).
 * Resolves with the exit code; only the entry (main.ts) ends the process.
 */
import { Aggregator } from '../aggregate/aggregator.js';
import type { MemberBackend, MemberSpec } from '../aggregate/types.js';
import { loadConfigFile } from '../config/file/load.js';
import { watchConfigFile } from '../config/file/watch.js';
import type { ConfigDiff } from '../config/file/diff.js';
import type { Runtime } from '../config/runtime.js';
import type { ProcessConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { StdioTransport } from '../front/stdio/stdio-transport.js';
import { createLogger, type Logger } from '../log.js';
import { createGroupGuardian } from '../upstream/stdio/guardian.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { DRAIN_LIMIT_MS, withDeadline } from './run-bridge.js';
import { backendFor, memberSpecs, type StoreChoice } from './member-backends.js';

/** Options for {@link runAggregate}. */
export interface RunAggregateOptions {
  /** The `--config` file. */
  file: string;
  process: ProcessConfig;
  /** Where credentials are kept (`--token-store`, `--config-dir`): the process's, applied to every server. */
  store: StoreChoice;
  runtime: Runtime;
  /** Default: a logger on stderr at the configured level. */
  logger?: Logger;
}

/** Runs the aggregate; see the module comment. */
export async function runAggregate(options: RunAggregateOptions): Promise<ExitCode> {
  const { runtime, process: proc } = options;
  const log = options.logger ?? createLogger({ level: proc.logLevel, file: proc.logFile, stream: runtime.stderr });
  const loaded = loadConfigFile(options.file, { env: runtime.env });
  const specs = memberSpecs(loaded);
  if (proc.banner) {
    const names = loaded.servers.map((s) => s.name).join(', ');
    log.info(`v${VERSION}: stdio ⇄ ${loaded.servers.length} servers from ${options.file}${names ? ` (${names})` : ''}`);
  }
  let client: StdioTransport | undefined;
  const clientReady = () => client?.ready();
  // Local servers' process groups are ended by a watchdog even when this process is killed outright.
  const guardian = createGroupGuardian({ logger: log });
  const entries = new Map(loaded.servers.map((s) => [s.name, s]));
  const factory = (spec: MemberSpec): MemberBackend =>
    backendFor({ server: entries.get(spec.name)!, process: proc, store: options.store, runtime, guardian, root: log, log: log.child({ name: spec.name }), clientReady });
  client = new StdioTransport({ stdin: runtime.stdin, stdout: runtime.stdout, maxMessageBytes: proc.maxMessageBytes, logger: log });
  const aggregator = new Aggregator({
    client,
    servers: specs,
    factory,
    separator: loaded.separator,
    listWaitMs: loaded.listTimeoutMs,
    logger: log,
    version: VERSION,
  });
  // Saving the file applies it: only the servers whose entries changed are touched.
  const watch = watchConfigFile({
    path: options.file,
    env: runtime.env,
    current: loaded,
    logger: log,
    onChange: (diff) => {
      let next: MemberSpec[];
      try {
        next = memberSpecs(diff.config);
      } catch (error) {
        log.warn(`configuration not applied: ${describeError(error)}`);
        return;
      }
      for (const server of diff.config.servers) entries.set(server.name, server);
      const changed = new Set(diff.changed.map((s) => s.name));
      log.info(`configuration changed: ${describeDiff(diff)}`);
      void aggregator.reconfigure({ servers: next, changed, ...(diff.separatorChanged ? { separator: diff.config.separator } : {}) });
    },
    onError: (problem) => log.warn(`configuration not applied: ${describeError(problem)}`),
  });
  let unsubscribe = () => {};
  const stopped = new Promise<string>((resolve) => {
    unsubscribe = runtime.onSignal((signal) => resolve(signal));
  });
  await aggregator.start();
  const reason = await Promise.race([aggregator.clientClosed.then(() => 'stdin closed'), stopped]);
  if (reason === 'stdin closed') await aggregator.drain(DRAIN_LIMIT_MS);
  unsubscribe();
  watch.close();
  log.debug(`shutting down (${reason})`);
  await withDeadline(aggregator.close(), CLOSE_LIMIT_MS);
  guardian.close();
  log.close();
  return ExitCode.Ok;
}

/** A change in words, for the log: which servers were added, removed and restarted. */
function describeDiff(diff: ConfigDiff): string {
  const parts = [
    diff.added.length > 0 ? `added ${diff.added.map((s) => s.name).join(', ')}` : '',
    diff.removed.length > 0 ? `removed ${diff.removed.join(', ')}` : '',
    diff.changed.length > 0 ? `restarting ${diff.changed.map((s) => s.name).join(', ')}` : '',
    diff.separatorChanged ? `separator now "${diff.config.separator}"` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'nothing to do';
}

/** Longest wait for the shutdown: sessions ended (bounded) and local servers' process groups stopped. */
const CLOSE_LIMIT_MS = 5_000;
