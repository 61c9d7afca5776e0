// The routes an instance keeps to the holders of sessions it relays for (session-routes.ts): bounded, the least
// recently used first to go, and forgotten on demand.
import { describe, expect, it } from 'vitest';
import { SessionRoutes } from '../../../src/serve/cluster/session-routes.js';

const route = (instance: string) => ({ instance, owner: { user: 'alice', method: 'token' } });

describe('SessionRoutes', () => {
  it('keeps at most its bound, dropping the least recently used', () => {
    const routes = new SessionRoutes(3);
    for (const id of ['a', 'b', 'c']) routes.set(id, route(`i-${id}`));
    expect(routes.get('a')?.instance).toBe('i-a'); // a is now the most recently used
    routes.set('d', route('i-d'));
    expect(routes.size).toBe(3);
    expect(routes.get('b')).toBeUndefined();
    expect(routes.get('a')?.instance).toBe('i-a');
    routes.set('a', route('i-other'));
    expect(routes.get('a')?.instance).toBe('i-other');
    routes.delete('a');
    expect(routes.get('a')).toBeUndefined();
    expect(routes.size).toBe(2);
  });
});
