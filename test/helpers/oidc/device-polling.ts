/**
 * Makes the provider fixture's device flow behave like the servers that enforce RFC 8628 §3.5: oidc-provider sends
 * no `interval` in its device authorization responses and never answers `slow_down`. This Koa middleware adds the
 * `interval` the test chooses, and answers `slow_down` to a poll that comes sooner than the enforced minimum after
 * the previous poll for the same device code (only while the login is pending: a finished login is never delayed).
 */
import type { Provider } from 'oidc-provider';

/** Polling rules of the fixture's device flow. */
export interface DevicePollingOptions {
  /** `interval` (seconds) advertised in device authorization responses. Default: none (clients then use 5). */
  interval?: number;
  /** Polls sooner than this (seconds) after the previous one for the same code get `slow_down`. Default `interval`. */
  minIntervalSeconds?: number;
}

/** Leeway for network jitter between two polls, ms. */
const JITTER_MS = 250;
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Installs the middleware on `provider` (install it after the traffic recorder, so the recorder sees its answers). */
export function enforceDevicePolling(provider: Provider, options: DevicePollingOptions): void {
  const minMs = (options.minIntervalSeconds ?? options.interval ?? 0) * 1000;
  const lastPoll = new Map<string, number>();
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'device_authorization' && ctx.status === 200 && options.interval !== undefined) {
      ctx.body = { ...(ctx.body as Record<string, unknown>), interval: options.interval };
      return;
    }
    if (route !== 'token' || ctx.oidc?.params?.grant_type !== DEVICE_CODE) return;
    const code = ctx.oidc.params.device_code;
    if (typeof code !== 'string') return;
    const now = Date.now();
    const previous = lastPoll.get(code);
    lastPoll.set(code, now);
    const pending = (ctx.body as { error?: unknown } | undefined)?.error === 'authorization_pending';
    if (pending && previous !== undefined && now - previous < minMs - JITTER_MS) {
      ctx.status = 400;
      ctx.body = { error: 'slow_down', error_description: 'you are polling too quickly and should back off at a reasonable rate' };
    }
  });
}
