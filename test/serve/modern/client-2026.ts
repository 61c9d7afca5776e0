/**
 * A 2026-07-28 client for the serve tests: the SDK's 2.x client pinned to 2026-07-28, answering sampling,
 * elicitation and roots like test/helpers/client.ts and recording what it was asked; closed after the test. And a raw
 * POST of one 2026 request, for the refusals a conforming client never provokes.
 */
import { Client as Client2026, StreamableHTTPClientTransport as Transport2026 } from '@modelcontextprotocol/client';
import { onTeardown } from '../../helpers/cleanup.js';
import { CLIENT_ROOTS, ELICIT_CONTENT, SAMPLING_MODEL } from '../../helpers/client.js';
import { withTimeout } from '../../helpers/wait.js';

/** A connected 2026 client. */
export interface Client2026Handle {
  client: Client2026;
  /** Methods of the requests the client was asked (through `input_required`), in order. */
  asked: string[];
  /** Notifications it got, by method. */
  notifications: Array<{ method: string; params?: unknown }>;
}

/** Connects a 2026-07-28 client to `url` (`server/discover` is its first request). */
export async function connect2026(url: string, headers: Record<string, string> = {}): Promise<Client2026Handle> {
  const client = new Client2026(
    { name: 'serve-2026-client', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const asked: string[] = [];
  const notifications: Array<{ method: string; params?: unknown }> = [];
  client.setRequestHandler('sampling/createMessage', async (request) => {
    asked.push(request.method);
    const first = request.params.messages[0]?.content;
    const text = first && !Array.isArray(first) && first.type === 'text' ? first.text : '?';
    return { model: SAMPLING_MODEL, role: 'assistant', content: { type: 'text', text: `sampled: ${text}` } };
  });
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(request.method);
    return { action: 'accept', content: { ...ELICIT_CONTENT } };
  });
  client.setRequestHandler('roots/list', async (request) => {
    asked.push(request.method);
    return { roots: CLIENT_ROOTS.map((r) => ({ ...r })) };
  });
  for (const method of ['notifications/resources/updated', 'notifications/tools/list_changed', 'notifications/message'] as const) {
    client.setNotificationHandler(method, (n) => void notifications.push({ method: n.method, params: n.params }));
  }
  const transport = new Transport2026(new URL(url), { requestInit: { headers } });
  onTeardown(() => client.close());
  await withTimeout(`a 2026-07-28 connect to ${url}`, client.connect(transport), 20_000);
  return { client, asked, notifications };
}

/** The `_meta` envelope of a raw 2026 request. */
export function meta2026(capabilities: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-2026', version: '1' },
  };
}

/** POSTs one 2026 request and returns the HTTP status and the JSON body. */
export async function post2026(url: string, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: { ...meta2026(), ...((params._meta as object) ?? {}) } } }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } } };
}
