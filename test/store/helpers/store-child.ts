// Child process for keychain tests: opens a credential store in the mode given, runs a list of store operations,
// and prints one JSON object: what opened, each step's result or error, and every log line the store wrote.
// Runs in its own process because @napi-rs/keyring caches its Secret Service connection per process.
import { execFileSync } from 'node:child_process';
import { createLogger } from '../../../src/log.js';
import { type CredentialStore, type StoreMode, openCredentialStore } from '../../../src/store/index.js';

export type Step =
  | { op: 'setTokens' | 'setRegistration'; key: string; value: unknown }
  | { op: 'getTokens' | 'deleteTokens' | 'getRegistration' | 'deleteRegistration'; key: string }
  | { op: 'list' | 'deleteAll' }
  /** Runs a command between store operations (e.g. locking the keyring through dbus-send). */
  | { op: 'exec'; argv: string[] };

export interface StoreChildSpec {
  mode: StoreMode;
  configDir: string;
  steps: Step[];
}

export interface DescribedError {
  name: string;
  code?: string;
  message: string;
  hint?: string;
}

export type StepResult = { ok: true; value: unknown } | { ok: false; error: DescribedError };

export interface StoreChildResult {
  kind?: string;
  description?: string;
  openError?: DescribedError;
  results: StepResult[];
  logs: string[];
}

function describe(error: unknown): DescribedError {
  const e = error as { name?: string; code?: unknown; message?: string; hint?: unknown };
  return {
    name: e?.name ?? 'unknown',
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    message: e?.message ?? String(error),
    ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}),
  };
}

async function run(store: CredentialStore, step: Step): Promise<unknown> {
  switch (step.op) {
    case 'setTokens':
      return store.setTokens(step.key, step.value as never);
    case 'setRegistration':
      return store.setRegistration(step.key, step.value as never);
    case 'getTokens':
      return (await store.getTokens(step.key)) ?? null;
    case 'getRegistration':
      return (await store.getRegistration(step.key)) ?? null;
    case 'deleteTokens':
      return store.deleteTokens(step.key);
    case 'deleteRegistration':
      return store.deleteRegistration(step.key);
    case 'list':
      return store.list();
    case 'deleteAll':
      return store.deleteAll();
    case 'exec':
      return execFileSync(step.argv[0]!, step.argv.slice(1), { encoding: 'utf8', timeout: 5_000 });
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as StoreChildSpec;
const logs: string[] = [];
const logger = createLogger({ level: 'info', stream: { write: (line: string) => logs.push(line) } });
const out: StoreChildResult = { results: [], logs };
try {
  const store = await openCredentialStore({ mode: spec.mode, configDir: spec.configDir, logger, keychainTimeoutMs: 5_000 });
  out.kind = store.kind;
  out.description = store.description;
  for (const step of spec.steps) {
    try {
      out.results.push({ ok: true, value: await run(store, step) });
    } catch (error) {
      out.results.push({ ok: false, error: describe(error) });
    }
  }
} catch (error) {
  out.openError = describe(error);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
