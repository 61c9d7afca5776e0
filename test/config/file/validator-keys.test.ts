// A remote entry refused by the one validator names the key as the user wrote it in the file, not the command line's
// option: `key "transport": …`, `"clientSecret" needs "clientId"`, `key "url": …`. The validator's own wording (which
// the command line shows) stays as it was, in the cause. One case per key the validator can refuse.
import { describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../../src/errors.js';
import { optionsAsKeys } from '../../../src/config/file/option-words.js';
import { refused } from './files.js';

const URL_ = 'https://mcp.example.com/mcp';
const CROSS_APP = { 'client-id': 'c', 'idp-issuer': 'https://idp.example.com', 'idp-client-id': 'i' };

describe('each option the validator refuses is named by its key', () => {
  it.each<[string, object, string | RegExp]>([
    ['url', { url: 'ftp://mcp.example.com/' }, 'key "url": the server URL must use https: (got ftp:)'],
    ['url, plain http elsewhere', { url: 'http://mcp.example.com/' }, 'key "url": refusing plain http to mcp.example.com: anyone on the network could read or change the traffic'],
    ['transport', { url: URL_, transport: 'pigeon' }, 'key "transport": "pigeon" is not one of auto, streamable-http, sse'],
    ['protocol', { url: URL_, protocol: '1999' }, 'key "protocol": "1999" is not one of auto, 2025-11-25, 2026-07-28, legacy, modern'],
    ['header-file', { url: URL_, 'header-file': 'missing.txt' }, /^key "header-file": cannot read \/.*\/missing\.txt: ENOENT$/],
    ['connect-timeout', { url: URL_, 'connect-timeout': 'soon' }, 'key "connect-timeout": "soon" is not a duration'],
    ['request-timeout', { url: URL_, 'request-timeout': 'later' }, 'key "request-timeout": "later" is not a duration'],
    ['max-server-message-size', { url: URL_, 'max-server-message-size': 'huge' }, 'key "max-server-message-size": "huge" is not a size'],
    ['issuer', { url: URL_, issuer: 'not a url' }, 'key "issuer": "not a url" is not a URL'],
    ['client-secret', { url: URL_, 'client-secret': 's' }, '"client-secret" needs "client-id"'],
    ['client-metadata-url', { url: URL_, 'client-metadata-url': 'http://x.example' }, 'key "client-metadata-url": http://x.example must be an https URL with a path'],
    ['client-key', { url: URL_, 'client-id': 'c', 'client-key': 'missing.pem' }, /^key "client-key": cannot read \/.*\/missing\.pem: ENOENT$/],
    ['client-key-id', { url: URL_, 'client-key-id': 'k1' }, '"client-key-id" needs "client-key"'],
    ['idp-issuer', { url: URL_, ...CROSS_APP, 'idp-issuer': 'nope' }, 'key "idp-issuer": "nope" is not a URL'],
    ['idp-client-id', { url: URL_, 'idp-client-id': 'i' }, '"idp-client-id" is for cross-app access and needs "idp-issuer"'],
    ['idp-client-secret', { url: URL_, 'idp-client-secret': 's' }, '"idp-client-secret" is for cross-app access and needs "idp-issuer"'],
    ['id-token-file', { url: URL_, ...CROSS_APP, 'id-token-file': 'missing.jwt' }, /^key "id-token-file": cannot read \/.*\/missing\.jwt: ENOENT$/],
    ['dpop', { url: URL_, dpop: 'always' }, 'key "dpop": "always" is not one of auto, required, off'],
    ['workload-token-file', { url: URL_, 'workload-token-file': 'missing.jwt' }, /^key "workload-token-file": cannot read \/.*\/missing\.jwt: ENOENT$/],
    ['resource', { url: URL_, resource: 'not a url' }, 'key "resource": "not a url" is not a URL'],
    ['authorize-param', { url: URL_, 'authorize-param': ['novalue'] }, 'key "authorize-param": "novalue" is not key=value'],
    ['auth-timeout', { url: URL_, 'auth-timeout': 'forever' }, 'key "auth-timeout": "forever" is not a duration'],
    ['login-backoff', { url: URL_, 'login-backoff': 'a while' }, 'key "login-backoff": "a while" is not a duration'],
    ['redirect-url', { url: URL_, 'redirect-url': 'https://example.com/cb' }, 'key "redirect-url": https://example.com/cb is not on this machine'],
    ['callback-port', { url: URL_, 'callback-port': 70000 }, 'key "callback-port": "70000" is not a port number'],
    ['callback-host', { url: URL_, 'callback-host': 'example.com' }, 'key "callback-host": "example.com" is not one of 127.0.0.1, localhost'],
    ['device-code with client-credentials', { url: URL_, 'device-code': true, 'client-credentials': true }, /^"device-code": true and "client-credentials": true cannot be used together /],
  ])('%s', (_key, entry, message) => {
    const error = refused({ mcpServers: { s: entry } });
    expect(error.cause).toBeInstanceOf(BridgeError);
    expect([ErrorCode.Usage, ErrorCode.Config]).toContain(error.code);
    expect(error.code).toBe((error.cause as BridgeError).code);
    const prefix = `${error.path}, server "s"${typeof message === 'string' && message.startsWith('key') ? ', ' : message instanceof RegExp && message.source.startsWith('^key') ? ', ' : ': '}`;
    expect(error.message.startsWith(prefix)).toBe(true);
    const told = error.message.slice(prefix.length);
    if (typeof message === 'string') expect(told).toBe(message);
    else expect(told).toMatch(message);
    // The command line's names stay out of what the file's user reads; the validator's words are kept in the cause.
    expect(`${error.message} ${error.hint ?? ''}`).not.toMatch(/--[a-z]/);
    expect((error.cause as BridgeError).message).toMatch(/--[a-z]|server URL|plain http/);
  });
});

describe('keys are named as the user wrote them', () => {
  it('camelCase keys stay camelCase, and a key the entry lacks is named in the same style', () => {
    expect(refused({ mcpServers: { s: { url: URL_, connectTimeout: 'soon' } } }).message).toMatch(/server "s", key "connectTimeout": "soon" is not a duration$/);
    const error = refused({ mcpServers: { s: { url: URL_, clientSecret: 's', callbackHost: 'localhost' } } });
    expect(error.message).toMatch(/server "s": "clientSecret" needs "clientId"$/);
  });

  it('hints speak of keys too', () => {
    const error = refused({ mcpServers: { s: { url: 'http://mcp.example.com/' } } });
    expect(error.hint).toBe('use https://, or pass "allow-http": true if this network is trusted');
  });
});

describe('optionsAsKeys', () => {
  it('writes --no-<option> as false, flags as true, and leaves options no entry has alone', () => {
    const spelling = new Map([['client-id', 'clientId']]);
    expect(optionsAsKeys('--no-resource, --no-browser, --device-code, --client-id, --scopes', spelling)).toBe('"resource": false, "browser": false, "deviceCode": true, "clientId", "scopes"');
    expect(optionsAsKeys('--token-store, --debug, --no-banner, --header', new Map())).toBe('--token-store, --debug, --no-banner, "headers"');
    expect(optionsAsKeys('--no-scopes', new Map())).toBe('--no-scopes');
  });
});
