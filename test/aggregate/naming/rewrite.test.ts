// Every resource URI a server shows the client — in lists, templates, resource links and embedded resources in tool
// results, prompts and sampling requests, and update notifications — is rewritten to `<prefix>+<uri>`, and the
// client's requests naming such a URI go back to the right server with the server's own URI.
import { describe, expect, it } from 'vitest';
import {
  exposeNotificationUris,
  exposeResultUris,
  exposeServerRequestUris,
  isUriRouted,
  mayContainUri,
  ownRequestParams,
} from '../../../src/aggregate/naming/rewrite.js';
import { seeded } from './random.js';

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

describe('exposeResultUris', () => {
  it('tools/call: resource links and embedded resources in content; structuredContent is the tool\'s own', () => {
    const result: Json = {
      content: [
        { type: 'text', text: 'see file:///a' },
        { type: 'resource_link', uri: 'file:///a', name: 'a' },
        { type: 'resource', resource: { uri: 'file:///b', text: 'b' } },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ],
      structuredContent: { type: 'resource_link', uri: 'file:///c' },
    };
    exposeResultUris('tools/call', result, 'files');
    expect(result).toEqual({
      content: [
        { type: 'text', text: 'see file:///a' },
        { type: 'resource_link', uri: 'files+file:///a', name: 'a' },
        { type: 'resource', resource: { uri: 'files+file:///b', text: 'b' } },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ],
      structuredContent: { type: 'resource_link', uri: 'file:///c' },
    });
  });

  it('prompts/get: message content as one item or as a list', () => {
    const result: Json = {
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: 'db://x', text: '' } } },
        { role: 'assistant', content: [{ type: 'resource_link', uri: 'db://y', name: 'y' }] },
        { role: 'user', content: { type: 'text', text: 'db://z' } },
      ],
    };
    exposeResultUris('prompts/get', result, 'my_db');
    expect(result.messages).toEqual([
      { role: 'user', content: { type: 'resource', resource: { uri: 'my.db+db://x', text: '' } } },
      { role: 'assistant', content: [{ type: 'resource_link', uri: 'my.db+db://y', name: 'y' }] },
      { role: 'user', content: { type: 'text', text: 'db://z' } },
    ]);
  });

  it('resources/list, resources/templates/list and resources/read', () => {
    const list: Json = { resources: [{ uri: 'file:///a', name: 'a' }], nextCursor: 'c' };
    exposeResultUris('resources/list', list, 'fs');
    expect(list).toEqual({ resources: [{ uri: 'fs+file:///a', name: 'a' }], nextCursor: 'c' });

    const templates: Json = { resourceTemplates: [{ uriTemplate: 'file:///{path}', name: 't' }] };
    exposeResultUris('resources/templates/list', templates, 'fs');
    expect(templates).toEqual({ resourceTemplates: [{ uriTemplate: 'fs+file:///{path}', name: 't' }] });

    const read: Json = { contents: [{ uri: 'file:///a', text: 'x' }, { uri: 'file:///a#part', blob: 'AA==' }] };
    exposeResultUris('resources/read', read, 'fs');
    expect(read).toEqual({ contents: [{ uri: 'fs+file:///a', text: 'x' }, { uri: 'fs+file:///a#part', blob: 'AA==' }] });
  });

  it('tasks/result carries a tool\'s result and is rewritten like tools/call', () => {
    const result: Json = { content: [{ type: 'resource_link', uri: 'file:///a', name: 'a' }] };
    exposeResultUris('tasks/result', result, 'fs');
    expect(result.content).toEqual([{ type: 'resource_link', uri: 'fs+file:///a', name: 'a' }]);
  });

  it('other methods are left alone', () => {
    const result: Json = { tools: [{ name: 't', uri: 'file:///a' }], contents: [{ uri: 'file:///a' }] };
    const before = clone(result);
    exposeResultUris('tools/list', result, 'fs');
    exposeResultUris('completion/complete', result, 'fs');
    expect(result).toEqual(before);
  });

  it('a server\'s malformed result is passed on as it is, never a crash', () => {
    const shapes: Json[] = [
      { content: null },
      { content: 'text' },
      { content: [null, 3, 'x', [], { type: 'resource_link', uri: 5 }, { type: 'resource', resource: null }, { type: 'resource' }] },
      { messages: [null, { content: null }, 'x'] },
      { messages: { content: [] } },
      { resources: [null, { uri: null }, 'x'] },
      { resourceTemplates: 'x' },
      { contents: [{ uri: { nested: 1 } }] },
    ];
    for (const shape of shapes) {
      for (const method of ['tools/call', 'prompts/get', 'resources/list', 'resources/templates/list', 'resources/read']) {
        const copy = clone(shape);
        expect(() => exposeResultUris(method, copy, 'fs')).not.toThrow();
        expect(copy).toEqual(shape);
      }
    }
  });
});

describe('server messages other than results', () => {
  it('notifications/resources/updated carries the exposed URI the client subscribed to', () => {
    const params: Json = { uri: 'file:///a' };
    exposeNotificationUris('notifications/resources/updated', params, 'fs');
    expect(params).toEqual({ uri: 'fs+file:///a' });
    const other: Json = { uri: 'file:///a' };
    exposeNotificationUris('notifications/message', other, 'fs');
    expect(other).toEqual({ uri: 'file:///a' });
    expect(() => exposeNotificationUris('notifications/resources/updated', undefined, 'fs')).not.toThrow();
  });

  it('sampling/createMessage: resources in messages, including those inside tool results, stay readable', () => {
    const params: Json = {
      messages: [
        { role: 'user', content: { type: 'resource_link', uri: 'file:///a', name: 'a' } },
        { role: 'user', content: [{ type: 'tool_result', toolUseId: '1', content: [{ type: 'resource_link', uri: 'file:///b', name: 'b' }] }] },
      ],
      maxTokens: 10,
    };
    exposeServerRequestUris('sampling/createMessage', params, 'fs');
    expect(params.messages).toEqual([
      { role: 'user', content: { type: 'resource_link', uri: 'fs+file:///a', name: 'a' } },
      { role: 'user', content: [{ type: 'tool_result', toolUseId: '1', content: [{ type: 'resource_link', uri: 'fs+file:///b', name: 'b' }] }] },
    ]);
  });
});

describe('ownRequestParams', () => {
  const slugs = new Set(['fs', 'web']);

  it.each(['resources/read', 'resources/subscribe', 'resources/unsubscribe'])('%s goes to the owner with its own URI', (method) => {
    const params = { uri: 'fs+file:///a?x=1#y', _meta: { progressToken: 1 } };
    const before = clone(params);
    expect(ownRequestParams(method, params, slugs)).toEqual({ slug: 'fs', params: { uri: 'file:///a?x=1#y', _meta: { progressToken: 1 } } });
    expect(params).toEqual(before);
  });

  it('completion/complete for a resource template goes to its owner with the template the server wrote', () => {
    const params = { ref: { type: 'ref/resource', uri: 'web+https://x/{id}' }, argument: { name: 'id', value: '4' } };
    const before = clone(params);
    expect(ownRequestParams('completion/complete', params, (slug) => slugs.has(slug))).toEqual({
      slug: 'web',
      params: { ref: { type: 'ref/resource', uri: 'https://x/{id}' }, argument: { name: 'id', value: '4' } },
    });
    expect(params).toEqual(before);
  });

  it('a URI with no known owner, or no URI, gives undefined', () => {
    expect(ownRequestParams('resources/read', { uri: 'file:///a' }, slugs)).toBeUndefined();
    expect(ownRequestParams('resources/read', { uri: 'gone+file:///a' }, slugs)).toBeUndefined();
    expect(ownRequestParams('resources/read', { uri: 7 }, slugs)).toBeUndefined();
    expect(ownRequestParams('resources/read', undefined, slugs)).toBeUndefined();
    expect(ownRequestParams('completion/complete', { ref: { type: 'ref/resource' } }, slugs)).toBeUndefined();
  });

  it('requests not routed by URI give undefined (a prompt reference is routed by its name)', () => {
    expect(ownRequestParams('completion/complete', { ref: { type: 'ref/prompt', name: 'fs__p' } }, slugs)).toBeUndefined();
    expect(ownRequestParams('tools/call', { name: 'fs__t', uri: 'fs+file:///a' }, slugs)).toBeUndefined();
  });

  it('isUriRouted says which requests are routed by URI', () => {
    expect(isUriRouted('resources/read', { uri: 'x' })).toBe(true);
    expect(isUriRouted('resources/subscribe', undefined)).toBe(true);
    expect(isUriRouted('completion/complete', { ref: { type: 'ref/resource', uri: 'x' } })).toBe(true);
    expect(isUriRouted('completion/complete', { ref: { type: 'ref/prompt', name: 'p' } })).toBe(false);
    expect(isUriRouted('resources/list', {})).toBe(false);
  });
});

describe('mayContainUri', () => {
  it('finds the "uri" and "uriTemplate" keys in text and in bytes', () => {
    for (const raw of ['{"result":{"resources":[{"uri":"file:///a"}]}}', '{"resourceTemplates":[{"uriTemplate":"x"}]}']) {
      expect(mayContainUri(raw)).toBe(true);
      expect(mayContainUri(new TextEncoder().encode(raw))).toBe(true);
    }
  });

  it('a result without them can be relayed as bytes', () => {
    const raw = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"a uri: file:///a, \\"urine\\""}]}}';
    expect(mayContainUri(raw)).toBe(false);
    const bytes = new TextEncoder().encode(`xx${raw}xx`);
    expect(mayContainUri(bytes.subarray(2, bytes.length - 2))).toBe(false);
  });

  it('a key spelled with JSON escapes ("\\u0075ri") cannot slip an unprefixed URI past the bridge', () => {
    const raw = '{"result":{"content":[{"type":"resource_link","\\u0075ri":"other+file:///secret"}]}}';
    expect((JSON.parse(raw) as { result: { content: Array<{ uri: string }> } }).result.content[0]!.uri).toBe('other+file:///secret');
    expect(mayContainUri(raw)).toBe(true);
    expect(mayContainUri(new TextEncoder().encode(raw))).toBe(true);
    expect(mayContainUri('{"ur\\u0069Template":"x"}')).toBe(true);
  });

  it('escaped non-ASCII text (as Python servers write it) is still relayed as bytes', () => {
    expect(mayContainUri('{"text":"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00"}')).toBe(false);
  });

  it('whenever it says no, parsing and rewriting would have changed nothing', () => {
    const random = seeded(5);
    const keys = ['uri', 'uriTemplate', 'url', 'name', 'text', 'type'];
    const values = ['file:///a', 'resource_link', 'resource', 'x'];
    let skipped = 0;
    for (let i = 0; i < 2_000; i++) {
      const item = (): Json => Object.fromEntries(keys.filter(() => random() < 0.12).map((k) => [k, values[Math.floor(random() * values.length)]]));
      const result = { content: [item(), { type: 'resource', resource: item() }], resources: [item()], resourceTemplates: [item()], contents: [item()] };
      let raw = JSON.stringify({ jsonrpc: '2.0', id: i, result });
      if (i % 4 === 0) raw = raw.replace(/"uri/g, '"\\u0075ri');
      if (mayContainUri(raw)) continue;
      skipped++;
      for (const method of ['tools/call', 'resources/list', 'resources/templates/list', 'resources/read']) {
        const parsed = JSON.parse(raw) as { result: Json };
        exposeResultUris(method, parsed.result, 'fs');
        expect(JSON.stringify(parsed)).toBe(raw);
      }
    }
    expect(skipped).toBeGreaterThan(100);
  });
});
