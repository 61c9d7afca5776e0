// Bundles the CLI into dist/cli.js so that `npx` start-up resolves and parses one file.
// Run with `node esbuild.config.mjs` (npm run build). Rarely used parts are split into lazy chunks.
// Files are replaced one by one with atomic renames, so CLI processes started during a rebuild see a whole bundle.
import { build } from 'esbuild';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

/**
 * The SDK's types.js builds some 300 zod schemas at import time, though the bridge uses a handful (its transports
 * validate JSON-RPC envelopes): about 40 ms of every start. Each top-level `const X = <schema>;` is wrapped in a pure
 * IIFE so esbuild drops the ones nothing uses; the ones kept run exactly as before, in the same order.
 */
const pureSdkSchemas = {
  name: 'pure-sdk-schemas',
  setup(b) {
    b.onLoad({ filter: /@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]types\.js$/ }, async (args) => {
      const lines = (await readFile(args.path, 'utf8')).split('\n');
      const out = [];
      const startsStatement = (line) => line === undefined || /^(export |const |let |var |function |class |\/\*|\/\/|\(|import |$)/.test(line);
      for (let i = 0; i < lines.length; i++) {
        const m = /^(export )?const (\w+) = (.*)$/.exec(lines[i]);
        if (!m) {
          out.push(lines[i]);
          continue;
        }
        let j = i;
        while (!(lines[j].endsWith(';') && startsStatement(lines[j + 1]))) j++;
        const body = [m[3], ...lines.slice(i + 1, j + 1)].join('\n').replace(/;$/, '');
        out.push(`${m[1] ?? ''}const ${m[2]} = /* @__PURE__ */ (() => ${body})();`);
        i = j;
      }
      return { contents: out.join('\n'), loader: 'js' };
    });
  },
};
const result = await build({
  write: false,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'eof',
  sourcemap: 'linked',
  metafile: true,
  // Native or optional modules stay outside the bundle and are loaded lazily at run time.
  external: ['@napi-rs/keyring'],
  define: { __VERSION__: JSON.stringify(pkg.version) },
  banner: {
    // Bundled CommonJS dependencies may call require(); give them one.
    js: "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [pureSdkSchemas],
});
const dist = new URL('./dist/', import.meta.url);
await mkdir(dist, { recursive: true });
const written = new Set();
for (const file of result.outputFiles) {
  const name = basename(file.path);
  const tmp = new URL(`.${name}.${process.pid}.tmp`, dist);
  await writeFile(tmp, file.contents);
  await rename(tmp, new URL(name, dist));
  written.add(name);
}
written.add('THIRD-PARTY-LICENSES.txt');
for (const name of await readdir(dist)) {
  if (!written.has(name)) await rm(new URL(name, dist), { force: true });
}
// Bundled dependencies keep their licence notices beside the bundle.
const licences = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m && !licences.has(m[1])) licences.set(m[1], null);
}
const parts = [];
for (const name of [...licences.keys()].sort()) {
  const dir = new URL(`./node_modules/${name}/`, import.meta.url);
  const meta = JSON.parse(await readFile(new URL('package.json', dir), 'utf8'));
  let text = '';
  for (const file of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE']) {
    text = await readFile(new URL(file, dir), 'utf8').catch(() => '');
    if (text) break;
  }
  parts.push(`${name}@${meta.version} (${meta.license ?? 'see package'})\n\n${text.trim() || '(no licence file shipped)'}\n`);
}
const licenceTmp = new URL(`.THIRD-PARTY-LICENSES.${process.pid}.tmp`, dist);
await writeFile(licenceTmp, parts.join('\n' + '-'.repeat(72) + '\n\n'));
await rename(licenceTmp, new URL('THIRD-PARTY-LICENSES.txt', dist));
