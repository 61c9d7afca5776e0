// VS Code's mcp.json as users have it: `${env:VAR}` for environment variables, `${input:id}` for values VS Code
// prompts for, declared in a top-level "inputs" list. The bridge cannot prompt (stdio carries the protocol): an
// input's value comes from MCP_INPUT_<ID>, and without it the file is refused naming the input, its description and
// the variable to set. The "inputs" list is not a server.
import { describe, expect, it } from 'vitest';
import { inputVariable } from '../../../src/config/file/vscode-variables.js';
import { ErrorCode } from '../../../src/errors.js';
import { load, refused } from './files.js';

const URL_ = 'https://mcp.example.com/mcp';
const INPUTS = [
  { type: 'promptString', id: 'api-key', description: 'API key for the team server', password: true },
  { type: 'pickString', id: 'region', options: ['eu', 'us'], default: 'eu' },
];
const vscode = (servers: object) => ({ inputs: INPUTS, servers });

describe('${input:id}', () => {
  it('takes its value from MCP_INPUT_<ID>, in headers, urls, args and env; "inputs" is not a server', () => {
    const loaded = load(
      vscode({
        team: { type: 'http', url: 'https://${input:region}.example.com/mcp', headers: { Authorization: 'Bearer ${input:api-key}' } },
        local: { type: 'stdio', command: 'server', args: ['--region', '${input:region}'], env: { KEY: '${input:api-key}' } },
      }),
      { MCP_INPUT_API_KEY: 'k-123', MCP_INPUT_REGION: 'eu' },
    );
    expect(loaded.servers.map((s) => s.name)).toEqual(['team', 'local']);
    const [team, local] = loaded.servers;
    if (team?.kind !== 'remote' || local?.kind !== 'local') throw new Error('kinds');
    expect(team.config.url.href).toBe('https://eu.example.com/mcp');
    expect(team.config.headers).toEqual({ authorization: 'Bearer k-123' });
    expect(local.args).toEqual(['--region', 'eu']);
    expect(local.env).toEqual({ KEY: 'k-123' });
  });

  it('without its variable is refused, naming the input, its description and the variable to set', () => {
    const error = refused(vscode({ team: { type: 'http', url: URL_, headers: { Authorization: 'Bearer ${input:api-key}' } } }), { MCP_INPUT_REGION: 'eu' });
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "team", key "headers.Authorization": asks for input "api-key" ("API key for the team server"): the bridge cannot prompt for it`);
    expect(error.hint).toBe('set MCP_INPUT_API_KEY in the environment the bridge starts with (in a client config, its "env" block)');
  });

  it('without a description, or not declared at all', () => {
    expect(refused(vscode({ l: { command: 'x', args: ['${input:region}'] } })).message).toMatch(/server "l", key "args\[0\]": asks for input "region": the bridge cannot prompt for it$/);
    const error = refused({ servers: { l: { command: 'x', env: { A: '${input:token}' } } } });
    expect(error.message).toMatch(/server "l", key "env.A": asks for input "token", and "inputs" does not declare it: the bridge cannot prompt for it$/);
    expect(error.hint).toMatch(/^set MCP_INPUT_TOKEN /);
  });

  it('is expanded once: a value that looks like a variable stays as it is', () => {
    const loaded = load(vscode({ l: { command: 'x', args: ['${input:api-key}'] } }), { MCP_INPUT_API_KEY: '${env:HOME}${input:region}', HOME: '/home/u', MCP_INPUT_REGION: 'eu' });
    expect(loaded.servers[0]?.kind === 'local' && loaded.servers[0].args).toEqual(['${env:HOME}${input:region}']);
  });

  it('the variable name: the id upper-cased, other characters than letters and digits made "_"', () => {
    expect(inputVariable('api-key')).toBe('MCP_INPUT_API_KEY');
    expect(inputVariable('github.token2')).toBe('MCP_INPUT_GITHUB_TOKEN2');
    expect(inputVariable('Ünï code')).toBe('MCP_INPUT__N__CODE');
  });
});

describe('${env:VAR}', () => {
  it('is ${VAR}: in urls, headers, args and env', () => {
    const env = { HOST: 'mcp.example.com', TOKEN: 't-1', ROOT: '/srv' };
    const loaded = load(
      { servers: { r: { type: 'http', url: 'https://${env:HOST}/mcp', headers: { 'X-Token': '${env:TOKEN}' } }, l: { type: 'stdio', command: 'x', args: ['${env:ROOT}'], env: { T: '${env:TOKEN}' } } } },
      env,
    );
    const [r, l] = loaded.servers;
    if (r?.kind !== 'remote' || l?.kind !== 'local') throw new Error('kinds');
    expect(r.config.url.href).toBe('https://mcp.example.com/mcp');
    expect(r.config.headers['x-token']).toBe('t-1');
    expect(l.args).toEqual(['/srv']);
    expect(l.env).toEqual({ T: 't-1' });
  });

  it('unset is refused as ${VAR} is, naming the server, the key and the variable', () => {
    const error = refused({ servers: { r: { type: 'http', url: URL_, 'client-id': '${env:CLIENT_ID}' } } });
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, server "r", key "client-id": environment variable CLIENT_ID is not set`);
  });

  it('with a default is refused (VS Code has none), saying how to write one', () => {
    const error = refused({ servers: { r: { type: 'http', url: URL_, scopes: '${env:SCOPES:-read}' } } });
    expect(error.message).toBe(`${error.path}, server "r", key "scopes": \${env:SCOPES:-…}: VS Code's \${env:…} takes no default`);
    expect(error.hint).toBe('write ${SCOPES:-default} for a variable with a default');
  });

  it('without a name is refused', () => {
    const error = refused({ servers: { l: { command: 'x', args: ['${env:}'] } } });
    expect(error.message).toBe(`${error.path}, server "l", key "args[0]": has an \${env:…} that does not name an environment variable`);
  });
});

describe('the "inputs" list', () => {
  it.each([
    [{ inputs: {} }, 'key "inputs": should be a list, not an object'],
    [{ inputs: ['api-key'] }, 'key "inputs[0]": should be an object, not text'],
    [{ inputs: [{ type: 'promptString' }] }, 'key "inputs[0]": has no "id"'],
    [{ inputs: [{ id: 7 }] }, 'key "inputs[0].id": should be text, not a number'],
    [{ inputs: [{ id: 'a', description: 3 }] }, 'key "inputs[0].description": should be text, not a number'],
  ])('%j is refused', (content, message) => {
    const error = refused({ ...content, servers: { l: { command: 'x' } } });
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toBe(`${error.path}, ${message}`);
  });
});
