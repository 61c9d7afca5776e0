/**
 * serve's own OAuth 2.0 protected-resource metadata (RFC 9728 §2–3) when it accepts JWT access tokens: the resource
 * (the public URL's `/mcp`), the issuer it trusts, the scopes it requires and how tokens are sent. Served at the
 * well-known URL for the resource's path (§3.1: `/.well-known/oauth-protected-resource/mcp`) and at the bare
 * well-known URL, which clients of the earlier MCP revisions try.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** Options for {@link ResourceMetadataDocument}. */
export interface ResourceMetadataOptions {
  /** The resource identifier: the public URL's `/mcp`. */
  resource: string;
  /** The issuer whose tokens serve accepts. */
  issuer: string;
  /** The scopes serve requires, advertised as `scopes_supported`. */
  scopes: readonly string[];
}

/** The document and where it is served. */
export class ResourceMetadataDocument {
  /** Where the document is, as a challenge names it (`resource_metadata`, RFC 9728 §5.1). */
  readonly url: string;
  readonly #paths: ReadonlySet<string>;
  readonly #body: string;

  constructor(o: ResourceMetadataOptions) {
    const resource = new URL(o.resource);
    const path = resource.pathname.replace(/\/$/, '');
    this.url = new URL(`${WELL_KNOWN}${path}`, resource.origin).href;
    this.#paths = new Set([`${WELL_KNOWN}${path}`, WELL_KNOWN]);
    this.#body = JSON.stringify({
      resource: o.resource,
      authorization_servers: [o.issuer],
      ...(o.scopes.length > 0 ? { scopes_supported: [...o.scopes] } : {}),
      bearer_methods_supported: ['header'],
      resource_name: 'mcp-auth-bridge serve',
    });
  }

  /** Answers `req` when `path` is one of the document's; returns whether it did. */
  route(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (!this.#paths.has(path)) return false;
    // A public document: any web page may read it (browser-based MCP clients discover the issuer with it).
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-headers': 'mcp-protocol-version', 'access-control-max-age': '86400' }).end();
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'content-length': Buffer.byteLength(this.#body) });
      res.end(req.method === 'HEAD' ? undefined : this.#body);
    } else {
      res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
    }
    return true;
  }
}
