/**
 * Reading no more of an HTTP body than a message needs: the start of an error answer or a refusal, to quote it.
 * Whatever the body's size, the cost is the same; the rest is cancelled, which releases the connection.
 */

/** The first `max` bytes of `response`'s body, decoded as UTF-8; the rest is cancelled. A broken body gives what arrived. */
export async function readBodyStart(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    // Bounded: stops at the limit, or at the end of the body.
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.byteLength;
    }
  } catch {
    // a broken body: what arrived is enough to quote
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8');
}
