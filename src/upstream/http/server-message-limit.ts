/**
 * What the bridge says when a message from the server is over `--max-server-message-size`: the error that answers
 * the request it belonged to (the same JSON-RPC shape as the bridge's other failures), and the cheap reading of an
 * oversize message's first and last bytes that tells whether it is a response, and to which id, without parsing it.
 */
import { BridgeError, ErrorCode } from '../../errors.js';
import { ID_VALUE } from '../../protocol/id-text.js';
import type { RequestId } from '../../protocol/jsonrpc.js';
import { refusedAnswer } from '../../protocol/refused-answer.js';

/** The option that sets the limit, named in errors and logs. */
export const SERVER_LIMIT_OPTION = '--max-server-message-size';

/** The error for a server answer over `limit` bytes (`method`: the request it answers, when known). */
export function answerTooLarge(limit: number, method: string | undefined): BridgeError {
  return new BridgeError(ErrorCode.MessageTooLarge, `the server's answer to ${method ?? 'the request'} is over the ${limit}-byte limit`, {
    hint: `raise ${SERVER_LIMIT_OPTION} if answers this large are expected`,
  });
}

/** The same, as one server-sent event, to put in a stream in place of the refused answer. */
export function refusedAnswerEvent(id: RequestId, error: BridgeError): Uint8Array {
  return Buffer.from(`data: ${JSON.stringify(refusedAnswer(id, error))}\n\n`);
}

const DATA_FIELD = /(?:^|[\r\n])data: ?/;

/** The JSON text at the start of an event's head: what follows its first `data:` field. */
export function dataOfEventHead(head: string): string {
  const m = DATA_FIELD.exec(head);
  return m ? head.slice(m.index + m[0].length) : '';
}

const OPENING = String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?`;
const METHOD_FIRST = new RegExp(`${OPENING}(?:"id"\\s*:\\s*${ID_VALUE}\\s*,\\s*)?"method"\\s*:`);
const RESPONSE_HEAD = new RegExp(`${OPENING}(?:"id"\\s*:\\s*${ID_VALUE}\\s*,\\s*)?"(?:result|error)"\\s*:`);
const TAIL_ID = new RegExp(String.raw`"id"\s*:\s*${ID_VALUE}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`);

/** Whether a message's JSON head shows a request or notification (its `method` comes before any payload). */
export function looksLikeMethodMessage(json: string): boolean {
  return METHOD_FIRST.test(json);
}

/**
 * The id of a response from its JSON head and tail, where JSON-RPC writers put it (first, or last after the
 * payload); undefined when the message does not show itself as a response there.
 */
export function responseIdOf(head: string, tail: string): RequestId | undefined {
  const m = RESPONSE_HEAD.exec(head);
  if (!m) return undefined;
  const text = m[1] ?? TAIL_ID.exec(tail.trimEnd())?.[1];
  if (text === undefined) return undefined;
  try {
    const id: unknown = JSON.parse(text);
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
