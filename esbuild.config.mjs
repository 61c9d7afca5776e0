// Bundles the CLI into dist/cli.js so that `npx` start-up resolves and parses one file.
// Run with `node esbuild.config.mjs` (npm run build). Rarely used parts are split into lazy chunks.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
await rm(new URL('./dist/', import.meta.url), { recursive: true, force: true });
const result = await build({
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
});
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
await writeFile(new URL('./dist/THIRD-PARTY-LICENSES.txt', import.meta.url), parts.join('\n' + '-'.repeat(72) + '\n\n'));
