/**
 * What serve answers a 2026-07-28 client where the official suite's server scenarios (0.2, `server-stateless` and
 * `input-required-result-basic-elicitation`, at 2026-07-28) found it answering otherwise than the 2026 server behind
 * it (MCP 2026-07-28, basic/index and transports/streamable-http): a request whose `_meta` lacks the revision's
 * required keys is -32602 with HTTP 400; the methods the revision removed, and unknown ones, are -32601 with HTTP 404;
 * an unsupported version in a body-marked request is -32022 with the request's id and the versions serve speaks;
 * the server's MissingRequiredClientCapability reaches the client as -32021 with HTTP 400; the server's own
 * names for its input requests are kept in `inputRequests`; and input responses a client sends with its first
 * request (no requestState) answer the server requests they name (input-required-result-ignore-extra-params).
 */
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../../helpers/cleanup.js';
import { startServer2026 } from '../../helpers/server-2026.js';
import { startServe } from '../serve-process.js';
import { meta2026, post2026 } from './client-2026.js';

useTeardown();

interface RawAnswer {
  status: number;
  body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };
}

/** POSTs one JSON-RPC request exactly as given (headers and `_meta` included). */
async function rawPost(url: string, id: number, method: string, params: Record<string, unknown>, version = '2026-07-28'): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': version, 'mcp-method': method },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: JSON.parse(await response.text()) as RawAnswer['body'] };
}

async function serveIn2026Front(): Promise<string> {
  const server = await startServer2026();
  const serve = await startServe([server.url]);
  return `${serve.base}/mcp`;
}

describe('serve for 2026-07-28 clients: what the stateless revision demands of every request', () => {
  it('refuses a request whose _meta lacks the protocol version or the client capabilities (-32602, HTTP 400)', async () => {
    const url = await serveIn2026Front();
    const { 'io.modelcontextprotocol/protocolVersion': _v, ...noVersion } = meta2026();
    const { 'io.modelcontextprotocol/clientCapabilities': _c, ...noCapabilities } = meta2026();
    for (const [id, params] of [[101, {}], [102, { _meta: noVersion }], [104, { _meta: noCapabilities }]] as const) {
      const a = await rawPost(url, id, 'server/discover', params);
      expect({ status: a.status, code: a.body.error?.code, id: a.body.id }).toEqual({ status: 400, code: -32602, id });
    }
    // clientInfo is a SHOULD: a request without it is served.
    const { 'io.modelcontextprotocol/clientInfo': _i, ...noInfo } = meta2026();
    const served = await rawPost(url, 105, 'server/discover', { _meta: noInfo });
    expect(served.status).toBe(200);
    expect(served.body.result?.supportedVersions).toEqual(['2026-07-28']);
  });

  it('answers the methods the revision removed, and unknown ones, with -32601 and HTTP 404', async () => {
    const url = await serveIn2026Front();
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'unknown/method']) {
      const a = await rawPost(url, 500, method, { _meta: meta2026() });
      expect({ method, status: a.status, code: a.body.error?.code, id: a.body.id }).toEqual({ method, status: 404, code: -32601, id: 500 });
    }
  });

  it('refuses an unsupported version named in the header and the body with -32022, the request id and the versions it speaks', async () => {
    const url = await serveIn2026Front();
    const a = await rawPost(url, 301, 'server/discover', { _meta: { ...meta2026(), 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' } }, 'v999.0.0');
    expect(a.status).toBe(400);
    expect(a.body.id).toBe(301);
    expect(a.body.error?.code).toBe(-32022);
    expect(a.body.error?.data).toEqual({ supported: ['2026-07-28'], requested: 'v999.0.0' });
  });

  it("passes on the server's MissingRequiredClientCapability as -32021 with HTTP 400", async () => {
    const url = await serveIn2026Front();
    // ask_llm needs sampling; this client declared none.
    const a = await post2026(url, 'tools/call', { name: 'ask_llm', arguments: {} }, { 'mcp-name': 'ask_llm' });
    expect(a.status).toBe(400);
    expect(a.body.error?.code).toBe(-32021);
    expect(a.body.error?.data).toMatchObject({ requiredCapabilities: { sampling: {} } });
  });

  it("keeps the server's own names for its input requests", async () => {
    const url = await serveIn2026Front();
    const a = await post2026(url, 'tools/call', { name: 'ask_user', arguments: {}, _meta: meta2026({ elicitation: {} }) }, { 'mcp-name': 'ask_user' });
    expect(a.status).toBe(200);
    expect(a.body.result?.resultType).toBe('input_required');
    expect(Object.keys(a.body.result?.inputRequests as object)).toEqual(['who']);
    const b = await post2026(
      url,
      'tools/call',
      { name: 'ask_user', arguments: {}, inputResponses: { who: { action: 'accept', content: { name: 'Ada' } } }, requestState: a.body.result?.requestState, _meta: meta2026({ elicitation: {} }) },
      { 'mcp-name': 'ask_user' },
    );
    expect(b.body.result?.content).toEqual([{ type: 'text', text: 'hello Ada' }]);
  });

  it('uses input responses sent without a requestState for the server requests they name, ignoring the others', async () => {
    const url = await serveIn2026Front();
    const a = await post2026(
      url,
      'tools/call',
      {
        name: 'ask_user',
        arguments: {},
        inputResponses: { who: { action: 'accept', content: { name: 'Grace' } }, unknown_extra_key: { action: 'accept', content: { foo: 'bar' } } },
        _meta: meta2026({ elicitation: {} }),
      },
      { 'mcp-name': 'ask_user' },
    );
    expect(a.status).toBe(200);
    expect(a.body.result?.content).toEqual([{ type: 'text', text: 'hello Grace' }]);
  });
});
