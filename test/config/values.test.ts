import { describe, expect, it } from 'vitest';
import { mergeHeaders, parseHeader, parseHeaderLines } from '../../src/config/headers.js';
import { isLoopback, parseServerUrl } from '../../src/config/url.js';
import { parseDuration, parseEnvFlag, parseSize } from '../../src/config/values.js';
import { BridgeError } from '../../src/errors.js';

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return (error as BridgeError).code;
  }
  throw new Error('expected a usage error');
};

describe('durations and sizes', () => {
  it('parses the forms people type', () => {
    expect(parseDuration('--t', '30')).toBe(30_000);
    expect(parseDuration('--t', '1.5s')).toBe(1_500);
    expect(parseDuration('--t', '250ms')).toBe(250);
    expect(parseDuration('--t', '2m')).toBe(120_000);
    expect(parseDuration('--t', '0')).toBe(0);
    expect(parseSize('--s', '64kb')).toBe(65_536);
    expect(parseSize('--s', '16MB')).toBe(16 * 1024 * 1024);
    expect(parseSize('--s', '2048')).toBe(2048);
  });
  it('refuses nonsense with a usage error that names the option', () => {
    expect(usage(() => parseDuration('--request-timeout', 'soon'))).toBe('USAGE');
    expect(() => parseDuration('--request-timeout', '-1')).toThrow(/--request-timeout/);
    expect(() => parseSize('--max-message-size', '1')).toThrow(/out of range/);
    expect(() => parseEnvFlag('MCP_PROXY_DEBUG', 'maybe')).toThrow(/MCP_PROXY_DEBUG/);
    expect(parseEnvFlag('X', '1')).toBe(true);
    expect(parseEnvFlag('X', '0')).toBe(false);
  });
});

describe('headers', () => {
  const env = { TOKEN: 'Bearer abc def', EMPTY: '' };
  it('expands ${VAR} after splitting, so spaces and colons in values survive', () => {
    expect(parseHeader('Authorization:${TOKEN}', env, { origin: '-H' })).toEqual(['authorization', 'Bearer abc def']);
    expect(parseHeader('X-Multi:  a:b:c ', env, { origin: '-H' })).toEqual(['x-multi', 'a:b:c']);
  });
  it('refuses missing variables, reserved names, empty values and line breaks', () => {
    expect(() => parseHeader('X: ${NOPE}', env, { origin: '--header' })).toThrow(/NOPE is not set/);
    expect(() => parseHeader('Mcp-Session-Id: 1', env, { origin: '--header' })).toThrow(/set by the bridge/);
    expect(() => parseHeader('X-Empty: ${EMPTY}', env, { origin: '--header' })).toThrow(/empty value/);
    expect(() => parseHeader('no colon', env, { origin: '--header' })).toThrow(/not a header/);
    expect(() => parseHeader('Bad Name: x', env, { origin: '--header' })).toThrow(/not a valid header name/);
  });
  it('reads header lines with comments, later values winning', () => {
    const lines = parseHeaderLines('# c\nX-A: 1\n\nX-B: ${TOKEN}\n', env, 'file');
    expect(mergeHeaders(lines, [['x-a', '2']])).toEqual({ 'x-a': '2', 'x-b': 'Bearer abc def' });
    expect(() => parseHeaderLines('X-A: 1\nbroken', env, 'file')).toThrow(/file line 2/);
  });
});

/** The message and the hint together: what the user reads. */
const said = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    const e = error as BridgeError;
    return `${e.message} ${e.hint ?? ''}`;
  }
  throw new Error('expected an error');
};

describe('server URL', () => {
  it('allows http only on loopback unless --allow-http', () => {
    expect(parseServerUrl('http://127.0.0.1:3000/mcp', false).href).toBe('http://127.0.0.1:3000/mcp');
    expect(parseServerUrl('http://localhost/mcp', false).host).toBe('localhost');
    expect(isLoopback(new URL('http://[::1]:8/x'))).toBe(true);
    expect(said(() => parseServerUrl('http://example.com/mcp', false))).toMatch(/--allow-http/);
    expect(parseServerUrl('http://example.com/mcp', true).protocol).toBe('http:');
  });
  it('refuses non-http schemes and embedded credentials', () => {
    expect(() => parseServerUrl('file:///etc/passwd', false)).toThrow(/https:/);
    expect(() => parseServerUrl('https://u:p@example.com/mcp', false)).toThrow(/user name or password/);
    expect(said(() => parseServerUrl(undefined, false))).toMatch(/MCP_BACKEND_URL/);
  });
});
