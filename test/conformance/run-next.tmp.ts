/**
 * `npm run conformance [-- options]`: the official MCP conformance suite's CLIENT scenarios
 * (`@modelcontextprotocol/conformance`), each run against the built bridge through test/conformance/driver.ts, with
 * a summary table at the end. Exit code 1 when any scenario fails (with `--baseline`: when any scenario not listed
 * as a known failure in scenarios.ts fails, or a listed one passes), 2 on bad options.
 *
 * Options:
 *   --scenario <name>    run only this scenario (repeatable); default: every client scenario the suite lists
 *   --baseline           known failures (scenarios.ts `known`) do not fail the run; scenarios that pass although
 *                        listed there do
 *   --concurrency <n>    scenarios at once (default 4; timing-sensitive ones always run alone)
 *   --timeout <ms>       the suite's limit per scenario (default 30000; the driver stops itself 8 s earlier)
 *   --out <dir>          where results go (default .tmp/conformance/<time>/); each scenario's checks.json,
 *                        stdout.txt (driver steps), stderr.txt (bridge --debug log) and runner.log
 *   --verbose            print the failed checks and driver steps of every failing scenario
 *
 * On Node 20 the suite's CLI is loaded through node20-compat.mjs (it imports `fs.globSync`, which only Node 22 has).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { planFor, SCENARIOS, type KnownFailure } from './scenarios.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUITE_DIR = join(ROOT, 'node_modules/conformance-next');
const SUITE_CLI = join(SUITE_DIR, 'dist/index.js');
const COMPAT = fileURLToPath(new URL('./node20-compat.mjs', import.meta.url));
const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

interface Check {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  errorMessage?: string;
}

interface Outcome {
  scenario: string;
  passed: boolean;
  exitCode: number | null;
  ms: number;
  checks: Check[];
  driverSteps: string[];
  note: string;
  dir: string;
  known: KnownFailure | undefined;
}

function usage(message: string): never {
  process.stderr.write(`conformance: ${message}\nusage: npm run conformance -- [--scenario <name>]... [--baseline] [--concurrency <n>] [--timeout <ms>] [--out <dir>] [--verbose]\n`);
  process.exit(2);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        scenario: { type: 'string', multiple: true },
        baseline: { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '4' },
        timeout: { type: 'string', default: '30000' },
        out: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    });
    const concurrency = Number(values.concurrency);
    const timeout = Number(values.timeout);
    if (!Number.isInteger(concurrency) || concurrency < 1) usage(`--concurrency: "${values.concurrency}" is not a positive integer`);
    if (!Number.isInteger(timeout) || timeout < 12_000) usage(`--timeout: "${values.timeout}" must be at least 12000 (ms)`);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return { ...values, concurrency, timeout, out: values.out ?? join(ROOT, '.tmp/conformance', stamp) };
  } catch (error) {
    usage((error as Error).message);
  }
}

/** Runs `node <args>` to completion; output to `log` (a file) or collected. Killed (whole group) after `limitMs`. */
function runNode(args: string[], opts: { log?: string; env?: NodeJS.ProcessEnv; limitMs: number }): Promise<{ code: number | null; output: string }> {
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

async function listScenarios(): Promise<string[]> {
  const { code, output } = await runNode(['--import', COMPAT, SUITE_CLI, 'list', '--client'], { limitMs: 20_000 });
  const names = [...output.matchAll(/^\s+-\s+(\S+)/gm)].map((m) => m[1]!);
  if (code !== 0 || names.length === 0) throw new Error(`could not list the suite's client scenarios:\n${output}`);
  return names;
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

function readJson<T>(path: string | undefined, fallback: T): T {
  if (!path) return fallback;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

async function runScenario(scenario: string, o: ReturnType<typeof options>): Promise<Outcome> {
  const dir = join(o.out, scenario.replace(/[^A-Za-z0-9._-]+/g, '_'));
  mkdirSync(dir, { recursive: true });
  const command = `${process.execPath} --import tsx ${DRIVER}`;
  const started = Date.now();
  const { code } = await runNode(
    ['--import', COMPAT, SUITE_CLI, 'client', '--command', command, '--scenario', scenario, '--timeout', String(o.timeout), '-o', dir],
    { log: join(dir, 'runner.log'), env: { ...process.env, CONFORMANCE_DRIVER_DEADLINE_MS: String(o.timeout - 8_000) }, limitMs: o.timeout + 20_000 },
  );
  const ms = Date.now() - started;
  // The suite writes <dir>/<scenario>-<time>/…; keep the files flat in <dir>.
  for (const name of ['checks.json', 'stdout.txt', 'stderr.txt']) {
    const found = findFile(dir, name);
    if (found && found !== join(dir, name)) renameSync(found, join(dir, name));
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) rmSync(join(dir, entry.name), { recursive: true, force: true });
  const checks = readJson<Check[]>(findFile(dir, 'checks.json'), []);
  const stdoutPath = findFile(dir, 'stdout.txt');
  const driverSteps = stdoutPath ? readFileSync(stdoutPath, 'utf8').split('\n').filter((l) => l.startsWith('[driver]')) : [];
  const passed = code === 0;
  const failedChecks = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
  const driverFail = driverSteps
    .find((l) => l.startsWith('[driver] FAIL'))
    ?.replace('[driver] FAIL ', '')
    .replace(/MCP error -?\d+: /, '')
    .replace(/mcp-auth-bridge: /, '')
    .replace(/; to log in, open \S+/, '');
  const runnerLog = existsSync(join(dir, 'runner.log')) ? readFileSync(join(dir, 'runner.log'), 'utf8') : '';
  const observed: string[] = [];
  if (!passed) {
    const first = failedChecks[0];
    if (first) observed.push(`check ${first.id} ${first.status}: ${first.errorMessage ?? first.description}`);
    if (driverFail) observed.push(`client: ${driverFail}`);
    if (/CLIENT TIMED OUT/.test(runnerLog)) observed.push('the client timed out');
    if (!observed.length) observed.push(checks.length ? `exit code ${code}` : `no checks recorded (exit code ${code}); see ${show(dir)}/runner.log`);
  }
  const note = observed.join('\n');
  return { scenario, passed, exitCode: code, ms, checks, driverSteps, note, dir, known: planFor(scenario).known };
}

/** Runs the scenarios, at most `concurrency` at once; `alone` ones afterwards, one by one. */
async function runAll(names: string[], o: ReturnType<typeof options>, onDone: (r: Outcome) => void): Promise<Outcome[]> {
  const shared = names.filter((n) => !planFor(n).alone);
  const alone = names.filter((n) => planFor(n).alone);
  const results = new Map<string, Outcome>();
  let next = 0;
  const worker = async () => {
    while (next < shared.length) {
      const name = shared[next++]!;
      const r = await runScenario(name, o);
      results.set(name, r);
      onDone(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, shared.length) }, worker));
  for (const name of alone) {
    const r = await runScenario(name, o);
    results.set(name, r);
    onDone(r);
  }
  return names.map((n) => results.get(n)!);
}

/** A path for messages: relative to the repo when inside it. */
function show(path: string): string {
  const rel = relative(ROOT, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function clip(text: string, width: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > width ? `${one.slice(0, width - 1)}…` : one;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = options();
  if (!existsSync(SUITE_CLI)) usage(`${show(SUITE_CLI)} is missing: npm install -D @modelcontextprotocol/conformance@^0.1`);
  const version = (JSON.parse(readFileSync(join(SUITE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  const listed = await listScenarios();
  const names = o.scenario?.length ? [...new Set(o.scenario)] : listed;
  for (const n of names) if (!listed.includes(n)) usage(`unknown scenario "${n}"; the suite has: ${listed.join(', ')}`);
  const unmapped = listed.filter((n) => !SCENARIOS[n]);
  mkdirSync(o.out, { recursive: true });
  process.stdout.write(`MCP conformance ${version}: ${names.length} client scenario(s) against bin/mcp-auth-bridge.js; results in ${show(o.out)}\n`);
  if (unmapped.length) process.stdout.write(`not in scenarios.ts (generic client used): ${unmapped.join(', ')}\n`);

  const started = Date.now();
  const results = await runAll(names, o, (r) => {
    process.stdout.write(`  ${r.passed ? 'pass' : 'FAIL'}  ${r.scenario} (${(r.ms / 1000).toFixed(1)} s)\n`);
  });

  const verdict = (r: Outcome): string => {
    if (!o.baseline) return r.passed ? (r.known ? 'PASS*' : 'PASS') : 'FAIL';
    if (r.known) return r.passed ? 'XPASS' : 'XFAIL';
    return r.passed ? 'PASS' : 'FAIL';
  };
  const rows = [['scenario', 'result', 'checks ok/fail/warn', 'time', 'failed checks']];
  for (const r of results) {
    const count = (st: string) => r.checks.filter((c) => c.status === st).length;
    const ids = [...new Set(r.checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => c.id))];
    rows.push([r.scenario, verdict(r), `${count('SUCCESS')}/${count('FAILURE')}/${count('WARNING')}`, `${(r.ms / 1000).toFixed(1)}s`, clip(ids.join(', ') || (r.passed ? '' : '(client)'), 70)]);
  }
  process.stdout.write(`\n${table(rows)}\n`);
  process.stdout.write(
    o.baseline
      ? 'XFAIL = fails as scenarios.ts says it would (tolerated); XPASS = listed as a known failure but passes (fails the run)\n'
      : 'PASS* = passes although scenarios.ts lists it as a known failure (remove the entry); --baseline tolerates known failures\n',
  );

  const explained = results.filter((r) => !r.passed || r.known);
  if (explained.length) process.stdout.write('\nWhy:\n');
  for (const r of explained) {
    if (r.passed) {
      process.stdout.write(`- ${r.scenario}: passes but is listed as a known failure (${r.known!.kind}); remove its \`known\` entry in scenarios.ts\n`);
      continue;
    }
    process.stdout.write(`- ${r.scenario}: ${r.known ? `[known ${r.known.kind}] ${r.known.why}` : '[not a known failure]'}\n`);
    for (const line of r.note.split('\n')) process.stdout.write(`    ${clip(line, 220)}\n`);
  }

  if (o.verbose) {
    for (const r of results.filter((x) => !x.passed)) {
      process.stdout.write(`\n── ${r.scenario} (${show(r.dir)})\n`);
      for (const c of r.checks.filter((x) => x.status === 'FAILURE' || x.status === 'WARNING')) {
        process.stdout.write(`  ${c.status} ${c.id}: ${c.errorMessage ?? c.description}\n`);
      }
      for (const s of r.driverSteps) process.stdout.write(`  ${s}\n`);
    }
  }

  const passed = results.filter((r) => r.passed).length;
  const failing = results.filter((r) => (o.baseline ? r.passed === Boolean(r.known) : !r.passed));
  process.stdout.write(
    `\n${passed}/${results.length} scenarios passed in ${((Date.now() - started) / 1000).toFixed(0)} s` +
      (o.baseline ? `; ${results.filter((r) => r.known && !r.passed).length} known failure(s) tolerated (--baseline)` : '') +
      `. Details: ${show(o.out)}/<scenario>/ (checks.json, stdout.txt = client steps, stderr.txt = bridge log)\n`,
  );
  if (failing.length) {
    process.stdout.write(`${o.baseline ? 'Unexpected' : 'Failed'}: ${failing.map((r) => `${r.scenario}${r.passed ? ' (passes; remove its known entry)' : ''}`).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`conformance: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
