/**
 * What the 2026 upstream remembers of the server's tools: the `x-mcp-header` parameters of each tool from the last
 * `tools/list` pages, so that a `tools/call` carries its `Mcp-Param-*` headers (MCP 2026-07-28,
 * transports/streamable-http "Custom Headers from Tool Parameters"); and the tools whose annotations are invalid,
 * which are left out of the `tools/list` result the client sees (server/tools "x-mcp-header") and logged.
 */
import type { Logger } from '../../log.js';
import { paramHeaderValue } from '../../protocol/header-value.js';
import { scanHeaderParams, valueAt, type HeaderParam } from '../../protocol/x-mcp-header.js';

/** What {@link ToolCatalog.learn} made of a `tools/list` result. */
export interface LearnedList {
  /** The result for the client: the same object when every tool is valid, else a copy without the invalid ones. */
  result: Record<string, unknown>;
  /** How many tools were left out. */
  dropped: number;
}

/** The tools' header parameters; see the module comment. */
export class ToolCatalog {
  readonly #params = new Map<string, HeaderParam[]>();
  readonly #log: Logger;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Whether `tools/list` was seen for tool `name` (its headers are known). */
  knows(name: string): boolean {
    return this.#params.has(name);
  }

  /** Reads one `tools/list` result page: remembers each valid tool's header parameters, leaves the invalid out. */
  learn(result: Record<string, unknown>): LearnedList {
    const tools = result.tools;
    if (!Array.isArray(tools)) return { result, dropped: 0 };
    const kept: unknown[] = [];
    for (const tool of tools) {
      const name = (tool as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') {
        kept.push(tool);
        continue;
      }
      const scan = scanHeaderParams((tool as { inputSchema?: unknown }).inputSchema);
      if (!scan.ok) {
        this.#params.delete(name);
        this.#log.warn(`left tool ${JSON.stringify(name)} out of the tool list: its x-mcp-header annotation is invalid (${scan.reason})`);
        continue;
      }
      this.#params.set(name, scan.params);
      kept.push(tool);
    }
    const dropped = tools.length - kept.length;
    return { result: dropped === 0 ? result : { ...result, tools: kept }, dropped };
  }

  /** The `Mcp-Param-*` headers of a call of tool `name` with `args` (none for a value that is absent or null). */
  headersFor(name: string, args: unknown): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const param of this.#params.get(name) ?? []) {
      const value = paramHeaderValue(valueAt(args, param.path));
      if (value !== undefined) headers[`mcp-param-${param.name.toLowerCase()}`] = value;
    }
    return headers;
  }
}
