/**
 * Seeing the secrets of a login from outside the product, so tests can assert they never leak: what the provider
 * fixture received and issued at its token endpoint (oidc-provider's `grant.success` event: the code, the PKCE
 * verifier and refresh token sent, the tokens answered), and what the file store wrote under `--config-dir`.
 * Values are only compared, never printed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OidcProvider } from './oidc/index.js';

/** Secrets the provider saw or issued, by kind (values are never printed by the tests). */
export interface ObservedSecrets {
  /** Every distinct secret value. */
  all(): string[];
  /** Every distinct secret with its kind (`code`, `access_token`, …). */
  entries(): [kind: string, value: string][];
  /** Count per kind, for assertions that something was observed at all. */
  counts(): Record<string, number>;
  add(kind: string, value: unknown): void;
}

/** Starts collecting secrets at the provider's token endpoint (successful grants). */
export function observeProviderSecrets(provider: OidcProvider): ObservedSecrets {
  const byKind = new Map<string, Set<string>>();
  const add = (kind: string, value: unknown) => {
    if (typeof value !== 'string' || value.length < 8) return;
    let set = byKind.get(kind);
    if (!set) byKind.set(kind, (set = new Set()));
    set.add(value);
  };
  provider.provider.on('grant.success', (ctx: { oidc?: { params?: Record<string, unknown> }; body?: unknown }) => {
    const params = ctx.oidc?.params ?? {};
    add('code', params.code);
    add('code_verifier', params.code_verifier);
    add('refresh_token(sent)', params.refresh_token);
    add('device_code', params.device_code);
    add('client_assertion', params.client_assertion);
    add('assertion', params.assertion);
    add('subject_token', params.subject_token);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    add('access_token', body.access_token);
    add('refresh_token', body.refresh_token);
    add('id_token', body.id_token);
  });
  return {
    all: () => [...byKind.values()].flatMap((s) => [...s]),
    entries: () => [...byKind].flatMap(([k, s]) => [...s].map((v): [string, string] => [k, v])),
    counts: () => Object.fromEntries([...byKind].map(([k, s]) => [k, s.size])),
    add,
  };
}

/** A record file of the store, parsed. */
export interface StoreRecord {
  path: string;
  kind: 'tokens' | 'registrations';
  json: {
    metadata: Record<string, unknown> & { expiresAt?: number; obtainedAt?: number; clientId?: string; scopes?: string[]; store?: string };
    secrets?: Record<string, string>;
  };
}

/** Every record file under `configDir` (tokens and registrations). */
export function storeRecords(configDir: string): StoreRecord[] {
  const out: StoreRecord[] = [];
  for (const kind of ['tokens', 'registrations'] as const) {
    const dir = join(configDir, kind);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(dir, name);
      out.push({ path, kind, json: JSON.parse(readFileSync(path, 'utf8')) as StoreRecord['json'] });
    }
  }
  return out;
}

/** The stored logins (token records) under `configDir`. */
export function storedLogins(configDir: string): StoreRecord[] {
  return storeRecords(configDir).filter((r) => r.kind === 'tokens');
}

/** Every secret value found in the store's record files. */
export function storeSecrets(configDir: string): string[] {
  return storeRecords(configDir).flatMap((r) => Object.values(r.json.secrets ?? {}).filter((v) => typeof v === 'string' && v.length >= 8));
}

/** Every file and directory under `root` (root included) with its permission bits. */
export function modesUnder(root: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = (path: string) => {
    const st = statSync(path);
    out.push({ path, dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return out;
}

/** Which of `secrets` occur in `text`, described by kind and length (never the values themselves). */
export function leakedKinds(text: string, secrets: [kind: string, value: string][], where: string): string[] {
  return secrets.filter(([, v]) => text.includes(v)).map(([kind, v]) => `${kind} (length ${v.length}) in ${where}`);
}
