/**
 * `node --import ./node20-compat.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js …`
 *
 * The conformance CLI (0.1.x, and 0.2.x installed beside it as `conformance-next`) imports `globSync` from `fs`, which Node 20 does not have (it arrived in Node 22), so
 * on Node 20 the whole CLI fails to link before it runs anything. Only its `tier-check` command calls it, which this
 * project never runs. On a Node without `fs.globSync`, this registers a module resolve hook that hands the
 * conformance bundle (and only it) an `fs` module with every real export plus a `globSync` that throws if called.
 * On Node 22+ it does nothing.
 */
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') {
  const shim = [
    "import fs from 'node:fs';",
    "export * from 'node:fs';",
    'export default fs;',
    "export function globSync() { throw new Error('fs.globSync needs Node 22 or newer (conformance tier-check)'); }",
  ].join('\n');
  const hooks = `
    const SHIM = ${JSON.stringify(`data:text/javascript,${encodeURIComponent(shim)}`)};
    export async function resolve(specifier, context, next) {
      if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL && (context.parentURL.includes('/@modelcontextprotocol/conformance/') || context.parentURL.includes('/conformance-next/'))) {
        return { url: SHIM, shortCircuit: true };
      }
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
