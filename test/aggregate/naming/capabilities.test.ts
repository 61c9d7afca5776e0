// What the client is told at initialize when one bridge fronts many servers: the union of their capabilities (with
// list_changed always, because servers come and go), and each server's instructions under its name, bounded so that
// one server's long text cannot crowd out the others'.
import { describe, expect, it } from 'vitest';
import { MAX_INSTRUCTIONS_BYTES, mergeCapabilities, mergeInstructions } from '../../../src/aggregate/naming/capabilities.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('mergeCapabilities', () => {
  it('no server ready yet: tools, prompts and resources with listChanged, so servers that come later can appear', () => {
    expect(mergeCapabilities([])).toEqual({ tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } });
    expect(mergeCapabilities([undefined, undefined])).toEqual(mergeCapabilities([]));
  });

  it('a server without list_changed of its own still gets it from the bridge', () => {
    expect(mergeCapabilities([{ tools: {} }]).tools).toEqual({ listChanged: true });
  });

  it('subscribe, logging and completions when any server has them', () => {
    const merged = mergeCapabilities([{ tools: {} }, undefined, { resources: { subscribe: true }, logging: {}, completions: { x: 1 } }]);
    expect(merged).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      logging: {},
      completions: {},
    });
    const none = mergeCapabilities([{ resources: { subscribe: false } }, { logging: null, completions: 'yes' }]);
    expect(none.resources).toEqual({ listChanged: true });
    expect(none).not.toHaveProperty('logging');
    expect(none).not.toHaveProperty('completions');
  });

  it('experimental keys are merged, the first server in config order wins a key', () => {
    const merged = mergeCapabilities([{ experimental: { a: { v: 1 } } }, { experimental: { a: { v: 2 }, b: { v: 3 }, bad: 4 } }]);
    expect(merged.experimental).toEqual({ a: { v: 1 }, b: { v: 3 } });
  });

  it('a __proto__ key from a server changes no prototype', () => {
    const hostile = JSON.parse('{"experimental":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const merged = mergeCapabilities([hostile]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(merged.experimental)).toBe(Object.prototype);
    expect(Object.hasOwn(merged.experimental!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an unknown key passes only when every server that answered has it with the same value', () => {
    expect(mergeCapabilities([{ extensions: { a: { x: 1 } } }, undefined, { extensions: { a: { x: 1 } } }]).extensions).toEqual({ a: { x: 1 } });
    expect(mergeCapabilities([{ extensions: { a: { x: 1 } } }, { extensions: { a: { x: 2 } } }])).not.toHaveProperty('extensions');
    expect(mergeCapabilities([{ extensions: { a: {} } }, { tools: {} }])).not.toHaveProperty('extensions');
  });

  it('tasks is never passed on: task ids are not mapped across servers', () => {
    const tasks = { list: {}, cancel: {}, requests: { tools: { call: {} } } };
    expect(mergeCapabilities([{ tasks }, { tasks }])).not.toHaveProperty('tasks');
  });
});

describe('mergeInstructions', () => {
  it('each server\'s instructions under its name, in config order; servers without any are left out', () => {
    const merged = mergeInstructions([
      { name: 'github', instructions: 'Use search before create.\n' },
      { name: 'files' },
      { name: 'blank', instructions: '  \n ' },
      { name: 'db', instructions: 'Read-only.' },
    ]);
    expect(merged).toBe('## github\n\nUse search before create.\n\n## db\n\nRead-only.');
  });

  it('no instructions at all gives none', () => {
    expect(mergeInstructions([])).toBeUndefined();
    expect(mergeInstructions([{ name: 'a' }, { name: 'b', instructions: '' }])).toBeUndefined();
  });

  it('one server\'s huge instructions are cut to fit, and the others\' short ones are kept whole', () => {
    const merged = mergeInstructions([
      { name: 'huge', instructions: 'h'.repeat(200_000) },
      { name: 'small', instructions: 'keep me' },
    ])!;
    expect(bytes(merged)).toBeLessThanOrEqual(MAX_INSTRUCTIONS_BYTES);
    expect(bytes(merged)).toBeGreaterThan(MAX_INSTRUCTIONS_BYTES - 100);
    expect(merged.endsWith('## small\n\nkeep me')).toBe(true);
    expect(merged).toMatch(/\n\[… cut: \d+ more bytes\]\n\n## small/);
    const cut = Number(/cut: (\d+) more bytes/.exec(merged)![1]);
    const kept = merged.slice('## huge\n\n'.length).match(/h/g)!.length;
    expect(cut + kept).toBe(200_000);
  });

  it('two huge ones share the room equally', () => {
    const merged = mergeInstructions([
      { name: 'a', instructions: 'a'.repeat(100_000) },
      { name: 'b', instructions: 'b'.repeat(100_000) },
    ])!;
    expect(bytes(merged)).toBeLessThanOrEqual(MAX_INSTRUCTIONS_BYTES);
    const as = merged.match(/a/g)!.length;
    const bs = merged.match(/b/g)!.length;
    expect(Math.abs(as - bs)).toBeLessThanOrEqual(2);
  });

  it('a cut never splits a character', () => {
    const merged = mergeInstructions([{ name: 'e', instructions: '🙂é'.repeat(40_000) }])!;
    expect(bytes(merged)).toBeLessThanOrEqual(MAX_INSTRUCTIONS_BYTES);
    expect(Buffer.from(merged, 'utf8').toString('utf8')).toBe(merged);
    expect(merged).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('stays within the bound with many servers', () => {
    const list = Array.from({ length: 300 }, (_, i) => ({ name: `server-${i}`, instructions: `${i} `.repeat(500) }));
    const merged = mergeInstructions(list)!;
    expect(bytes(merged)).toBeLessThanOrEqual(MAX_INSTRUCTIONS_BYTES);
    expect(merged).toContain('## server-299');
  });
});
