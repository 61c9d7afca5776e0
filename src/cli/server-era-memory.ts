/**
 * Where the bridge remembers a server's protocol era: the store's per-server record (store/servers/server-era.ts),
 * whose code loads only when it is first read — as the era connector's {@link EraMemory}.
 */
import type { Runtime } from '../config/runtime.js';
import type { EraMemory } from '../upstream/era/era-connector.js';
import { isProtocolEra } from '../upstream/era/era.js';

/** The memory of `url`'s era under `configDir`, on the runtime's clock. */
export function serverEraMemory(configDir: string, url: URL, runtime: Pick<Runtime, 'now'>): EraMemory {
  const load = () => import('../store/servers/server-era.js');
  return {
    async recall() {
      const record = await (await load()).readServerEra(configDir, url.href);
      return isProtocolEra(record?.era) ? record.era : undefined;
    },
    async remember(era) {
      await (await load()).writeServerEra(configDir, url.href, era, new Date(runtime.now()));
    },
    async forget() {
      await (await load()).forgetServerEra(configDir, url.href);
    },
  };
}
