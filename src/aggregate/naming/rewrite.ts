/**
 * Rewriting the resource URIs in one server's messages for the client (`<prefix>+<uri>`, see {@link exposeUri}) and
 * back in the client's requests, so every resource the client meets — in lists, templates, resource links and
 * embedded resources in tool results and prompts — can be read, subscribed to and completed (issue 10).
 * The `expose…` functions change the objects they are given, in place: the caller passes objects it parsed itself.
 */
import { exposeUri, exposeUriTemplate, ownerOfUri, type KnownSlugs } from './uris.js';

export { mayContainUri } from './raw-uri-scan.js';

type Json = Record<string, unknown>;

/**
 * Rewrites, in place, the URIs in a server's `result` to `method` (MCP 2025-11-25):
 * - `tools/call` (and `tasks/result`, whose result is a tool's): `content[]` items of type `resource_link` (`uri`)
 *   and `resource` (`resource.uri`); `structuredContent` is the tool's own data and is left as it is;
 * - `prompts/get`: `messages[].content` (one item or a list), with the same item rules;
 * - `resources/list`: `resources[].uri`; `resources/templates/list`: `resourceTemplates[].uriTemplate`;
 * - `resources/read`: `contents[].uri`.
 * Other methods, and parts that are not of the expected shape, are left as they are; nothing throws.
 */
export function exposeResultUris(method: string, result: Json, slug: string): void {
  switch (method) {
    case 'tools/call':
    case 'tasks/result':
      exposeBlocks(result.content, slug);
      return;
    case 'prompts/get':
      exposeMessages(result.messages, slug);
      return;
    case 'resources/list':
      exposeEach(result.resources, 'uri', (uri) => exposeUri(slug, uri));
      return;
    case 'resources/templates/list':
      exposeEach(result.resourceTemplates, 'uriTemplate', (template) => exposeUriTemplate(slug, template));
      return;
    case 'resources/read':
      exposeEach(result.contents, 'uri', (uri) => exposeUri(slug, uri));
      return;
    default:
      return;
  }
}

/** Rewrites, in place, the URI in a server's notification: `notifications/resources/updated` (`params.uri`). */
export function exposeNotificationUris(method: string, params: Json | undefined, slug: string): void {
  if (method !== 'notifications/resources/updated' || params === undefined) return;
  if (typeof params.uri === 'string') params.uri = exposeUri(slug, params.uri);
}

/**
 * Rewrites, in place, the URIs in a server-to-client request: `sampling/createMessage` (`messages[].content`, including
 * the content of `tool_result` items), so resources a server shows the client's model stay readable.
 */
export function exposeServerRequestUris(method: string, params: Json | undefined, slug: string): void {
  if (method === 'sampling/createMessage' && params !== undefined) exposeMessages(params.messages, slug);
}

/** A client request routed by the URI it names: which server, and the params with that server's own URI. */
export interface OwnedRequest {
  slug: string;
  /** A copy of the request's params (the client's object is not changed) with the server's URI. */
  params: Json;
}

/**
 * Whether a client request is routed by a resource URI: `resources/read`, `resources/subscribe`,
 * `resources/unsubscribe`, and `completion/complete` with a `ref/resource` reference (a `ref/prompt` is routed by the
 * prompt's name instead).
 */
export function isUriRouted(method: string, params: Json | undefined): boolean {
  if (method === 'resources/read' || method === 'resources/subscribe' || method === 'resources/unsubscribe') return true;
  return method === 'completion/complete' && isObject(params?.ref) && params.ref.type === 'ref/resource';
}

/**
 * The server a client request names by URI and the params to send it (a copy with the server's own URI), or
 * undefined when the request carries no URI routed here (see {@link isUriRouted}) or its URI has no known owner.
 */
export function ownRequestParams(method: string, params: Json | undefined, owner: KnownSlugs): OwnedRequest | undefined {
  if (!isUriRouted(method, params) || params === undefined) return undefined;
  if (method === 'completion/complete') {
    const ref = params.ref as Json;
    const owned = typeof ref.uri === 'string' ? ownerOfUri(ref.uri, owner) : undefined;
    return owned && { slug: owned.slug, params: { ...params, ref: { ...ref, uri: owned.uri } } };
  }
  const owned = typeof params.uri === 'string' ? ownerOfUri(params.uri, owner) : undefined;
  return owned && { slug: owned.slug, params: { ...params, uri: owned.uri } };
}

function exposeMessages(messages: unknown, slug: string): void {
  if (!Array.isArray(messages)) return;
  for (const message of messages) if (isObject(message)) exposeBlocks(message.content, slug);
}

/** Content blocks: a list or a single block; `tool_result` blocks carry blocks of their own (one level). */
function exposeBlocks(content: unknown, slug: string, nested = false): void {
  const blocks = Array.isArray(content) ? content : [content];
  for (const block of blocks) {
    if (!isObject(block)) continue;
    if (block.type === 'resource_link' && typeof block.uri === 'string') {
      block.uri = exposeUri(slug, block.uri);
    } else if (block.type === 'resource' && isObject(block.resource) && typeof block.resource.uri === 'string') {
      block.resource.uri = exposeUri(slug, block.resource.uri);
    } else if (block.type === 'tool_result' && !nested) {
      exposeBlocks(block.content, slug, true);
    }
  }
}

function exposeEach(list: unknown, key: 'uri' | 'uriTemplate', expose: (value: string) => string): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (isObject(item) && typeof item[key] === 'string') item[key] = expose(item[key]);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
