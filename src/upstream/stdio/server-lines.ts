/**
 * A local server's stdout: newline-delimited JSON-RPC (MCP 2025-11-25, "Transports", stdio), framed with the same
 * size-limited {@link LineFramer} as the client side, so one line never holds more than `maxMessageBytes` in memory.
 *
 * What is not a message is logged and dropped, and the bridge goes on with the next line: text that is not JSON
 * (servers that print to stdout by mistake), a value that is not JSON-RPC, a message nested deeper than
 * {@link MAX_JSON_DEPTH}. A line over the limit is dropped too, but a request must still end: an oversize answer
 * whose id can be read from its first and last bytes becomes an error for that request (as on HTTP, see
 * server-message-limit.ts), and an oversize request of the server's own is answered with an error to the server.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineFramer, recoverRequestId, type Frame } from '../../front/stdio/line-framer.js';
import type { Logger } from '../../log.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../protocol/json-depth.js';
import { classify, errorResponse, RpcErrorCode } from '../../protocol/jsonrpc.js';
import { summarizeMessage } from '../../protocol/message-summary.js';
import { answerTooDeep, refusedAnswer } from '../../protocol/refused-answer.js';
import { answerTooLarge, responseIdOf, SERVER_LIMIT_OPTION } from '../http/server-message-limit.js';

/** Answers at least this large are passed on as the server wrote them (no second serialization). */
const RELAY_CHARS = 64 * 1024;
/** Longest excerpt of a bad line in a log line. */
const EXCERPT_CHARS = 200;

/** Options for {@link ServerLines}. */
export interface ServerLinesOptions {
  /** Longest accepted line, in bytes (`--max-server-message-size`). */
  maxMessageBytes: number;
  logger: Logger;
  /** A message from the server (or an error standing in for its answer); `raw` is its JSON text on one line. */
  deliver(message: JSONRPCMessage, raw?: string): void;
  /** Writes a message to the server: the error that answers an oversize request of its own. */
  reply(message: JSONRPCMessage): void;
}

/** Reads the server's stdout. See the module comment. */
export class ServerLines {
  readonly #o: ServerLinesOptions;
  readonly #framer: LineFramer;

  constructor(options: ServerLinesOptions) {
    this.#o = options;
    this.#framer = new LineFramer({ maxLineBytes: options.maxMessageBytes });
  }

  /** Takes a chunk of stdout. */
  push(chunk: Buffer): void {
    for (const frame of this.#framer.push(chunk)) this.#frame(frame);
  }

  /** stdout ended: an unfinished last line is dropped, with a warning. */
  end(): void {
    if (this.#framer.pending) this.#o.logger.warn('the server\'s output ended in the middle of a message; the partial line was dropped');
  }

  #frame(frame: Frame): void {
    if (frame.kind === 'oversize') {
      this.#oversize(frame);
      return;
    }
    const log = this.#o.logger;
    let value: unknown;
    try {
      value = JSON.parse(frame.text);
    } catch {
      log.warn(`ignored a line from the server that is not JSON (servers must write only MCP messages to stdout): ${excerpt(frame.text)}`);
      return;
    }
    const c = classify(value);
    if (c.kind === 'invalid') {
      log.warn(`ignored a message from the server that is not valid JSON-RPC (${c.reason}): ${excerpt(frame.text)}`);
      return;
    }
    if (nestsDeeperThan(frame.text)) {
      if (c.kind === 'response') {
        log.warn(`the server's answer to ${JSON.stringify(c.id)} nests deeper than ${MAX_JSON_DEPTH} levels: answered with an error`);
        this.#o.deliver(refusedAnswer(c.id, answerTooDeep(MAX_JSON_DEPTH, undefined)));
      } else {
        log.warn(`dropped a ${summarizeMessage(c.message)} from the server: nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
      return;
    }
    if (c.kind === 'response' && frame.text.length >= RELAY_CHARS) {
      // Valid JSON has carriage returns only between tokens, where a space means the same.
      this.#o.deliver(c.message, frame.text.includes('\r') ? frame.text.replace(/\r/g, ' ') : frame.text);
      return;
    }
    this.#o.deliver(c.message);
  }

  #oversize(frame: Extract<Frame, { kind: 'oversize' }>): void {
    const limit = this.#o.maxMessageBytes;
    const answerTo = responseIdOf(frame.head, frame.tail);
    const requestId = answerTo === undefined ? recoverRequestId(frame.head, frame.tail) : undefined;
    const done =
      answerTo !== undefined
        ? `; answered request ${JSON.stringify(answerTo)} with an error`
        : requestId !== undefined
          ? `; told the server its request ${JSON.stringify(requestId)} was refused`
          : '';
    this.#o.logger.warn(`dropped a ${frame.bytes}-byte message from the server: over the ${limit}-byte limit (${SERVER_LIMIT_OPTION})${done}`);
    if (answerTo !== undefined) this.#o.deliver(refusedAnswer(answerTo, answerTooLarge(limit, undefined)));
    else if (requestId !== undefined) {
      this.#o.reply(errorResponse(requestId, RpcErrorCode.InvalidRequest, `Message too large: ${frame.bytes} bytes, limit ${limit} (mcp-auth-bridge ${SERVER_LIMIT_OPTION})`));
    }
  }
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
