/**
 * Running the same MCP call on a bridged and a direct client and getting comparable outcomes (a result, or the
 * JSON-RPC error code and message), so tests can assert the bridge changed nothing.
 */
import { McpError } from '@modelcontextprotocol/sdk/types.js';

/** What one call produced: its result, or the error it was answered with. */
export type Outcome = { result: unknown } | { error: { code: number | undefined; message: string } };

/** Awaits `call` and returns its {@link Outcome}; a JSON-RPC error becomes `{ error }` instead of a rejection. */
export async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { result: await call() };
  } catch (error) {
    if (error instanceof McpError) return { error: { code: error.code, message: error.message } };
    return { error: { code: undefined, message: error instanceof Error ? error.message : String(error) } };
  }
}
