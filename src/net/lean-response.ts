/**
 * A lean answer from the network for the upstream path: what a `Response` offers the layers of the fetch stack
 * (status, headers, body, `text()`), without building the platform's `Response` and `Headers`. Those classes load
 * the built-in fetch (about 10 MB of memory) and wrap every body in web streams; an MCP session sends every message
 * through here, so the upstream client asks for this shape by marking its requests with {@link LEAN_RESPONSE}, and
 * reads the body as the node:http stream it is ({@link nodeBodyOf}). Layers that touch `body` still get a web stream,
 * made when first asked for.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** Symbol key on a RequestInit: the caller takes a {@link LeanResponse} in place of a `Response`. Copied by `{...init}`. */
export const LEAN_RESPONSE = Symbol('mcp-auth-bridge.leanResponse');

const NODE_BODY = Symbol('mcp-auth-bridge.nodeBody');

/** The headers of a {@link LeanResponse}: read-only, names in lower case, repeated values joined with `, `. */
export class LeanHeaders {
  readonly #raw: IncomingMessage['headers'];

  constructor(raw: IncomingMessage['headers']) {
    this.#raw = raw;
  }

  /** The value of header `name`, or null. */
  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Whether header `name` is present. */
  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  /** Calls `fn` with each header's value and name. */
  forEach(fn: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.#raw)) fn(this.get(name)!, name);
  }
}

/** See the module comment. Has the members of `Response` the fetch stack's layers use. */
export class LeanResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LeanHeaders;
  readonly url: string;
  readonly redirected = false;
  readonly type = 'basic';
  readonly [NODE_BODY]: IncomingMessage | null;
  #web: ReadableStream<Uint8Array> | null | undefined;

  constructor(res: IncomingMessage, body: boolean, url: string) {
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? '';
    this.headers = new LeanHeaders(res.headers);
    this.url = url;
    this[NODE_BODY] = body ? res : null;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  /** The body as a web stream, made on first use (the node stream is not to be read directly after that). */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#web === undefined) {
      const node = this[NODE_BODY];
      this.#web = node ? (Readable.toWeb(node) as unknown as ReadableStream<Uint8Array>) : null;
    }
    return this.#web;
  }

  get bodyUsed(): boolean {
    return this[NODE_BODY]?.readableEnded ?? false;
  }

  /** The body as chunks: the node stream itself unless {@link LeanResponse.body} was asked for. */
  chunks(): AsyncIterable<Uint8Array> {
    if (this.#web === undefined) return this[NODE_BODY] ?? (async function* () {})();
    return (this.#web as unknown as AsyncIterable<Uint8Array> | null) ?? (async function* () {})();
  }

  /** Lets go of the body unread: read to its end and thrown away (keeping the connection), or, with `destroy`, cut off. */
  discard(destroy = false): void {
    if (this.#web) this.#web.cancel().catch(() => undefined);
    else if (destroy) this[NODE_BODY]?.destroy();
    else this[NODE_BODY]?.resume();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await readAll(this);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return (await readAll(this)).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

async function readAll(response: LeanResponse): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of response.chunks()) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The body of any response as chunks, read on demand (so an unread body waits in the socket). */
export function bodyChunks(response: Response | LeanResponse): AsyncIterable<Uint8Array> {
  if (response instanceof LeanResponse) return response.chunks();
  const web = response.body as unknown as AsyncIterable<Uint8Array> | null;
  return web ?? (async function* () {})();
}

/**
 * Lets go of a body that will not be read. A small one (a 202's) is read to its end so the connection is kept;
 * with `destroy`, for a body that may be large or never end, the connection is cut. Never throws.
 */
export function discardBody(response: Response | LeanResponse, destroy = false): void {
  if (response instanceof LeanResponse) return response.discard(destroy);
  response.body?.cancel().catch(() => undefined);
}
