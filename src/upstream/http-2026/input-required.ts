/**
 * Multi round-trip requests (MCP 2026-07-28, basic/patterns/mrtr) as far as a bridge needs them: recognizing an
 * `input_required` result, the requests in it a client may be asked (each needs the client capability that a 2025
 * server would have needed to send the same request), and the retry's params — the original params with the
 * client's `inputResponses` and the server's `requestState` echoed exactly (or left out when the server sent none).
 * Pure; the rounds themselves are driven by the upstream (upstream.ts).
 */

/** At most this many `input_required` answers to one request before the bridge gives up. */
export const MAX_INPUT_ROUNDS = 8;

/** Methods a server may embed, and the client capability each needs. */
export const INPUT_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** Methods whose answer may be `input_required`. */
export const INPUT_CAPABLE = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** One embedded request. */
export interface InputRequest {
  method: string;
  params?: Record<string, unknown>;
}

/** What an `input_required` result asks for. */
export interface InputRequired {
  requests: [key: string, request: InputRequest][];
  /** Present exactly when the server sent one. */
  requestState?: string;
}

/** The `input_required` content of a result, or undefined for a final result. */
export function inputRequiredOf(result: unknown): InputRequired | undefined {
  const r = result as { resultType?: unknown; inputRequests?: unknown; requestState?: unknown } | null;
  if (!r || r.resultType !== 'input_required') return undefined;
  const requests: [string, InputRequest][] = [];
  if (r.inputRequests && typeof r.inputRequests === 'object') {
    for (const [key, value] of Object.entries(r.inputRequests as Record<string, unknown>)) {
      const v = value as { method?: unknown; params?: unknown } | null;
      if (v && typeof v.method === 'string') {
        requests.push([key, { method: v.method, ...(v.params && typeof v.params === 'object' ? { params: v.params as Record<string, unknown> } : {}) }]);
      }
    }
  }
  return { requests, ...(typeof r.requestState === 'string' ? { requestState: r.requestState } : {}) };
}

/** The first embedded request the client cannot be asked (unknown method or capability not declared). */
export function unaskable(required: InputRequired, capabilities: Record<string, unknown>): { method: string; capability?: string } | undefined {
  for (const [, request] of required.requests) {
    const capability = INPUT_CAPABILITY[request.method];
    if (!capability) return { method: request.method };
    if (!capabilities[capability]) return { method: request.method, capability };
  }
  return undefined;
}

/** The params of the retry. */
export function retryParams(original: Record<string, unknown>, responses: Record<string, unknown>, requestState: string | undefined): Record<string, unknown> {
  const { inputResponses: _r, requestState: _s, ...params } = original;
  return {
    ...params,
    ...(Object.keys(responses).length ? { inputResponses: responses } : {}),
    ...(requestState === undefined ? {} : { requestState }),
  };
}

/**
 * The embedded request as a 2025-11-25 client reads it: a URL-mode elicitation gets the `elicitationId` that revision
 * requires (the 2026-07-28 shape has none; correlation is the server's, in `requestState`) — the bridge's own id for
 * the request, unique in the session.
 */
export function forClient(request: InputRequest, id: string): InputRequest {
  const params = request.params;
  if (request.method !== 'elicitation/create' || params?.mode !== 'url' || typeof params.elicitationId === 'string') return request;
  return { ...request, params: { ...params, elicitationId: id } };
}
