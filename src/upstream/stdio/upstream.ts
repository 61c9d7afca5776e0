/**
 * The stdio implementation of the {@link Upstream} port: one session with a local MCP server is one child process
 * (MCP 2025-11-25, "Transports", stdio), in a process group of its own (process-group.ts). Its stdin takes our
 * messages, one JSON line each, with backpressure; its stdout is read by {@link ServerLines}; its stderr goes to the
 * log ({@link StderrLog}).
 *
 * The session ends with the process: when the child exits or is killed, the owner hears `onSessionLost` with the
 * exit code or signal and the child's last stderr lines, and the session lifecycle starts a new child (with
 * backoff). An `initialize` the child never answered is answered with an error that says so first, so the client
 * learns why, instead of a bare "session ended". {@link StdioUpstream.close} stops the whole group.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { BridgeError, describeError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import { refusedAnswer } from '../../protocol/refused-answer.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import type { SessionVerdict, Upstream, UpstreamEvents } from '../port.js';
import { pathOf } from './child-env.js';
import type { GroupGuardian } from './guardian.js';
import { hasExited, spawnInGroup, started, stopGroup, type ChildCommand } from './process-group.js';
import { ServerLines } from './server-lines.js';
import { startError } from './start-error.js';
import { StderrLog } from './stderr-log.js';

/** Options for {@link StdioUpstream}. */
export interface StdioUpstreamOptions {
  /** The server's name in the configuration, for messages. */
  name: string;
  /** What to run, with its whole environment. */
  child: ChildCommand;
  /** Longest accepted line from the child, in bytes. */
  maxMessageBytes: number;
  /** How long the child gets after its stdin closed, before SIGTERM. */
  eofGraceMs: number;
  /** How long the group gets after SIGTERM, before SIGKILL. */
  stopGraceMs: number;
  /** Backpressure from the client side: the child's stdout is not read while this returns a promise. */
  clientReady?: () => Promise<void> | undefined;
  /** The server's logger (its lines carry the server's name). */
  logger: Logger;
  events: UpstreamEvents;
  /** Told when the child's process group starts and once it is stopped, so a bridge killed outright still ends it. */
  guardian?: GroupGuardian;
}

/** After the child exited, how long its stdout may still deliver what it wrote before the session counts as lost. */
const OUTPUT_SETTLE_MS = 500;

let serial = 0;

/** One child process as an upstream session. See the module comment. */
export class StdioUpstream implements Upstream {
  readonly kind = 'stdio';
  readonly label = `stdio#${++serial}`;
  readonly #o: StdioUpstreamOptions;
  readonly #log: Logger;
  readonly #stderr: StderrLog;
  #child: ChildProcessWithoutNullStreams | undefined;
  #retired = false;
  /** The child exited, or could not be written to: the session is over. */
  #gone = false;
  #stopping: Promise<void> | undefined;
  #initializeId: RequestId | undefined;
  #initializeAnswered = false;
  #protocolVersion: string | undefined;
  #onStopped!: () => void;
  /** Resolves once {@link StdioUpstream.close} has stopped the child (or found nothing to stop). */
  readonly stopped = new Promise<void>((resolve) => (this.#onStopped = resolve));

  constructor(options: StdioUpstreamOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#stderr = new StderrLog(options.logger);
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** The child's process id (and process group id), once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The protocol version agreed in `initialize` (kept for logs; stdio carries no version header). */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  /** Starts the child; rejects with a `LOCAL_SERVER_START` {@link BridgeError} when its command cannot run. */
  async start(): Promise<void> {
    const what = this.#o.child;
    const child = spawnInGroup(what);
    this.#child = child;
    try {
      await started(child);
    } catch (error) {
      this.#gone = true;
      this.#retired = true;
      throw startError({ name: this.#o.name, command: what.command, cwd: what.cwd, path: pathOf(what.env) }, error);
    }
    this.#log.debug(`${this.label}: started ${JSON.stringify(what.command)} as process group ${child.pid}`);
    if (child.pid !== undefined) this.#o.guardian?.watch(child.pid);
    this.#wire(child);
  }

  /**
   * Writes one message as a line on the child's stdin; resolves once the pipe took it (so it waits while the pipe is
   * full), rejects with a `SESSION_LOST` {@link BridgeError} when the child is gone.
   */
  send(message: JSONRPCMessage): Promise<void> {
    const child = this.#child;
    if (!child || this.#gone || child.stdin.destroyed || !child.stdin.writable) return Promise.reject(this.#goneError());
    const m = message as { id?: RequestId; method?: unknown };
    if (m.method === 'initialize' && m.id !== undefined) {
      this.#initializeId = m.id;
      this.#initializeAnswered = false;
    }
    // Settled when the line reached the pipe: after the child read enough of it when the pipe was full
    // (backpressure), or with EPIPE when the child was gone, which proves it never read the message.
    return new Promise<void>((resolve, reject) => {
      child.stdin.write(`${JSON.stringify(message)}\n`, (error) => {
        if (!error) return resolve();
        this.#gone = true;
        reject(this.#goneError(error));
      });
    });
  }

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  /** A child hears us as soon as it reads its stdin: nothing to wait for. */
  listening(): Promise<void> {
    return Promise.resolve();
  }

  /** Lost when the child is gone; anything else says nothing about the session. */
  sessionVerdict(): SessionVerdict {
    return this.#gone ? 'lost' : 'unrelated';
  }

  /** Retires the upstream and stops the child's process group (see process-group.ts). Idempotent. */
  close(): Promise<void> {
    this.#retired = true;
    const child = this.#child;
    this.#stopping ??= (
      child
        ? stopGroup({
            child,
            eofGraceMs: this.#o.eofGraceMs,
            stopGraceMs: this.#o.stopGraceMs,
            note: (text) => this.#log.info(`${this.label}: ${text}`),
          })
        : Promise.resolve()
    )
      .catch((error: unknown) => this.#log.debug(`${this.label}: stopping failed: ${describeError(error)}`))
      .finally(() => {
        if (child?.pid !== undefined) this.#o.guardian?.release(child.pid);
        this.#onStopped();
      });
    return this.#stopping;
  }

  #wire(child: ChildProcessWithoutNullStreams): void {
    const lines = new ServerLines({
      maxMessageBytes: this.#o.maxMessageBytes,
      logger: this.#log,
      deliver: (message, raw) => this.#deliver(message, raw),
      reply: (message) => void this.send(message).catch(() => undefined),
    });
    child.stdout.on('data', (chunk: Buffer) => {
      lines.push(chunk);
      const wait = this.#o.clientReady?.();
      if (wait) {
        child.stdout.pause();
        void wait.finally(() => child.stdout.resume());
      }
    });
    child.stdout.on('end', () => lines.end());
    child.stderr.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    child.stderr.on('end', () => this.#stderr.end());
    // EPIPE when the child stops reading: the exit that follows ends the session.
    child.stdin.on('error', (error) => this.#log.debug(`${this.label}: stdin: ${error.message}`));
    child.stdout.on('error', (error) => this.#log.debug(`${this.label}: stdout: ${error.message}`));
    child.stderr.on('error', (error) => this.#log.debug(`${this.label}: stderr: ${error.message}`));
    child.once('exit', (code, signal) => {
      this.#gone = true;
      // Let stdout deliver what the child wrote before it exited (bounded: a grandchild may hold the pipe open).
      const settled = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, OUTPUT_SETTLE_MS);
        child.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      void settled.then(() => this.#exited(code, signal));
    });
  }

  #deliver(message: JSONRPCMessage, raw?: string): void {
    const m = message as { id?: RequestId; method?: unknown };
    if (m.method === undefined && m.id !== undefined && m.id === this.#initializeId) this.#initializeAnswered = true;
    // Once retired, only answers still go to the owner: their requests wait for them.
    if (this.#retired && m.method !== undefined) return;
    this.#o.events.onmessage(message, this, raw);
  }

  #exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#retired) return;
    const reason = this.#ending(signal ? `was killed by ${signal}` : `exited with code ${code}`);
    if (this.#initializeId !== undefined && !this.#initializeAnswered) {
      const error = new BridgeError(ErrorCode.LocalServerStart, `${reason}, before it answered initialize`, {
        hint: 'run its command in a terminal to see why it stops',
      });
      this.#initializeAnswered = true;
      this.#o.events.onmessage(refusedAnswer(this.#initializeId, error), this);
    }
    this.#o.events.onSessionLost(reason, this);
  }

  /** `the local server "x" <how>`, with its last stderr lines. */
  #ending(how: string): string {
    const recent = this.#stderr.recent();
    const said = recent.length > 0 ? `; its last stderr lines: ${recent.map((l) => JSON.stringify(l)).join(' | ')}` : '';
    return `the local server "${this.#o.name}" ${how}${said}`;
  }

  #goneError(cause?: unknown): BridgeError {
    const child = this.#child;
    const how = child && hasExited(child) ? (child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`) : 'stopped reading';
    return new BridgeError(ErrorCode.SessionLost, this.#ending(how), { cause, hint: 'the bridge starts it again; retry the request' });
  }
}
