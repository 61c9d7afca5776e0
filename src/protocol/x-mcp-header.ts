/**
 * Tool parameters mirrored into `Mcp-Param-{Name}` headers (MCP 2026-07-28, server/tools "x-mcp-header",
 * transports/streamable-http "Custom Headers from Tool Parameters"). {@link scanHeaderParams} reads a tool's
 * `inputSchema` and returns the annotated parameters, or why the tool is invalid — a client on Streamable HTTP
 * leaves an invalid tool out of `tools/list`. Pure.
 *
 * An annotation is valid when its value is a non-empty RFC 9110 token, unique among the schema's annotations
 * without regard to case, on a property of type string, integer or boolean, reached from the root through
 * `properties` keys only (never through `items`, composition, conditionals, `$defs` or `$ref`).
 */

/** The annotation's keyword. */
export const X_MCP_HEADER = 'x-mcp-header';

/** One annotated parameter: where its value is in the arguments and the header name part. */
export interface HeaderParam {
  /** The chain of `properties` keys from the arguments' root. */
  path: string[];
  /** The `{Name}` of `Mcp-Param-{Name}`, as the schema spells it. */
  name: string;
}

/** What a schema says about headers. */
export type HeaderScan = { ok: true; params: HeaderParam[] } | { ok: false; reason: string };

/** RFC 9110 `token` (1*tchar). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(['string', 'integer', 'boolean']);
/** Keywords whose value is one schema. */
const ONE_SCHEMA = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'additionalItems'];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to schemas (other than `properties`). */
const SCHEMA_MAP = ['$defs', 'definitions', 'patternProperties', 'dependentSchemas'];

/** Scans a tool's `inputSchema`; see the module comment. */
export function scanHeaderParams(inputSchema: unknown): HeaderScan {
  const params: HeaderParam[] = [];
  const seen = new Map<string, string>();
  let fault: string | undefined;
  const visit = (node: unknown, path: string[], reachable: boolean): void => {
    if (fault !== undefined || node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const schema = node as Record<string, unknown>;
    if (X_MCP_HEADER in schema) {
      const where = path.length ? path.join('.') : '(root)';
      const name = schema[X_MCP_HEADER];
      if (!reachable || path.length === 0) {
        fault = `${where}: ${X_MCP_HEADER} is allowed only on properties reached through "properties" alone`;
      } else if (typeof name !== 'string' || name === '') {
        fault = `${where}: ${X_MCP_HEADER} must be a non-empty string`;
      } else if (!TOKEN.test(name)) {
        fault = `${where}: ${X_MCP_HEADER} ${JSON.stringify(name)} is not an HTTP token`;
      } else if (typeof schema.type !== 'string' || !PRIMITIVE.has(schema.type)) {
        fault = `${where}: ${X_MCP_HEADER} needs type string, integer or boolean (got ${JSON.stringify(schema.type ?? null)})`;
      } else if (seen.has(name.toLowerCase())) {
        fault = `${X_MCP_HEADER} ${JSON.stringify(name)} is not unique (also ${JSON.stringify(seen.get(name.toLowerCase()))})`;
      } else {
        seen.set(name.toLowerCase(), name);
        params.push({ path, name });
      }
      if (fault !== undefined) return;
    }
    const properties = schema.properties;
    if (properties && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const [key, child] of Object.entries(properties)) visit(child, [...path, key], reachable);
    }
    for (const key of ONE_SCHEMA) if (!Array.isArray(schema[key])) visit(schema[key], [...path, `<${key}>`], false);
    for (const key of SCHEMA_LIST) {
      const list = schema[key];
      if (Array.isArray(list)) list.forEach((child, i) => visit(child, [...path, `<${key}[${i}]>`], false));
    }
    for (const key of SCHEMA_MAP) {
      const map = schema[key];
      if (map && typeof map === 'object' && !Array.isArray(map)) {
        for (const [name, child] of Object.entries(map)) visit(child, [...path, `<${key}.${name}>`], false);
      }
    }
  };
  visit(inputSchema, [], true);
  return fault === undefined ? { ok: true, params } : { ok: false, reason: fault };
}

/** The value at `path` in `args` (undefined when any step is missing). */
export function valueAt(args: unknown, path: readonly string[]): unknown {
  let node = args;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
