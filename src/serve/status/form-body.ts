/** The small urlencoded form bodies of serve's browser pages (status page, sign-in), read with a bound. */
import type { IncomingMessage } from 'node:http';

/** Largest form body accepted. */
export const MAX_FORM_BYTES = 4_096;

/** The urlencoded form of a POST, or undefined when it is not one or is larger than {@link MAX_FORM_BYTES}. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
