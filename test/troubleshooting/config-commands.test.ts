// The troubleshooting row of the `--config` forms of `login` and `doctor`: an option of one server given on the
// command line next to --config is refused (exit 2) with the message the table documents and where the option goes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/auth-bridge.js';
import { useTeardown } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { expectDocumented } from './readme-rows.js';

useTeardown();

describe('troubleshooting: the --config forms of login and doctor', () => {
  it('an option of one server next to --config: refused with where it goes in the file', async () => {
    const path = join(tempDir(), 'config.json');
    writeFileSync(path, JSON.stringify({ mcpServers: { github: { url: 'https://mcp.example.com/mcp' } } }));
    for (const [command, option, value] of [['login', '--scopes', 'openid'], ['doctor', '--transport', 'sse']] as const) {
      const result = await runCli([command, '--config', path, option, value]);
      expect(result.code, result.stderr).toBe(2);
      expectDocumented(result.stderr, 'is an option of one server', { X: option });
      expect(result.stderr).toContain(`give it in the server's entry of the file, as "${option.slice(2)}"`);
    }
  });
});
