// Per-user access in serve: the rules read from "serve.users", which servers a user's session gets, and the user's
// tool filter applied on top of the server's own by the same catalog that serves every list and call.
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/aggregate/catalog.js';
import type { MemberSpec } from '../../../src/aggregate/types.js';
import { PASS_ALL } from '../../../src/config/file/tool-filter.js';
import { AccessPolicy } from '../../../src/serve/access/policy.js';
import { readUsersSection } from '../../../src/config/file/users-section.js';

const SERVERS = ['github', 'docs', 'docs-internal', 'files'];
const specs: MemberSpec[] = SERVERS.map((name) => ({ name, slug: name, filter: PASS_ALL }));
const read = (users: unknown) => readUsersSection(users, { path: 'serve.json', servers: SERVERS });
const names = (list: MemberSpec[]) => list.map((s) => s.name);

describe('who may use which server', () => {
  it('without rules, everyone may use everything', () => {
    const policy = new AccessPolicy(read(undefined));
    expect(policy.restricted).toBe(false);
    expect(names(policy.specsFor('anyone', specs))).toEqual(SERVERS);
  });

  it('a named user gets their servers (globs too); others fall back to "*"; without "*", nothing', () => {
    const rules = read({ alice: { servers: ['github', 'docs*'] }, '*': { servers: ['docs'] } });
    const policy = new AccessPolicy(rules);
    expect(names(policy.specsFor('alice', specs))).toEqual(['github', 'docs', 'docs-internal']);
    expect(names(policy.specsFor('bob', specs))).toEqual(['docs']);
    expect(policy.mayUse('bob', 'github')).toBe(false);
    const strict = new AccessPolicy(read({ alice: { servers: ['files'] } }));
    expect(strict.specsFor('mallory', specs)).toEqual([]);
    expect(strict.mayUse('mallory', 'files')).toBe(false);
  });
});

describe('the user\'s tool filter, on top of the server\'s', () => {
  it('lets a tool through only when both filters do, on lists and on calls (read-only needs the annotations)', () => {
    const policy = new AccessPolicy(read({ alice: { servers: ['github'], tools: { github: { block: ['delete_*'] } } }, bob: { servers: ['github'], readOnly: true } }));
    const serverFilter = { allow: undefined, block: ['admin_*'], readOnly: false };
    const github = [{ name: 'github', slug: 'github', filter: serverFilter }];
    const tools = [
      { name: 'read_issue', annotations: { readOnlyHint: true } },
      { name: 'delete_repo' },
      { name: 'admin_reset' },
      { name: 'create_issue', annotations: { readOnlyHint: false } },
    ];
    const seen = (user: string) => {
      const [spec] = policy.specsFor(user, github);
      const member = { spec: spec! };
      const catalog = new Catalog<typeof member>({ separator: '__' });
      const listed = catalog.accept('tools', member, tools, true).map((t) => t.name);
      return { listed, catalog, member };
    };
    const alice = seen('alice');
    expect(alice.listed).toEqual(['github__read_issue', 'github__create_issue']);
    expect(alice.catalog.allows(alice.member, 'delete_repo')).toBe(false);
    expect(alice.catalog.allows(alice.member, 'admin_reset')).toBe(false);
    expect(alice.catalog.allows(alice.member, 'create_issue')).toBe(true);
    const bob = seen('bob');
    expect(bob.listed).toEqual(['github__read_issue']);
    expect(bob.catalog.allows(bob.member, 'create_issue')).toBe(false);
    // Before any listing, a read-only user's call cannot be decided without the annotations.
    const fresh = new Catalog<{ spec: MemberSpec }>({ separator: '__' });
    expect(fresh.allows({ spec: policy.specsFor('bob', github)[0]! }, 'read_issue')).toBeUndefined();
  });
});

describe('"serve.users" refusals', () => {
  it.each([
    [{ alice: { servers: ['gitlab'] } }, 'names no server of the file with "gitlab"'],
    [{ alice: { servers: ['docs'], tools: { github: { block: ['x'] } } } }, '"tools" names "github", which the user\'s "servers" leave out'],
    [{ alice: { servers: ['docs'], tools: { wiki: {} } } }, '"tools" names "wiki", which is not a server of the file'],
    [{ alice: { servers: 'docs' } }, '"servers" should be a list of names or globs'],
    [{ alice: { server: ['docs'] } }, 'has an unknown key "server"'],
    [{ alice: { servers: ['docs'], tools: { docs: { deny: ['x'] } } } }, '"tools.docs" has an unknown key "deny"'],
    [{ alice: { servers: ['docs'], readOnly: 'yes' } }, '"readOnly" should be true or false'],
    [[], 'should be an object of user names'],
  ])('%j is refused: %s', (users, message) => {
    expect(() => read(users)).toThrow(message);
  });

  it('names the file and the user in the message', () => {
    expect(() => read({ 'alice@example.com': { servers: ['nope'] } })).toThrow('serve.json, "serve.users", user "alice@example.com": names no server');
  });
});

describe('"serve.users" in a configuration file', () => {
  it('is read with the file, checked against its servers (disabled ones included)', async () => {
    const { parseConfigText } = await import('../../../src/config/file/load.js');
    const text = (users: unknown) =>
      JSON.stringify({ mcpServers: { docs: { url: 'https://docs.example.com/mcp' }, old: { url: 'https://old.example.com/mcp', disabled: true } }, serve: { users } });
    const loaded = parseConfigText(text({ alice: { servers: ['docs', 'old'] } }), { path: 'serve.json', env: {} });
    expect(new AccessPolicy(loaded.serve!.users).mayUse('alice', 'old')).toBe(true);
    expect(() => parseConfigText(text({ alice: { servers: ['wiki'] } }), { path: 'serve.json', env: {} })).toThrow('names no server of the file with "wiki"');
  });
});
