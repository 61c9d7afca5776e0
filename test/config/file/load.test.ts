// The configuration file of --config: both shapes users already have (Claude Desktop / Cursor / Windsurf's
// mcpServers, VS Code's servers with type), remote entries validated by the one validator exactly as the command
// line's options would be, local entries as commands, ${VAR} and ${VAR:-default} from the environment passed in,
// disabled entries listed apart, and the separator.
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../../src/config/file/load.js';
import { validateConfig } from '../../../src/config/validate.js';
import { ErrorCode } from '../../../src/errors.js';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dir, load, refusal, refused, writeConfig } from './files.js';

describe('loadConfigFile: the mcpServers shape (Claude Desktop, Cursor, Windsurf)', () => {
  it('loads remote and local entries in the file order, with the default separator', () => {
    const loaded = load({
      mcpServers: {
        github: { url: 'https://api.example.com/mcp', 'client-id': 'abc', scopes: 'repo read:org' },
        files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'], env: { LEVEL: 'debug' }, cwd: '/srv' },
      },
    });
    expect(loaded.separator).toBe('__');
    expect(loaded.disabled).toEqual([]);
    expect(loaded.servers.map((s) => [s.name, s.kind])).toEqual([
      ['github', 'remote'],
      ['files', 'local'],
    ]);
    const [github, files] = loaded.servers;
    if (github?.kind !== 'remote' || files?.kind !== 'local') throw new Error('kinds');
    expect(github.config.url.href).toBe('https://api.example.com/mcp');
    expect(github.config.auth).toMatchObject({ kind: 'oauth', clientId: 'abc', scopes: ['repo', 'read:org'] });
    expect(github.filter).toEqual({ allow: undefined, block: [], readOnly: false });
    expect(files).toMatchObject({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'], env: { LEVEL: 'debug' }, cwd: '/srv' });
  });

  it('a remote entry gives the same ServerConfig as the same options on the command line', () => {
    const entry = {
      url: 'https://mcp.example.com/mcp',
      headers: { 'X-Team': 'blue' },
      'connect-timeout': 10,
      'request-timeout': '2m',
      protocol: 'modern',
      'client-id': 'cid',
      'authorize-param': ['access_type=offline'],
      resource: false,
      browser: false,
      'callback-port': 8765,
    };
    const loaded = load({ mcpServers: { one: entry } });
    const fromArgv = validateConfig(
      {
        url: 'https://mcp.example.com/mcp',
        header: ['X-Team: blue'],
        connectTimeout: '10',
        requestTimeout: '2m',
        protocol: 'modern',
        clientId: 'cid',
        authorizeParam: ['access_type=offline'],
        resource: false,
        browser: false,
        callbackPort: '8765',
      },
      {},
    ).server;
    expect(loaded.servers[0]).toMatchObject({ kind: 'remote', config: fromArgv });
  });

  it('accepts the camelCase spelling of an option', () => {
    const [server] = load({ mcpServers: { one: { url: 'https://mcp.example.com/mcp', clientId: 'cid', authTimeout: '1m' } } }).servers;
    expect(server).toMatchObject({ kind: 'remote', config: { auth: { clientId: 'cid', authTimeoutMs: 60_000 } } });
  });

  it('"auth": "none" turns the login off; an Authorization header makes it a static header', () => {
    const loaded = load({
      mcpServers: {
        open: { url: 'https://open.example.com/mcp', auth: 'none' },
        keyed: { url: 'https://keyed.example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
      },
    }, { TOKEN: 't0k3n' });
    expect(loaded.servers.map((s) => (s.kind === 'remote' ? s.config.auth.kind : s.kind))).toEqual(['none', 'static-header']);
    expect(loaded.servers[1]).toMatchObject({ config: { headers: { authorization: 'Bearer t0k3n' } } });
  });

  it('keeps disabled entries out of the servers and lists them', () => {
    const loaded = load({
      mcpServers: {
        on: { url: 'https://a.example.com/mcp' },
        off: { url: 'https://b.example.com/mcp', disabled: true },
        alsoOff: { command: 'never-run', disabled: true },
        stillOn: { command: 'srv', disabled: false },
      },
    });
    expect(loaded.servers.map((s) => s.name)).toEqual(['on', 'stillOn']);
    expect(loaded.disabled).toEqual(['off', 'alsoOff']);
  });

  it('reads tools.allow, tools.block and readOnly', () => {
    const [server] = load({ mcpServers: { gh: { url: 'https://a.example.com/mcp', tools: { allow: ['search_*', 'get_issue'], block: ['*_delete'] }, readOnly: true } } }).servers;
    expect(server!.filter).toEqual({ allow: ['search_*', 'get_issue'], block: ['*_delete'], readOnly: true });
  });

  it('takes a separator', () => {
    expect(load({ separator: '-', mcpServers: { a: { command: 'x' } } }).separator).toBe('-');
  });

  it('reads a file with a byte-order mark', () => {
    expect(load('\uFEFF{"mcpServers": {"a": {"command": "x"}}}').servers).toHaveLength(1);
  });

  it('authorize-param may be an object', () => {
    const [server] = load({ mcpServers: { a: { url: 'https://a.example.com/mcp', 'authorize-param': { access_type: 'offline', prompt: 'consent' } } } }).servers;
    expect(server).toMatchObject({ config: { auth: { extraParams: { access_type: 'offline', prompt: 'consent' } } } });
  });
});

describe('loadConfigFile: the servers shape (VS Code)', () => {
  it('reads type: http as auto (Streamable HTTP falling back to SSE), sse as sse, stdio as a local server', () => {
    const loaded = load({
      servers: {
        remote: { type: 'http', url: 'https://a.example.com/mcp' },
        legacy: { type: 'sse', url: 'https://b.example.com/sse' },
        local: { type: 'stdio', command: 'node', args: ['server.js'] },
      },
    });
    expect(loaded.servers.map((s) => (s.kind === 'remote' ? s.config.transport : s.kind))).toEqual(['auto', 'sse', 'local']);
  });

  it('a type that agrees with transport is fine; under "http" (either), transport picks one', () => {
    const loaded = load({
      servers: {
        a: { type: 'sse', transport: 'sse', url: 'https://a.example.com/sse' },
        b: { type: 'http', transport: 'streamable-http', url: 'https://b.example.com/mcp' },
        c: { type: 'streamable-http', url: 'https://c.example.com/mcp' },
      },
    });
    expect(loaded.servers.map((s) => s.kind === 'remote' && s.config.transport)).toEqual(['sse', 'streamable-http', 'streamable-http']);
  });
});

describe('variables', () => {
  it('expands ${VAR} and ${VAR:-default} in every string value, from the environment passed in', () => {
    const env = { HOST: 'mcp.example.com', ID: 'cid', ROOT: '/data', LEVEL: '' };
    const loaded = load({
      mcpServers: {
        remote: { url: 'https://${HOST}/mcp', 'client-id': '${ID}', scopes: '${SCOPES:-repo}', tools: { allow: ['${PREFIX:-get}_*'] } },
        local: { command: '${CMD:-npx}', args: ['--root', '${ROOT}'], env: { LEVEL: '${LEVEL:-info}' }, cwd: '${ROOT}' },
      },
    }, env);
    const [remote, local] = loaded.servers;
    expect(remote).toMatchObject({ config: { url: new URL('https://mcp.example.com/mcp'), auth: { clientId: 'cid', scopes: ['repo'] } }, filter: { allow: ['get_*'] } });
    // As in a shell, the default is used when the variable is unset or empty.
    expect(local).toMatchObject({ command: 'npx', args: ['--root', '/data'], env: { LEVEL: 'info' }, cwd: '/data' });
  });

  it('expands once: a value that itself contains ${…} is taken literally, headers included', () => {
    const env = { A: '${B}', B: 'no' };
    const [remote, local] = load({
      mcpServers: {
        r: { url: 'https://a.example.com/mcp', headers: { 'X-Value': '${A}' } },
        l: { command: 'x', args: ['${A}'] },
      },
    }, env).servers;
    expect(remote).toMatchObject({ config: { headers: { 'x-value': '${B}' } } });
    expect(local).toMatchObject({ args: ['${B}'] });
  });

  it('keys are not expanded', () => {
    const [local] = load({ mcpServers: { l: { command: 'x', env: { '${K}': 'v' } } } }, { K: 'no' }).servers;
    expect(local).toMatchObject({ env: { '${K}': 'v' } });
  });

  it('the validator sees the environment passed in, not the process one', () => {
    const path = writeConfig({ mcpServers: { a: { url: 'http://mcp.example.com/mcp' } } });
    expect(refusal(() => loadConfigFile(path, { env: {} })).code).toBe(ErrorCode.Usage);
    const [server] = loadConfigFile(path, { env: { MCP_ALLOW_HTTP: '1' } }).servers;
    expect(server).toMatchObject({ config: { allowHttp: true } });
  });

  it('MCP_HEADERS, the single-server bridge\'s headers, are not sent to every server of a file', () => {
    const [server] = load({ mcpServers: { a: { url: 'https://a.example.com/mcp' } } }, { MCP_HEADERS: 'X-Secret: one-server-only' }).servers;
    expect(server?.kind === 'remote' && server.config.headers).toEqual({});
  });
});

describe('paths', () => {
  it('a relative header-file or cwd is taken from the config file\'s directory, not the bridge\'s', () => {
    writeFileSync(join(dir, 'team-headers.txt'), '# for the team server\nX-Team: blue\n');
    const loaded = load({
      mcpServers: {
        team: { url: 'https://a.example.com/mcp', 'header-file': 'team-headers.txt' },
        local: { command: 'node', cwd: 'project' },
        absolute: { command: 'node', cwd: '/srv/project' },
      },
    });
    rmSync(join(dir, 'team-headers.txt'));
    expect(loaded.servers[0]?.kind === 'remote' && loaded.servers[0].config.headers).toEqual({ 'x-team': 'blue' });
    expect(loaded.servers.map((s) => (s.kind === 'local' ? s.cwd : undefined))).toEqual([undefined, join(dir, 'project'), '/srv/project']);
  });
});

describe('single-server variables', () => {
  it('MCP_WORKLOAD_TOKEN is not presented to every server of a file', () => {
    const [server] = load({ mcpServers: { a: { url: 'https://a.example.com/mcp' } } }, { MCP_WORKLOAD_TOKEN: 'header.payload.signature' }).servers;
    expect(server).toMatchObject({ config: { auth: { kind: 'oauth', workloadToken: undefined } } });
  });
});

describe('one environment for the whole file', () => {
  it('a single-server variable is unset everywhere in the file, headers included, so ${VAR} means the same in every value', () => {
    const env = { MCP_WORKLOAD_TOKEN: 'header.payload.signature' };
    const inHeader = refused({ mcpServers: { a: { url: 'https://a.example.com/mcp', headers: { 'X-T': '${MCP_WORKLOAD_TOKEN}' } } } }, env);
    const inArgs = refused({ mcpServers: { a: { command: 'x', args: ['${MCP_WORKLOAD_TOKEN}'] } } }, env);
    expect([inHeader.code, inArgs.code]).toEqual([ErrorCode.Config, ErrorCode.Config]);
    expect(inHeader.message).toBe(`${inHeader.path}, server "a", key "headers.X-T": environment variable MCP_WORKLOAD_TOKEN is not set`);
    expect(inArgs.message).toBe(`${inArgs.path}, server "a", key "args[0]": environment variable MCP_WORKLOAD_TOKEN is not set`);
  });
});

describe('parseConfigText', () => {
  it('loads text without a file', () => {
    const loaded = parseConfigText('{"mcpServers": {"a": {"command": "x"}}}', { path: 'inline.json', env: {} });
    expect(loaded).toMatchObject({ path: 'inline.json', servers: [{ name: 'a', kind: 'local', command: 'x', args: [], env: {}, cwd: undefined }] });
  });

  it('reads through the reader it is given', () => {
    const seen: string[] = [];
    const loaded = loadConfigFile('virtual.json', {
      env: {},
      readFile: (p) => {
        seen.push(p);
        return '{"servers": {"a": {"type": "stdio", "command": "x"}}}';
      },
    });
    expect(seen).toEqual(['virtual.json']);
    expect(loaded.servers).toHaveLength(1);
  });
});
