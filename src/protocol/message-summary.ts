/**
 * `--debug` for messages: what a JSON-RPC message is, in a few words — its kind, method and id, never its params,
 * result or error data (they may hold anything the user's tools handle).
 */

const PARSE_LIMIT = 64 * 1024;

/** `request tools/call id=3`, `notification notifications/initialized`, `response id=3`, `error response id=3 code=-32601`. */
export function summarizeMessage(message: unknown): string {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'not a JSON-RPC message';
  const m = message as { id?: unknown; method?: unknown; error?: { code?: unknown } };
  const id = 'id' in m ? ` id=${JSON.stringify(m.id)}` : '';
  if (typeof m.method === 'string') return `${'id' in m ? 'request' : 'notification'} ${m.method}${id}`;
  if (m.error !== undefined) return `error response${id}${typeof m.error?.code === 'number' ? ` code=${m.error.code}` : ''}`;
  return `response${id}`;
}

/**
 * The same for a message given as JSON text. Text up to 64 KiB is parsed; a larger one (a big tool result relayed
 * as the server wrote it) is not parsed again for a log line: its method and id are read from its first and last
 * 256 characters, where JSON-RPC members usually are.
 */
export function summarizeMessageText(json: string): string {
  if (json.length <= PARSE_LIMIT) {
    try {
      return summarizeMessage(JSON.parse(json));
    } catch {
      return 'not JSON';
    }
  }
  const ends = `${json.slice(0, 256)} ${json.slice(-256)}`;
  const method = /"method"\s*:\s*"([^"\\]{1,100})"/.exec(ends)?.[1];
  const id = /"id"\s*:\s*(-?\d{1,20}|"[^"\\]{0,100}")\s*[,}]\s*$/.exec(json.slice(-256))?.[1] ?? /^\{\s*"jsonrpc"\s*:\s*"2\.0"\s*,\s*"id"\s*:\s*(-?\d{1,20}|"[^"\\]{0,100}")/.exec(json)?.[1];
  const kind = method ? (id ? `request ${method}` : `notification ${method}`) : 'response';
  return `${kind}${id ? ` id=${id}` : ''} (${json.length} chars)`;
}
