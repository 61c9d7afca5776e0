/**
 * Reads a request body with a size limit (`--max-message-size`): a declared `Content-Length` over it is refused
 * before reading, a body that grows over it is cut off; either way the caller answers 413.
 */
import type { IncomingMessage } from 'node:http';

/** The body, or `too-large` (nothing more is read). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return 'too-large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return 'too-large';
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
