/**
 * A local entry's `"sessions"` key (serve: one process of the server for all of a user's sessions): `"shared"` is
 * read, `"separate"` (the default) leaves it out, anything else is refused naming the key and the values; a remote
 * entry cannot have it (its sessions are not processes of ours), and the refusal says so.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { load, refused } from './files.js';

const local = (extra: Record<string, unknown>) => ({ mcpServers: { tool: { command: 'node', args: ['server.js'], ...extra } } });

describe('loadConfigFile: "sessions" of a local entry', () => {
  it('reads "sessions": "shared"; "separate" and no key give a process per session', () => {
    expect(load(local({ sessions: 'shared' })).servers[0]).toMatchObject({ kind: 'local', sessions: 'shared' });
    expect(load(local({ sessions: 'separate' })).servers[0]).not.toHaveProperty('sessions');
    expect(load(local({})).servers[0]).not.toHaveProperty('sessions');
  });

  it('refuses a value that is not "shared" or "separate", naming the key', () => {
    for (const value of ['share', true, 1]) {
      const error = refused(local({ sessions: value }));
      expect(error.code).toBe(ErrorCode.Config);
      expect(error.message).toContain('"sessions"');
      expect(error.message).toContain('should be "shared" or "separate"');
    }
  });

  it('refuses "sessions" on a remote entry', () => {
    const error = refused({ mcpServers: { far: { url: 'https://mcp.example.com/mcp', sessions: 'shared' } } });
    expect(error.code).toBe(ErrorCode.Config);
    expect(error.message).toContain('"sessions"');
    expect(error.message).toContain('is for a local server');
  });
});
