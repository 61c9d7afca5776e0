// Resource URIs of many servers in one namespace: `<prefix>+<uri>` never collides across servers, is a valid URI
// (RFC 3986 §3.1: `+` is allowed in a scheme), survives a client that normalizes it, keeps templates expandable, and
// maps back to the server and its own URI.
import { describe, expect, it } from 'vitest';
import { checkSlugs } from '../../../src/aggregate/naming/server-slug.js';
import { exposeUri, exposeUriTemplate, ownerOfUri, uriPrefix } from '../../../src/aggregate/naming/uris.js';
import { randomText, seeded } from './random.js';

/** RFC 3986 §3.1. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

const URIS = [
  'file:///home/me/notes.md',
  'https://example.com/a/b?x=1&y=a+b#frag',
  'git+https://example.com/repo.git',
  'urn:isbn:0451450523',
  'db://table/rows?where=id%3D1',
  'mailto:someone@example.com',
  'custom:opaque+with+pluses',
  'relative/path-without-scheme',
  '',
];

describe('exposeUri', () => {
  it('prefixes the URI with the server: files+file:///a', () => {
    expect(exposeUri('files', 'file:///a')).toBe('files+file:///a');
  });

  it.each(URIS)('%j maps back to its server and itself', (uri) => {
    const slugs = new Set(['files', 'web']);
    expect(ownerOfUri(exposeUri('web', uri), slugs)).toEqual({ slug: 'web', uri });
    expect(ownerOfUri(exposeUri('files', uri), slugs)).toEqual({ slug: 'files', uri });
  });

  it.each([
    ['my_server', 'my.server'],
    ['1password', 'x-1password'],
    ['_db', 'x-.db'],
    ['a-b', 'a-b'],
  ])('a slug that is not a valid scheme (%j) gets a prefix that is (%j), so the URI stays valid', (slug, prefix) => {
    expect(uriPrefix(slug)).toBe(prefix);
    const exposed = exposeUri(slug, 'file:///a');
    expect(exposed.slice(0, exposed.indexOf(':'))).toMatch(SCHEME);
    expect(() => new URL(exposed)).not.toThrow();
    expect(ownerOfUri(exposed, new Set([slug]))).toEqual({ slug, uri: 'file:///a' });
    expect(ownerOfUri(exposed, (candidate) => candidate === slug)).toEqual({ slug, uri: 'file:///a' });
  });

  it('every slug of a free-text name gives a valid scheme, and distinct checked slugs never share a prefix', () => {
    const random = seeded(3);
    for (let round = 0; round < 2_000; round++) {
      const names = [randomText(random, 'wild', 1, 30), randomText(random, 'tool', 1, 30)];
      const { slugs, problems } = checkSlugs(names, '__');
      for (const slug of slugs.values()) {
        const exposed = exposeUri(slug, 'https://example.com/x');
        expect(exposed.split(':')[0]).toMatch(SCHEME);
        expect(() => new URL(exposed)).not.toThrow();
        if (problems.length > 0) continue;
        expect(ownerOfUri(exposed, new Set(slugs.values()))).toEqual({ slug, uri: 'https://example.com/x' });
        expect(ownerOfUri(exposed, (s) => [...slugs.values()].includes(s))?.slug).toBe(slug);
      }
      if (problems.length === 0) expect(new Set([...slugs.values()].map((s) => uriPrefix(s).toLowerCase())).size).toBe(slugs.size);
    }
  });

  it('a client that normalizes the URI (lower-case scheme) still reaches the server', () => {
    const normalized = new URL(exposeUri('GitHub', 'HTTPS://example.com/a')).href;
    expect(normalized).toBe('github+https://example.com/a');
    expect(ownerOfUri(normalized, new Set(['GitHub', 'files']))).toEqual({ slug: 'GitHub', uri: 'https://example.com/a' });
  });

  it('an exact match wins over one without case', () => {
    expect(ownerOfUri('Ab+x:y', new Set(['ab', 'Ab']))?.slug).toBe('Ab');
  });
});

describe('exposeUriTemplate', () => {
  it('keeps the {vars}, so a client expands it and the result maps back', () => {
    const template = exposeUriTemplate('files', 'file:///{path}{?query,page}');
    expect(template).toBe('files+file:///{path}{?query,page}');
    const expanded = template.replace('{path}', 'a/b.txt').replace('{?query,page}', '?query=x&page=2');
    expect(ownerOfUri(expanded, new Set(['files']))).toEqual({ slug: 'files', uri: 'file:///a/b.txt?query=x&page=2' });
  });

  it('a template that starts with a variable still keeps the prefix in front', () => {
    const template = exposeUriTemplate('my_db', '{+base}/rows/{id}');
    expect(template).toBe('my.db+{+base}/rows/{id}');
    expect(ownerOfUri(template.replace('{+base}', 'db://main').replace('{id}', '7'), new Set(['my_db']))).toEqual({
      slug: 'my_db',
      uri: 'db://main/rows/7',
    });
  });
});

describe('ownerOfUri', () => {
  it.each([
    ['file:///a', 'no prefix at all'],
    ['+file:///a', 'an empty prefix'],
    ['other+file:///a', 'an unknown server'],
    ['fi les+file:///a', 'a prefix that is not a scheme'],
    ['files', 'no "+"'],
  ])('%j (%s) has no owner', (exposed) => {
    expect(ownerOfUri(exposed, new Set(['files', 'web']))).toBeUndefined();
    expect(ownerOfUri(exposed, (slug) => slug === 'files' || slug === 'web')).toBeUndefined();
  });

  it('a URI of one server is never given to another whose prefix it merely starts with', () => {
    expect(ownerOfUri('files2+file:///a', new Set(['files', 'files2']))?.slug).toBe('files2');
    expect(ownerOfUri('files+2file:///a', new Set(['files', 'files2']))).toEqual({ slug: 'files', uri: '2file:///a' });
  });

  it('the function form is asked only about slugs the prefix can stand for', () => {
    const asked: string[] = [];
    ownerOfUri('x-.a+file:///a', (slug) => {
      asked.push(slug);
      return false;
    });
    expect(asked.sort()).toEqual(['_a', 'x-_a']);
  });
});
