/**
 * The SDK `Client` every test drives, identical whether it talks to the bridge or straight to the server, so the
 * two can be compared: it declares sampling, elicitation and roots, answers them deterministically, and records
 * every notification it receives.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  McpError,
  type Notification,
} from '@modelcontextprotocol/sdk/types.js';

/** The model name the test client's sampling handler reports. */
export const SAMPLING_MODEL = 'test-model';

/** What the test client's elicitation handler accepts with. */
export const ELICIT_CONTENT = { name: 'Ada' } as const;

/** The roots the test client lists. */
export const CLIENT_ROOTS = [{ uri: 'file:///tmp/bridge-test-root', name: 'test root' }] as const;

/** A test client and what it has received. */
export interface TestClient {
  client: Client;
  /** Every notification the client received that the SDK does not consume itself (progress is consumed). */
  notifications: Notification[];
  /** Server-to-client requests the client answered, by method, in order. */
  serverRequests: string[];
  /** Switches a test may flip: while `samplingError` is set, sampling requests are answered with that error. */
  controls: { samplingError?: { code: number; message: string } };
}

/**
 * Creates a {@link Client} (not yet connected) with sampling, form elicitation and roots capabilities, whose handlers
 * answer `sampled: <first message text>` (or an error, see `controls`), accept with {@link ELICIT_CONTENT}, and list
 * {@link CLIENT_ROOTS}.
 */
export function createTestClient(name = 'bridge-test-client'): TestClient {
  const notifications: Notification[] = [];
  const serverRequests: string[] = [];
  const controls: TestClient['controls'] = {};
  const client = new Client(
    { name, version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    serverRequests.push(request.method);
    if (controls.samplingError) throw new McpError(controls.samplingError.code, controls.samplingError.message);
    const first = request.params.messages[0]?.content;
    const text = first && !Array.isArray(first) && first.type === 'text' ? first.text : '?';
    return { model: SAMPLING_MODEL, role: 'assistant', content: { type: 'text', text: `sampled: ${text}` } };
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    serverRequests.push(request.method);
    return { action: 'accept', content: { ...ELICIT_CONTENT } };
  });
  client.setRequestHandler(ListRootsRequestSchema, async (request) => {
    serverRequests.push(request.method);
    return { roots: CLIENT_ROOTS.map((root) => ({ ...root })) };
  });
  client.fallbackNotificationHandler = async (notification) => {
    notifications.push(notification);
  };
  return { client, notifications, serverRequests, controls };
}
