/**
 * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document) served from memory. A CIMD client id
 * must be an `https:` URL, which nothing on these machines can serve; the provider's outgoing `fetch` is replaced by
 * {@link MetadataDocuments.fetch}, which answers registered URLs itself and passes every other URL on.
 */

/** One served document: its JSON body and, optionally, a different HTTP status or extra headers. */
export interface ServedDocument {
  /** The JSON value served (normally a client metadata object whose `client_id` is its own URL). */
  body: unknown;
  /** HTTP status. Default 200. */
  status?: number;
  /** Extra response headers, e.g. `cache-control`. */
  headers?: Record<string, string>;
}

/** An in-memory table of `https://…` documents, and the `fetch` that serves them. */
export class MetadataDocuments {
  readonly #documents = new Map<string, ServedDocument>();
  readonly #fetched: string[] = [];

  /** URLs the provider fetched from this table (including ones that answered 404), in order. */
  get fetched(): readonly string[] {
    return this.#fetched;
  }

  /** Serves `body` (a JSON value) at `url`, replacing any earlier document there. */
  set(url: string, body: unknown, options: Omit<ServedDocument, 'body'> = {}): void {
    this.#documents.set(url, { body, ...options });
  }

  /** Stops serving `url` (it then answers 404). */
  delete(url: string): void {
    this.#documents.delete(url);
  }

  /**
   * The provider's `fetch` configuration value. `https:` URLs are answered from the table (404 when absent);
   * anything else goes to the real `fetch`, without the provider's SSRF-guarding dispatcher (which refuses
   * loopback addresses, i.e. every fixture).
   */
  readonly fetch = async (url: string | URL, init: RequestInit & { dispatcher?: unknown } = {}): Promise<Response> => {
    const href = String(url);
    if (!href.startsWith('https://')) {
      const { dispatcher: _ssrfGuard, ...rest } = init;
      return globalThis.fetch(href, rest);
    }
    this.#fetched.push(href);
    const document = this.#documents.get(href);
    if (!document) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(document.body), {
      status: document.status ?? 200,
      headers: { 'content-type': 'application/json', ...document.headers },
    });
  };
}
