/**
 * Loads and constructs `oidc-provider` without its start-up notices on the test output: the "Unsupported runtime"
 * warning (it targets Node 22; it works on 20) printed when the module is first evaluated, and the
 * "devInteractions is a development-only feature" warning printed by the constructor. Only lines that
 * oidc-provider itself prefixes (`oidc-provider WARNING:` / `oidc-provider NOTICE:`) and only during those two
 * synchronous windows are dropped; everything else reaches the console unchanged.
 */
import type { Configuration, Provider } from 'oidc-provider';

type OidcProviderModule = typeof import('oidc-provider');

let loading: Promise<OidcProviderModule> | undefined;

function isProviderNotice(args: unknown[]): boolean {
  return typeof args[0] === 'string' && /^oidc-provider (WARNING|NOTICE): /.test(args[0]);
}

/** Runs `action` with oidc-provider's own console notices filtered out, then restores the console. */
async function withoutProviderNotices<T>(action: () => T | Promise<T>): Promise<T> {
  const { warn, info } = console;
  console.warn = (...args: unknown[]) => {
    if (!isProviderNotice(args)) warn.apply(console, args);
  };
  console.info = (...args: unknown[]) => {
    if (!isProviderNotice(args)) info.apply(console, args);
  };
  try {
    return await action();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

/**
 * The `oidc-provider` module, imported once per worker with the runtime warning silenced. Import it only through
 * here (and `import type` elsewhere): a static import would evaluate it, and print the warning, first.
 */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= withoutProviderNotices(() => import('oidc-provider'));
  return loading;
}

/** `new Provider(issuer, configuration)` with its construction-time notices silenced. */
export async function createProvider(issuer: string, configuration: Configuration): Promise<Provider> {
  const { Provider: ProviderClass } = await loadOidcProvider();
  return withoutProviderNotices(() => new ProviderClass(issuer, configuration));
}
