// Unknown options and mistyped commands: a user who pastes mcp-remote's arguments, or mistypes a command or an
// option, gets exit code 2 and the exact replacement on stderr — not "unknown option", "too many arguments" or
// "is not a URL". Each case runs the real built CLI. The README's migration table is the one rendered from the same
// table the CLI uses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PEER_FLAGS, peerFlagsMarkdown } from '../../src/cli/peer-flags.js';
import { runCli } from '../helpers/cli.js';

const SERVER = 'https://mcp.example.com/mcp';

/** Runs the CLI with `args` (stdin closed at once) and returns its exit code and stderr. */
async function usage(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const run = await runCli(args, {}, 15_000);
  return { code: run.code, stderr: run.stderr, stdout: run.stdout };
}

describe("mcp-remote's flags get the exact replacement", () => {
  const cases: { args: string[]; says: RegExp; use: string }[] = [
    { args: [SERVER, '--static-oauth-client-info', '{"client_id":"my-client","client_secret":"s3cr3t-value-77"}'], says: /--static-oauth-client-info/, use: 'write --client-id my-client instead (and put the client_secret in the OIDC_CLIENT_SECRET' },
    { args: [SERVER, '--static-oauth-client-info', '@/home/me/client.json'], says: /--static-oauth-client-info/, use: 'write --client-id "<its client_id>" instead' },
    { args: [SERVER, '--static-oauth-client-metadata', '{"scope":"read write"}'], says: /--static-oauth-client-metadata/, use: 'write --scopes "read write" instead' },
    { args: [SERVER, '--transport', 'http-only'], says: /--transport http-only is how mcp-remote spells it/, use: 'write --transport streamable-http instead' },
    { args: [SERVER, '--transport', 'sse-only'], says: /--transport sse-only/, use: 'write --transport sse instead' },
    { args: [SERVER, '--transport=http-first'], says: /--transport http-first/, use: 'write --transport auto instead' },
    { args: [SERVER, '--transport', 'sse-first'], says: /--transport sse-first/, use: 'write --transport sse instead' },
    { args: [SERVER, '--host', '127.0.0.1'], says: /unknown option --host \(an mcp-remote option\)/, use: 'write --callback-host 127.0.0.1 instead' },
    { args: [SERVER, '--host', 'example.org'], says: /--host/, use: 'write --callback-host 127.0.0.1 instead (the login callback is only ever received on this machine' },
    { args: [SERVER, '9696'], says: /unexpected argument "9696" after the URL \(mcp-remote's callback port\)/, use: 'write --callback-port 9696 instead' },
    { args: [SERVER, '--enable-proxy'], says: /--enable-proxy/, use: 'write --use-env-proxy instead' },
    { args: [SERVER, '--disable-resource-parameter'], says: /--disable-resource-parameter/, use: 'write --no-resource instead' },
    { args: [SERVER, '--callback-path', '/custom/callback'], says: /--callback-path/, use: 'write --redirect-url http://127.0.0.1:<port>/custom/callback instead' },
    { args: [SERVER, '--ignore-tool', 'delete*'], says: /--ignore-tool \(an mcp-remote option with no equivalent here\)/, use: 'remove it: the bridge forwards every tool unchanged' },
    { args: ['login', SERVER, '--enable-proxy'], says: /--enable-proxy/, use: 'write --use-env-proxy instead' },
  ];
  for (const c of cases) {
    it(`${c.args.slice(1).join(' ')} → ${c.use}`, async () => {
      const run = await usage(c.args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(c.says);
      expect(run.stderr).toContain(c.use);
    });
  }

  it('never repeats the client secret of --static-oauth-client-info', async () => {
    const run = await usage([SERVER, '--static-oauth-client-info', '{"client_id":"my-client","client_secret":"s3cr3t-value-77"}']);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('s3cr3t-value-77');
  });

  it('the flags both tools spell the same way still work (the peer’s --header, --allow-http, --debug, --silent, --resource, --auth-timeout)', async () => {
    const same = PEER_FLAGS.filter((f) => f.same).map((f) => f.flag);
    expect(same).toEqual(expect.arrayContaining(['--header', '--allow-http', '--debug', '--silent', '--resource', '--auth-timeout']));
    // --help after them proves they parsed: commander prints help only when every option before it is known.
    const run = await usage([SERVER, '--header', 'X-A: b', '--allow-http', '--resource', 'https://r.example', '--auth-timeout', '60', '--silent', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain('--callback-port');
  });
});

describe('mistyped commands and options', () => {
  it('a mistyped subcommand ("logni") suggests the command, not "is not a URL"', async () => {
    for (const args of [['logni'], ['logni', SERVER], ['statsu'], ['doctro', SERVER], ['logotu', '--all']]) {
      const run = await usage(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(`unknown command "${args[0]}"`);
      expect(run.stderr).toMatch(/did you mean "mcp-auth-bridge (login|status|doctor|logout)"\?/);
      expect(run.stderr).not.toContain('is not a URL');
    }
    expect((await usage(['logni'])).stderr).toContain('did you mean "mcp-auth-bridge login"?');
  });

  it('a word that is no command and no URL still gets the URL message', async () => {
    const run = await usage(['example.com']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"example.com" is not a URL');
  });

  it('a mistyped option (--degub) suggests the closest option, for the bridge and for a command', async () => {
    for (const args of [['--degub', SERVER], [SERVER, '--trasnport', 'sse'], ['login', SERVER, '--degub']]) {
      const run = await usage(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/unknown option '--(degub|trasnport)'/);
      expect(run.stderr).toMatch(/Did you mean --(debug|transport)\?/);
    }
  });
});

describe('README migration table', () => {
  it('is the table the CLI uses (rendered from PEER_FLAGS)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(peerFlagsMarkdown());
  });
});
