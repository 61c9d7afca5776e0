// The one validator: the same option values give the same ServerConfig and ProcessConfig whether they came from the
// command line (commander's output) or from a JSON configuration entry (numbers, no defaults filled in); every
// refusal is a usage error naming the option; `--auth-timeout 0` means no time limit, as 0 does for the other
// durations; and every URL the user gives goes through one URL validator.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { oauthOf } from '../../src/config/types.js';
import { validateUrl } from '../../src/config/url.js';
import { BridgeError, ErrorCode } from '../../src/errors.js';

const URL_ = 'https://mcp.example.com/mcp';

function refusal(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return error as BridgeError;
  }
  throw new Error('expected a usage error');
}

describe('validateConfig', () => {
  it('a JSON entry (numbers, nothing defaulted) and commander-shaped values give the same configuration', () => {
    const fromArgv = validateConfig(
      {
        url: URL_,
        transport: 'auto',
        header: ['X-Team: blue'],
        connectTimeout: '30s',
        requestTimeout: '5m',
        maxMessageSize: '16mb',
        maxServerMessageSize: '16mb',
        banner: true,
        resource: true,
        authorizeParam: [],
        authTimeout: '300s',
        loginBackoff: '5m',
        browser: true,
        tokenStore: 'auto',
      },
      {},
    );
    const fromEntry = validateConfig({ url: URL_, header: ['X-Team: blue'], requestTimeout: 300, connectTimeout: 30, authTimeout: 300 }, {});
    expect(fromEntry).toEqual(fromArgv);
    expect(fromEntry.server).toMatchObject({ transport: 'auto', connectTimeoutMs: 30_000, requestTimeoutMs: 300_000, maxServerMessageBytes: 16 * 1024 ** 2 });
    expect(fromEntry.process).toEqual({ logLevel: 'info', logFile: undefined, banner: true, maxMessageBytes: 16 * 1024 ** 2, useEnvProxy: false });
    expect(oauthOf(fromEntry.server)).toMatchObject({ kind: 'oauth', authTimeoutMs: 300_000, grant: 'authorization_code', tokenStore: 'auto' });
  });

  it('auth is explicit: oauth by default, static-header with an Authorization header, none when an entry says so', () => {
    expect(validateConfig({ url: URL_ }, {}).server.auth.kind).toBe('oauth');
    expect(validateConfig({ url: URL_, header: ['Authorization: Bearer ${TOKEN}'] }, { TOKEN: 't' }).server.auth).toEqual({ kind: 'static-header' });
    expect(validateConfig({ url: URL_, auth: 'none' }, {}).server.auth).toEqual({ kind: 'none' });
  });

  it('--auth-timeout 0 means no time limit, as 0 does for --connect-timeout and --request-timeout', () => {
    const { server } = validateConfig({ url: URL_, authTimeout: '0', connectTimeout: '0', requestTimeout: 0 }, {});
    expect(server.connectTimeoutMs).toBe(0);
    expect(server.requestTimeoutMs).toBe(0);
    expect(oauthOf(server)?.authTimeoutMs).toBe(0);
  });

  it('refuses values commander would have refused, naming the option (a JSON entry has no commander)', () => {
    expect(refusal(() => validateConfig({ url: URL_, transport: 'pigeon' }, {})).message).toMatch(/--transport: "pigeon" is not one of auto, streamable-http, sse/);
    expect(refusal(() => validateConfig({ url: URL_, tokenStore: 'cloud' }, {})).message).toMatch(/--token-store/);
    expect(refusal(() => validateConfig({ url: URL_, callbackHost: '0.0.0.0' }, {})).message).toMatch(/--callback-host/);
    expect(refusal(() => validateConfig({ url: URL_, authTimeout: 'later' }, {})).message).toMatch(/--auth-timeout: "later" is not a duration/);
    expect(refusal(() => validateConfig({ url: URL_, debug: true, silent: true }, {})).code).toBe(ErrorCode.Usage);
  });

  it('the server URL comes from MCP_BACKEND_URL when no argument names it', () => {
    expect(validateConfig({}, { MCP_BACKEND_URL: URL_ }).server.url.href).toBe(URL_);
    expect(refusal(() => validateConfig({}, {})).message).toBe('no server URL given');
  });
});

describe('validateUrl: one validator for every URL the user gives', () => {
  const rule = { allowHttp: false } as const;
  it('the server URL: http on this machine, https elsewhere, no credentials, no fragment', () => {
    expect(validateUrl('http://127.0.0.1:3000/mcp#x', { kind: 'server', ...rule }).href).toBe('http://127.0.0.1:3000/mcp');
    expect(refusal(() => validateUrl('http://example.com/mcp', { kind: 'server', ...rule })).hint).toMatch(/--allow-http/);
    expect(refusal(() => validateUrl('https://u:p@example.com/', { kind: 'server', ...rule })).message).toMatch(/user name or password/);
    expect(refusal(() => validateUrl('nonsense', { kind: 'server', ...rule })).message).toBe('"nonsense" is not a URL');
  });
  it('endpoint options: https, or http on this machine or with --allow-http', () => {
    expect(validateUrl('http://localhost:9000', { kind: 'endpoint', option: '--issuer', ...rule }).host).toBe('localhost:9000');
    expect(refusal(() => validateUrl('http://idp.example.com', { kind: 'endpoint', option: '--issuer', ...rule })).message).toBe('--issuer: http://idp.example.com must use https:');
    expect(validateUrl('http://idp.example.com', { kind: 'endpoint', option: '--issuer', allowHttp: true }).protocol).toBe('http:');
    expect(refusal(() => validateUrl('idp', { kind: 'endpoint', option: '--idp-issuer', ...rule })).message).toBe('--idp-issuer: "idp" is not a URL');
  });
  it('the redirect URL is on this machine; a metadata document is https with a path', () => {
    expect(refusal(() => validateUrl('https://example.com/cb', { kind: 'loopback', option: '--redirect-url', allowHttp: true })).message).toMatch(/is not on this machine/);
    expect(validateUrl('http://127.0.0.1:8080/cb', { kind: 'loopback', option: '--redirect-url', ...rule }).port).toBe('8080');
    expect(refusal(() => validateUrl('https://example.com/', { kind: 'document', option: '--client-metadata-url', ...rule })).message).toMatch(/must be an https URL with a path/);
    expect(validateUrl('https://example.com/client.json', { kind: 'document', option: '--client-metadata-url', ...rule }).pathname).toBe('/client.json');
  });
});
