/**
 * The two conformance suites `npm run conformance` runs: 0.1.x (`@modelcontextprotocol/conformance`, the
 * 2025-11-25 era) and 0.2.x (installed beside it as `conformance-next`: the 2026-07-28 revision, its extensions and
 * the 2025 scenarios again). Both are driven the same way; each gets its own summary.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The suites' CLIs import `fs.globSync` (Node 22) at load time; this hook gives them a stub on Node 20. */
export const COMPAT = fileURLToPath(new URL('./node20-compat.mjs', import.meta.url));

/** The short names `--suite` takes. */
export type SuiteId = '0.1' | '0.2' | '0.2@2026-07-28';

export interface Suite {
  id: SuiteId;
  /** Where the suite's package is installed. */
  dir: string;
  /** Its CLI (`conformance client …`). */
  cli: string;
  /** How to install it when missing. */
  install: string;
  /** The revision every scenario runs at (`--spec-version`); default: each scenario's own. */
  specVersion?: string;
  /** Which of the listed scenarios this run takes; default: all. */
  picks?: (scenario: ListedScenario) => boolean;
  /** One line on what the run proves, for its summary. */
  about: string;
}

export const SUITES: readonly Suite[] = [
  {
    id: '0.1',
    dir: join(ROOT, 'node_modules/@modelcontextprotocol/conformance'),
    cli: join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
    install: 'npm ci (package.json lists it)',
    about: 'the 2025-11-25 era',
  },
  {
    id: '0.2',
    dir: join(ROOT, 'node_modules/conformance-next'),
    cli: join(ROOT, 'node_modules/conformance-next/dist/index.js'),
    install: 'npm ci (package.json lists it as conformance-next)',
    about: 'every client scenario at its own revision (2025-11-25 unless introduced in 2026-07-28) and the extensions',
  },
  {
    // The same suite again for the scenarios it runs at 2025-11-25 by default but lists for 2026-07-28 too: their
    // servers are then 2026-only (no initialize, no sessions), so discovery, login, scopes and tools are proven
    // against both eras.
    id: '0.2@2026-07-28',
    dir: join(ROOT, 'node_modules/conformance-next'),
    cli: join(ROOT, 'node_modules/conformance-next/dist/index.js'),
    install: 'npm ci (package.json lists it as conformance-next)',
    specVersion: '2026-07-28',
    picks: (s) => s.versions.includes('2026-07-28') && s.versions[0] !== '2026-07-28',
    about: 'the scenarios that default to 2025-11-25 but also list 2026-07-28, against 2026-only servers',
  },
];

/** One client scenario as the suite lists it. */
export interface ListedScenario {
  name: string;
  /** The spec versions the suite names for it (0.2.x: dated versions or `extension`; 0.1.x: none). */
  versions: string[];
}

export function suiteVersion(suite: Suite): string {
  return (JSON.parse(readFileSync(join(suite.dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs `node <args>` to completion; output to `log` (a file) or collected. Killed (whole group) after `limitMs`. */
export function runNode(args: string[], opts: { log?: string; env?: NodeJS.ProcessEnv; limitMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const file = opts.log ? createWriteStream(opts.log) : undefined;
    let output = '';
    const take = (chunk: Buffer) => {
      if (file) file.write(chunk);
      else output += chunk.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      take(Buffer.from(`\n[runner] killed after ${opts.limitMs} ms\n`));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.limitMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      file?.end();
      resolve({ code, output });
    });
  });
}

/** The suite's client scenarios, in its order (`conformance list --client`). */
export async function listScenarios(suite: Suite): Promise<ListedScenario[]> {
  const { code, output } = await runNode(['--import', COMPAT, suite.cli, 'list', '--client'], { limitMs: 20_000 });
  const listed = [...output.matchAll(/^\s+-\s+(\S+)(?:\s+\[([^\]]*)\])?/gm)].map((m) => ({
    name: m[1]!,
    versions: m[2] ? m[2].split(',').map((v) => v.trim()) : [],
  }));
  if (code !== 0 || listed.length === 0) throw new Error(`could not list the ${suite.id} suite's client scenarios:\n${output}`);
  return listed;
}
