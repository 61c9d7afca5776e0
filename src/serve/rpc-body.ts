/**
 * The one JSON-RPC message a POST to an MCP endpoint carries (Streamable HTTP or legacy SSE): its body read within
 * `--max-message-size`, parsed and classified; when it cannot be, the request is answered here (413, or 400 with
 * the JSON-RPC error of the transport) and the caller gets nothing.
 */
import { classify, type Classified } from '../protocol/jsonrpc.js';
import type { EndpointRequest, FrontContext } from './front-context.js';
import { answerRpcError, TransportError } from './http-answers.js';
import { readBody } from './request-body.js';

/** A message that classified as a request, notification or response. */
export type RpcMessage = Exclude<Classified, { kind: 'invalid' }>;

/** Reads the POST's body within `--max-message-size`; undefined when it was over and the request was answered 413. */
export async function readLimitedBody(ctx: FrontContext, r: EndpointRequest): Promise<Buffer | undefined> {
  const body = await readBody(r.req, ctx.maxMessageBytes);
  if (body !== 'too-large') return body;
  refuseTooLarge(ctx, r);
  return undefined;
}

/** Answers 413 to a POST over `--max-message-size`. */
function refuseTooLarge(ctx: FrontContext, r: EndpointRequest): void {
  const { req, res, cors } = r;
  ctx.logger.warn(`refused a ${req.headers['content-length'] ?? 'large'}-byte POST to ${r.path}: over the ${ctx.maxMessageBytes}-byte limit (--max-message-size)`);
  answerRpcError(res, 413, TransportError.InvalidRequest, `Payload Too Large: the limit is ${ctx.maxMessageBytes} bytes (--max-message-size)`, { connection: 'close', ...cors });
}

/** Reads the POST's message; undefined when the request was answered with why it carries none. */
export async function readRpcMessage(ctx: FrontContext, r: EndpointRequest): Promise<RpcMessage | undefined> {
  const { res, cors } = r;
  const body = await readBody(r.req, ctx.maxMessageBytes);
  if (body === 'too-large') return void refuseTooLarge(ctx, r);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    answerRpcError(res, 400, TransportError.ParseError, 'Parse error: the body is not JSON', cors);
    return undefined;
  }
  const c = classify(value);
  if (c.kind === 'invalid') {
    answerRpcError(res, 400, TransportError.InvalidRequest, `Invalid Request: ${c.reason}`, cors);
    return undefined;
  }
  return c;
}
