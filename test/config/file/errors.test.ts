// Every refusal of a configuration file names the file, the server and the key, and says the fix; codes are CONFIG
// for the file itself, and the validator's own (USAGE) for an option it refuses, with its error kept as the cause.
// No message ever carries a value from the file or the environment: a secret in a variable stays out of them.
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/file/load.js';
import { closestKey, editDistance } from '../../../src/config/file/closest.js';
import { BridgeError, ErrorCode } from '../../../src/errors.js';
import { dir, refusal, refused, writeConfig } from './files.js';

const URL_ = 'https://mcp.example.com/mcp';
const servers = (entry: unknown) => ({ mcpServers: { github: entry } });

describe('the file', () => {
  it('cannot be read', () => {
    const error = refusal(() => loadConfigFile(`${dir}/missing.json`, { env: {} }));
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${dir}/missing.json: cannot be read (ENOENT)`);
    expect(error.hint).toBe('check the path given to --config');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('is not JSON: the place, never the parser\'s quote of the text', () => {
    const error = refused('{\n  "mcpServers": {\n    "a": { "client-secret": "hunter2-secret" }\n  },\n}');
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}: is not valid JSON at line 5, column 1`);
    expect(error.hint).toMatch(/comma after the last item/);
    expect(`${error.message} ${error.hint} ${String(error.cause)}`).not.toContain('hunter2');
  });

  it.each([
    [[1], 'should be a JSON object, not a list'],
    [{}, 'names no servers'],
    [{ mcpServers: {}, servers: {} }, 'has both "mcpServers" and "servers"'],
    [{ mcpServers: [] }, 'key "mcpServers": should be an object of server names and entries, not a list'],
    [{ mcpServer: {} }, 'key "mcpServer": is not a top-level key of the file'],
    [{ mcpServers: {}, separator: '.' }, 'key "separator": may contain only letters, digits, "_" and "-"'],
    [{ mcpServers: {}, separator: 2 }, 'key "separator": should be text, not a number'],
  ])('%j → %s', (content, message) => {
    const error = refused(content);
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}${message.startsWith('key') ? ', ' : ': '}${message}`);
  });

  it('suggests the top-level key meant', () => {
    expect(refused({ mcpServer: {} }).hint).toBe('did you mean "mcpServers"?');
    expect(refused({ server: {} }).hint).toBe('did you mean "servers"?');
    expect(refused({ zzzzzz: [] }).hint).toBe('the file has "mcpServers" (or VS Code\'s "servers" and "inputs") and optionally "separator"');
  });
});

describe('server names', () => {
  it('must make valid tool-name prefixes', () => {
    const error = refused({ mcpServers: { 'my server.v2': { command: 'x' } } });
    expect(error.message).toBe(`${error.path}, server "my server.v2": is not a name tools can be prefixed with: it may contain only letters, digits, "_" and "-"`);
    expect(error.hint).toBe('rename it, e.g. "my-server-v2"');
  });

  it('must not contain the separator', () => {
    const error = refused({ mcpServers: { git__hub: { command: 'x' } } });
    expect(error.message).toBe(`${error.path}, server "git__hub": contains the separator "__", so its tools' names could not be told apart`);
    const path = writeConfig({ separator: '-', mcpServers: { git__hub: { command: 'x' } } });
    expect(loadConfigFile(path, { env: {} }).servers.map((s) => s.name)).toEqual(['git__hub']);
  });
});

describe('entry keys', () => {
  it('an unknown key, with the key meant', () => {
    const error = refused(servers({ url: URL_, 'client-di': 'x' }));
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "github", key "client-di": is not a key a server entry can have`);
    expect(error.hint).toBe('did you mean "client-id"?');
  });

  it('an unknown key far from any', () => {
    const error = refused(servers({ url: URL_, zzzzzzzz: 1 }));
    expect(error.hint).toBe('see docs/options.md for the keys an entry takes');
  });

  it('a key written with the command line\'s dashes', () => {
    const error = refused(servers({ url: URL_, '--client-id': 'x' }));
    expect(error.message).toBe(`${error.path}, server "github", key "--client-id": is not a key a server entry can have`);
    expect(error.hint).toBe('did you mean "client-id"?');
  });

  it('an option of the whole bridge', () => {
    const error = refused(servers({ url: URL_, debug: true }));
    expect(error.message).toBe(`${error.path}, server "github", key "debug": is an option of the whole bridge, not of one server`);
    expect(error.hint).toBe('give --debug on the command line next to --config');
    expect(refused(servers({ url: URL_, tokenStore: 'file' })).hint).toBe('give --token-store on the command line next to --config');
  });

  it('the same option in both spellings', () => {
    const error = refused(servers({ url: URL_, 'client-id': 'a', clientId: 'b' }));
    expect(error.message).toBe(`${error.path}, server "github", key "clientId": gives the same option as key "client-id"`);
    expect(error.hint).toBe('keep one of "client-id" and "clientId"');
  });

  it('a tools key, with the key meant', () => {
    const error = refused(servers({ url: URL_, tools: { alow: ['x'] } }));
    expect(error.message).toBe(`${error.path}, server "github", key "tools.alow": is not a key of "tools"`);
    expect(error.hint).toBe('did you mean "allow"?');
  });
});

describe('entry kinds', () => {
  it.each([
    [{ url: URL_, command: 'x' }, 'has both "url" and "command"', 'an entry is either a remote server (url) or a local one (command); split it into two entries'],
    [{ args: [] }, 'has neither "url" nor "command"', 'give "url" for a remote server or "command" (with "args") for a local one'],
    [{ type: 'stdio', url: URL_ }, 'key "type": "stdio" does not fit an entry with "url"', 'use "type": "http" or "sse" for a url'],
    [{ type: 'http', command: 'x' }, 'key "type": "http" does not fit an entry with "command"', 'use "type": "stdio" for a command'],
    [{ type: 'websocket', url: URL_ }, 'key "type": should be "http", "sse" or "stdio"', 'use "http" for a remote server (Streamable HTTP, falling back to SSE) and "stdio" for a command'],
    [{ command: 'x', 'client-id': 'a' }, 'key "client-id": is for a remote server (url), and this entry is a local one', 'remove it, or move it to the entry it belongs to'],
    [{ url: URL_, args: ['a'] }, 'key "args": is for a local server (command), and this entry is a remote one', 'remove it, or move it to the entry it belongs to'],
    [{ type: 'sse', transport: 'streamable-http', url: URL_ }, 'key "transport": does not agree with "type": "sse"', 'keep one of "type" and "transport"'],
    [{ type: 'streamable-http', transport: 'sse', url: URL_ }, 'key "transport": does not agree with "type": "streamable-http"', 'keep one of "type" and "transport"'],
    [{ command: '  ' }, 'key "command": is empty', 'name the program to run, e.g. "npx" or "/usr/local/bin/my-server"'],
    ['https://x', 'should be an object, not text', 'for example "my-server": { "url": "https://mcp.example.com/mcp" }'],
  ])('%j', (entry, message, hint) => {
    const error = refused(servers(entry));
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "github"${message.startsWith('key') ? ', ' : ': '}${message}`);
    expect(error.hint).toBe(hint);
  });
});

describe('value types', () => {
  it.each([
    [{ url: 42 }, 'key "url": should be text, not a number'],
    [{ url: URL_, 'allow-http': 'yes' }, 'key "allow-http": should be true or false, not text'],
    [{ url: URL_, 'connect-timeout': true }, 'key "connect-timeout": should be a number or text, not a boolean'],
    [{ url: URL_, resource: true }, 'key "resource": should be text or false, not a boolean'],
    [{ url: URL_, auth: 'basic' }, 'key "auth": should be "oauth" or "none"'],
    [{ url: URL_, 'authorize-param': 'a=b' }, 'key "authorize-param": should be a list of text, not text'],
    [{ url: URL_, headers: ['X: y'] }, 'key "headers": should be an object of header names and values, not a list'],
    [{ url: URL_, headers: { 'X-N': 1 } }, 'key "headers.X-N": should be text, not a number'],
    [{ url: URL_, headers: { 'X-A: b': 'c' } }, 'key "headers.X-A: b": is not a header name'],
    [{ command: 'x', args: 'a b' }, 'key "args": should be a list of text, not text'],
    [{ command: 'x', args: ['a', 2] }, 'key "args[1]": should be text, not a number'],
    [{ command: 'x', env: { A: 1 } }, 'key "env.A": should be text, not a number'],
    [{ command: 'x', disabled: 'true' }, 'key "disabled": should be true or false, not text'],
    [{ command: 'x', readOnly: 1 }, 'key "readOnly": should be true or false, not a number'],
    [{ command: 'x', tools: ['a'] }, 'key "tools": should be an object, not a list'],
    [{ command: 'x', tools: { block: 'a' } }, 'key "tools.block": should be a list of text, not text'],
  ])('%j → %s', (entry, message) => {
    const error = refused(servers(entry));
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "github", ${message}`);
  });
});

describe('variables', () => {
  it('an unset variable without default names the server, the key and the variable', () => {
    const error = refused(servers({ url: URL_, 'client-id': '${GITHUB_CLIENT_ID}' }));
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "github", key "client-id": environment variable GITHUB_CLIENT_ID is not set`);
    expect(error.hint).toBe('set the variable in the environment the bridge starts with (in a client config, its "env" block), or give a default as ${NAME:-value} in key "client-id"');
    expect(error.cause).toBeInstanceOf(BridgeError);
  });

  it('names the nested key: a header, an argument, a local env value', () => {
    expect(refused(servers({ url: URL_, headers: { Authorization: 'Bearer ${GH_TOKEN}' } })).message).toMatch(/server "github", key "headers.Authorization": environment variable GH_TOKEN is not set$/);
    expect(refused(servers({ command: 'x', args: ['a', '${ROOT}'] })).message).toMatch(/server "github", key "args\[1\]": environment variable ROOT is not set$/);
    expect(refused(servers({ command: 'x', env: { KEY: '${API_KEY}' } })).message).toMatch(/server "github", key "env.KEY": environment variable API_KEY is not set$/);
  });
});

describe('headers', () => {
  it.each([
    [{ 'Content-Type': 'text/plain' }, 'key "headers.Content-Type": the Content-Type header is set by the bridge itself and cannot be overridden'],
    [{ 'X-Empty': '${EMPTY}' }, 'key "headers.X-Empty": the header X-Empty has an empty value'],
    [{ 'X-Split': '${SPLIT}' }, 'key "headers.X-Split": the value of X-Split contains a line break'],
  ])('%j', (headers, message) => {
    const error = refused(servers({ url: URL_, headers }), { EMPTY: '', SPLIT: 'a\nb' });
    expect(error.code).toBe(ErrorCode.Usage);
    expect(error.message).toBe(`${error.path}, server "github", ${message}`);
  });
});

describe('the validator\'s refusals', () => {
  it('come back naming the file, the server and the key, with the validator\'s code, hint and error as cause', () => {
    const error = refused(servers({ url: URL_, 'connect-timeout': 'soon' }));
    expect(error.code).toBe(ErrorCode.Usage);
    expect(error.message).toBe(`${error.path}, server "github", key "connect-timeout": "soon" is not a duration`);
    expect(error.cause).toBeInstanceOf(BridgeError);
    expect((error.cause as BridgeError).message).toBe('--connect-timeout: "soon" is not a duration');
    expect(error.hint).toBe((error.cause as BridgeError).hint);
  });

  it('a url the validator refuses names the key "url"', () => {
    const error = refused(servers({ url: 'ftp://mcp.example.com/' }));
    expect(error.code).toBe(ErrorCode.Usage);
    expect(error.message).toBe(`${error.path}, server "github", key "url": the server URL must use https: (got ftp:)`);
  });

  it('options that cannot go together, named as keys in the message and the hint', () => {
    const error = refused(servers({ url: URL_, 'device-code': true, 'client-credentials': true }));
    expect(error.code).toBe(ErrorCode.Usage);
    expect(error.message).toBe(
      `${error.path}, server "github": "device-code": true and "client-credentials": true cannot be used together (check MCP_DEVICE_CODE, MCP_CLIENT_CREDENTIALS, MCP_IDP_ISSUER and MCP_WORKLOAD_TOKEN(_FILE) too)`,
    );
    expect(error.hint).toMatch(/^choose one way to log in: "device-code": true \(a user, on another device\), "client-credentials": true \(a machine\), "idp-issuer" /);
    expect(error.hint).not.toContain('--');
  });

  it('a value outside the choices names the key, with no hint where the validator gives none', () => {
    const error = refused(servers({ url: URL_, transport: 'carrier-pigeon' }));
    expect(error.code).toBe(ErrorCode.Usage);
    expect(error.message).toBe(`${error.path}, server "github", key "transport": "carrier-pigeon" is not one of auto, streamable-http, sse`);
    expect(error.hint).toBeUndefined();
  });
});

describe('secrets stay out of messages', () => {
  const SECRET = 'sk-live-0123456789-very-secret';
  const env = { SECRET, BAD_SECRET: `${SECRET}\nInjected: yes`, CTRL_SECRET: `${SECRET}\u0001` };
  const everything = (error: BridgeError) => {
    const parts: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message, (e as BridgeError).hint ?? '');
    return parts.join('\n');
  };

  it.each([
    ['a header with a line break', { url: URL_, headers: { Authorization: 'Bearer ${BAD_SECRET}' } }],
    ['a header with a control character', { url: URL_, headers: { 'X-Api-Key': '${CTRL_SECRET}' } }],
    ['a bad option next to a secret', { url: URL_, 'client-secret': '${SECRET}', 'client-id': 'a', 'connect-timeout': 'never' }],
    ['an unknown key next to a secret', { url: URL_, 'client-secret': '${SECRET}', 'clinet-id': 'a' }],
    ['a secret where a flag belongs', { url: URL_, 'device-code': '${SECRET}' }],
    ['a PEM where a key file belongs', { url: URL_, 'client-id': 'a', 'client-key': '-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----' }],
    ['an unset variable next to a secret', { url: URL_, headers: { 'X-A': '${SECRET}', 'X-B': '${MISSING}' } }],
  ])('%s', (_what, entry) => {
    const error = refused(servers(entry), env);
    expect(everything(error)).not.toContain(SECRET);
    expect(everything(error)).toContain('github');
  });
});

describe('closestKey', () => {
  it('finds near misses and ignores far ones', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestKey('scope', ['scopes', 'issuer'])).toBe('scopes');
    expect(closestKey('ClientID', ['client-id', 'clientId'])).toBe('clientId');
    expect(closestKey('xyz', ['scopes'])).toBeUndefined();
  });
});
