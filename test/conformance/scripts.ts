/**
 * What the MCP client does through the bridge in each scenario (scenarios.ts names the script, the driver runs it).
 *
 * The client is the SDK 1.x `Client` — what desktop clients speak today, 2025-11-25 — so in the 2026-07-28
 * scenarios everything the suite checks on the wire (request `_meta`, the standard and `Mcp-Param-*` headers,
 * `input_required` rounds, leaving out tools with invalid `x-mcp-header`) is the bridge's doing. Where a script
 * needs what the bridge wrote exactly (schemas), it reads the raw line from the bridge's stdout (`RawTap`), not the
 * SDK's parsed copy.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ResultSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ClientScript, ConformanceContext } from './scenarios.js';

/** What a script gets from the driver. */
export interface ScriptTools {
  client: Client;
  ctx: ConformanceContext;
  /** Limit on one MCP request through the bridge. */
  requestMs: number;
  /** Every JSON-RPC message the bridge wrote to stdout, parsed from its line by JSON.parse only. */
  raw: RawTap;
  /** Runs a named step: `[driver] ok …` or `[driver] FAIL …` (and rethrows). */
  step: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  say: (line: string) => void;
  /** Set by the elicitation handler scripts install; the MRTR script uses it to run a call during a round. */
  duringElicitation?: () => Promise<void>;
}

/** The bridge's stdout, line by line, as JSON.parse reads it (no schema, no SDK types). */
export class RawTap {
  private buffer = '';
  readonly messages: Array<Record<string, unknown>> = [];

  push(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      try {
        this.messages.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON: the client reports it
      }
    }
  }

  /** The last result the bridge wrote that has `key` (e.g. `tools`). */
  lastResultWith(key: string): Record<string, unknown> | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const result = this.messages[i]!.result as Record<string, unknown> | undefined;
      if (result && typeof result === 'object' && key in result) return result;
    }
    return undefined;
  }
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join(' ');
}

async function callTool(t: ScriptTools, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  const result = (await t.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: t.requestMs })) as CallToolResult;
  if (result.isError) throw new Error(`the tool answered isError: ${textOf(result).slice(0, 200)}`);
  return result;
}

async function listTools(t: ScriptTools): Promise<Tool[]> {
  const tools = await t.step('tools/list', async () => (await t.client.listTools(undefined, { timeout: t.requestMs })).tools);
  t.say(`tools: ${tools.map((x) => x.name).join(', ') || '(none)'}`);
  return tools;
}

/** Arguments a host would fill in from a tool's input schema: a string, number, boolean per required property. */
function argumentsFor(tool: Tool): Record<string, unknown> {
  const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string }>;
  const args: Record<string, unknown> = {};
  for (const name of tool.inputSchema.required ?? []) {
    const type = props[name]?.type;
    args[name] = type === 'integer' || type === 'number' ? 1 : type === 'boolean' ? true : type === 'object' ? {} : type === 'array' ? [] : 'x';
  }
  return args;
}

/** JSON with object keys sorted: equal for values with the same content whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

/** The YAML frontmatter of a SKILL.md as flat `key: value` pairs (all the skills scenarios use). */
function frontmatter(text: string): Record<string, string> | undefined {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const line of m[1]!.split('\n')) {
    const kv = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (kv) fields[kv[1]!] = kv[2]!;
  }
  return fields;
}

interface SkillEntry {
  uri: string;
  frontmatter?: Record<string, string>;
  resources?: Array<{ uri: string; digest?: string; size?: number }>;
}

/**
 * SEP-2640 (skills extension): the host's part, played by the driver — list the skills, and only when a skill is
 * loaded read its SKILL.md, verify it against the entry (size, digest, frontmatter) and read the supporting files
 * only if it verifies. The bridge's part is to relay `skills/list` and `resources/read` byte for byte and to fetch
 * nothing on its own (`sep-2640-client-no-prefetch` checks that no read happens at all).
 */
async function skills(t: ScriptTools, load: boolean): Promise<void> {
  const listed = await t.step('skills/list', async () => (await t.client.request({ method: 'skills/list', params: {} }, ResultSchema.passthrough(), { timeout: t.requestMs })) as { skills?: SkillEntry[] });
  const entries = listed.skills ?? [];
  t.say(`skills: ${entries.map((s) => s.uri).join(', ') || '(none)'}`);
  if (!load) return;
  for (const entry of entries) {
    const read = (uri: string) => t.client.readResource({ uri }, { timeout: t.requestMs });
    const body = await t.step(`resources/read ${entry.uri}`, async () => {
      const contents = (await read(entry.uri)).contents[0];
      return contents && 'text' in contents ? contents.text : '';
    });
    const own = entry.resources?.find((r) => r.uri === entry.uri);
    const problems: string[] = [];
    if (own?.size !== undefined && Buffer.byteLength(body) !== own.size) problems.push(`size ${Buffer.byteLength(body)} ≠ ${own.size}`);
    if (own?.digest !== undefined && sha256(body) !== own.digest) problems.push('digest mismatch');
    const fm = frontmatter(body);
    for (const [k, v] of Object.entries(entry.frontmatter ?? {})) if (fm?.[k] !== v) problems.push(`frontmatter ${k} differs`);
    if (problems.length) {
      t.say(`skill ${entry.uri} not loaded: ${problems.join(', ')}`);
      continue;
    }
    for (const r of entry.resources ?? []) if (r.uri !== entry.uri) await t.step(`resources/read ${r.uri}`, () => read(r.uri));
  }
}

/** Runs a scenario's client script after connect. */
export async function runScript(script: ClientScript, t: ScriptTools): Promise<void> {
  switch (script) {
    case 'list':
      await listTools(t);
      return;
    case 'auth':
      await listTools(t);
      await t.step('tools/call test-tool', () => callTool(t, 'test-tool'));
      return;
    case 'add-numbers':
      await listTools(t);
      await t.step('tools/call add_numbers {a: 5, b: 3}', async () => {
        const text = textOf(await callTool(t, 'add_numbers', { a: 5, b: 3 }));
        if (!/\b8\b/.test(text)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
      });
      return;
    case 'elicitation-defaults':
      await listTools(t);
      await t.step('tools/call test_client_elicitation_defaults', () => callTool(t, 'test_client_elicitation_defaults'));
      return;
    case 'sse-reconnect':
      await listTools(t);
      await t.step('tools/call test_reconnection (answer on a resumed stream)', () => callTool(t, 'test_reconnection'));
      return;
    case 'standard-headers': {
      const tools = await listTools(t);
      for (const tool of tools) await t.step(`tools/call ${tool.name}`, () => callTool(t, tool.name));
      const resources = await t.step('resources/list', async () => (await t.client.listResources(undefined, { timeout: t.requestMs })).resources);
      for (const r of resources) await t.step(`resources/read ${r.uri}`, () => t.client.readResource({ uri: r.uri }, { timeout: t.requestMs }));
      const prompts = await t.step('prompts/list', async () => (await t.client.listPrompts(undefined, { timeout: t.requestMs })).prompts);
      for (const p of prompts) await t.step(`prompts/get ${p.name}`, () => t.client.getPrompt({ name: p.name }, { timeout: t.requestMs }));
      return;
    }
    case 'custom-headers': {
      await listTools(t);
      const calls = t.ctx.toolCalls ?? [];
      if (!calls.length) throw new Error('MCP_CONFORMANCE_CONTEXT has no toolCalls');
      for (const call of calls) await t.step(`tools/call ${call.name}`, () => callTool(t, call.name, call.arguments ?? {}));
      return;
    }
    case 'call-every-tool': {
      // A host may call any tool it is given: the bridge must not give it the ones with invalid x-mcp-header.
      const tools = await listTools(t);
      for (const tool of tools) await t.step(`tools/call ${tool.name}`, () => callTool(t, tool.name, argumentsFor(tool)));
      return;
    }
    case 'schema-echo': {
      const parsed = await listTools(t);
      const raw = t.raw.lastResultWith('tools');
      const focal = (raw?.tools as Array<{ name: string; inputSchema: unknown }> | undefined)?.find((x) => x.name === 'json_schema_2020_12_tool');
      if (!focal) throw new Error('the bridge wrote no tools/list result with json_schema_2020_12_tool');
      // What the SDK client made of it, for the record: the echo uses the raw line either way.
      const sdkCopy = parsed.find((x) => x.name === 'json_schema_2020_12_tool')?.inputSchema;
      const same = JSON.stringify(sdkCopy) === JSON.stringify(focal.inputSchema);
      const sameContent = canonical(sdkCopy) === canonical(focal.inputSchema);
      t.say(`the SDK client's parsed inputSchema ${same ? 'equals' : sameContent ? 'has the same content as, in another key order,' : 'DIFFERS from'} the raw one`);
      await t.step('tools/call json_schema_echo {schema: <the inputSchema as the bridge wrote it>}', () => callTool(t, 'json_schema_echo', { schema: focal.inputSchema as Record<string, unknown> }));
      return;
    }
    case 'ref-no-deref': {
      await listTools(t);
      const raw = t.raw.lastResultWith('tools');
      const tool = (raw?.tools as Array<{ name: string; inputSchema: { properties?: { profile?: { $ref?: unknown } } } }> | undefined)?.find((x) => x.name === 'lookup_user');
      await t.step('lookup_user inputSchema reached the client with its network $ref as a string', async () => {
        const ref = tool?.inputSchema.properties?.profile?.$ref;
        if (typeof ref !== 'string' || !/^https?:\/\//.test(ref)) throw new Error(`profile.$ref is ${JSON.stringify(ref)}`);
      });
      return;
    }
    case 'mrtr': {
      await listTools(t);
      // During the elicitation of the first round, another tool call goes out: it must carry none of that round's
      // inputResponses or requestState.
      t.duringElicitation = async () => {
        t.duringElicitation = undefined;
        await t.step('tools/call test_mrtr_unrelated (while test_mrtr_echo_state waits for input)', () => callTool(t, 'test_mrtr_unrelated'));
      };
      await t.step('tools/call test_mrtr_echo_state (elicitation, requestState echoed)', () => callTool(t, 'test_mrtr_echo_state'));
      await t.step('tools/call test_mrtr_no_state (elicitation, no requestState)', () => callTool(t, 'test_mrtr_no_state'));
      await t.step('tools/call test_mrtr_no_result_type (complete without resultType)', () => callTool(t, 'test_mrtr_no_result_type'));
      return;
    }
    case 'skills-list':
      await skills(t, false);
      return;
    case 'skills-load':
      await skills(t, true);
      return;
  }
}
