/**
 * Gives back, at once, the socket buffers a large response leaves behind. A megabyte result arrives in a few dozen
 * buffers outside V8's heap; relayed in its bytes (event-stream-reader.ts), it makes almost no garbage on the heap,
 * so V8 sees no reason to collect, and those buffers wait for its external-memory threshold (tens of megabytes)
 * before they are freed: the bridge's peak memory grows with every large result until then (see `npm run bench`).
 * A young-generation collection (a scavenge: well under a millisecond, the heap's young part being small) frees them.
 * V8 offers it only through `gc()`, which is exposed to a fresh context made for it; the process's own global scope
 * is not changed. Where that is not possible, it does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;

let collect: Collect | null | undefined;
let scheduled = false;

/**
 * Runs a young-generation collection soon (see the module comment): once the current work is done, so the buffers
 * just handed on are no longer referenced (a collection that finds them alive would move them to the old generation,
 * where they wait longer still). Calls before it runs share it. Never throws.
 */
export function collectYoungGenerationSoon(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    collectYoungGeneration();
  }).unref();
}

function collectYoungGeneration(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
      setFlagsFromString('--no-expose-gc');
    } catch {
      collect = null;
    }
  }
  try {
    collect?.({ type: 'minor' });
  } catch {
    collect = null;
  }
}
