/**
 * The protocol era as `status` and `doctor` show it: what the bridge remembers of a server (the store's per-server
 * record), and what an answer to the doctor's initialize probe says (a 2026-07-28 server refuses it with a modern
 * JSON-RPC error, protocol/era-signals.ts).
 */
import { readBodyStart } from '../net/body-start.js';
import { isModernRefusal, rpcErrorOfBody, supportedVersionsOf, type RpcErrorBody } from '../protocol/era-signals.js';

/** What the bridge remembers of `url`'s era under `configDir`: the era and when it was found, or undefined. */
export async function rememberedEra(configDir: string, url: URL): Promise<{ era: string; detectedAt: string } | undefined> {
  const { readServerEra } = await import('../store/servers/server-era.js');
  const record = await readServerEra(configDir, url.href);
  return record ? { era: record.era, detectedAt: record.detectedAt } : undefined;
}

/** One line for `status`: the remembered era, or what an unknown server is taken for. */
export function describeRememberedEra(remembered: { era: string; detectedAt: string } | undefined): string {
  return remembered
    ? `MCP ${remembered.era} (detected ${remembered.detectedAt || 'earlier'})`
    : 'MCP 2025-11-25 or not yet detected (nothing remembered)';
}

/**
 * The modern refusal in the answer to the doctor's initialize probe (its body is read, at most 16 KiB), if it is
 * one; the body is consumed either way.
 */
export async function modernRefusalOfProbe(probe: Response): Promise<RpcErrorBody | undefined> {
  const rpc = rpcErrorOfBody(await readBodyStart(probe, 16 * 1024).catch(() => ''));
  return isModernRefusal(probe.status, rpc) ? rpc : undefined;
}

/** The doctor's words for a modern refusal. */
export function describeModernRefusal(rpc: RpcErrorBody): string {
  const supported = supportedVersionsOf(rpc);
  return `Streamable HTTP, MCP 2026-07-28 (the server refused a 2025 initialize with error ${rpc.code}${supported.length ? `, supporting ${supported.join(', ')}` : ''}); the bridge speaks 2026-07-28 to it`;
}
