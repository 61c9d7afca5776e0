/**
 * `npm run conformance [-- options]`: the official MCP conformance suites' CLIENT scenarios — 0.1.x and 0.2.x (see
 * suites.ts) — each run against the built bridge through test/conformance/driver.ts, with one summary table per
 * suite at the end. Exit code 1 when any scenario fails, 2 on bad options.
 *
 * A scenario fails when the suite says so, and also when it "passes" without a single successful check (the
 * client never reached what the scenario checks). A failure listed in scenarios.ts as a `suite defect` (with its
 * evidence) is tolerated; other known failures only with `--baseline`.
 *
 * Options:
 *   --suite <id>         run only this suite (repeatable): 0.1, 0.2, or 0.2@2026-07-28 (0.2's scenarios that
 *                        default to 2025-11-25 but list 2026-07-28, run at 2026-07-28); default: all three
 *   --scenario <name>    run only this scenario (repeatable), in every selected suite that has it
 *   --spec-version <v>   0.2.x only: run the scenarios at this revision (e.g. 2026-07-28) instead of each one's
 *                        default; scenarios the suite does not list for it are left out
 *   --baseline           every known failure (scenarios.ts `known`) is tolerated; a listed one that passes fails
 *   --concurrency <n>    scenarios at once, across both suites (default 4; timing-sensitive ones always run alone)
 *   --timeout <ms>       the suite's limit per scenario (default 30000; the driver stops itself 8 s earlier)
 *   --out <dir>          where results go (default .tmp/conformance/<time>/); per suite and scenario:
 *                        checks.json, stdout.txt (driver steps), stderr.txt (bridge --debug log), runner.log
 *   --verbose            print the failed checks and driver steps of every failing scenario
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { knownFor, planFor, SCENARIOS, type KnownFailure } from './scenarios.js';
import { COMPAT, listScenarios, ROOT, runNode, SUITES, suiteVersion, type ListedScenario, type Suite, type SuiteId } from './suites.js';

const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));
const BRIDGE_BIN = join(ROOT, 'bin/mcp-auth-bridge.js');

/**
 * The driver bundled once per run (esbuild, dependencies left to node_modules), so each of the ~90 scenario runs
 * starts plain `node` instead of compiling TypeScript again (about 0.4 s of CPU each on these machines). The bundle
 * lives under the repo's .tmp/ so that its imports resolve; removed when the run ends.
 */
function bundleDriver(): { command: string; remove: () => void } {
  const outfile = join(ROOT, '.tmp', `conformance-driver-${process.pid}.mjs`);
  buildSync({ entryPoints: [DRIVER], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'error' });
  return { command: `${process.execPath} ${outfile}`, remove: () => rmSync(outfile, { force: true }) };
}
let driverCommand = `${process.execPath} --import tsx ${DRIVER}`;

interface Check {
  id: string;
  name: string;
  description: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;
  errorMessage?: string;
}

interface Outcome {
  suite: SuiteId;
  scenario: string;
  /** The suite's own verdict (exit code 0). */
  suitePassed: boolean;
  /** Ours: the suite's, and at least one successful check. */
  passed: boolean;
  exitCode: number | null;
  ms: number;
  checks: Check[];
  driverSteps: string[];
  note: string;
  dir: string;
  known: KnownFailure | undefined;
}

/** One scenario of one suite, queued. */
interface Job {
  suite: Suite;
  scenario: ListedScenario;
}

function usage(message: string): never {
  process.stderr.write(
    `conformance: ${message}\nusage: npm run conformance -- [--suite <0.1|0.2|0.2@2026-07-28>]... [--scenario <name>]... [--spec-version <v>] [--baseline] [--concurrency <n>] [--timeout <ms>] [--out <dir>] [--verbose]\n`,
  );
  process.exit(2);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        suite: { type: 'string', multiple: true },
        scenario: { type: 'string', multiple: true },
        'spec-version': { type: 'string' },
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
    for (const s of values.suite ?? []) if (!SUITES.some((x) => x.id === s)) usage(`--suite: "${s}" is not one of ${SUITES.map((x) => x.id).join(', ')}`);
    if (values['spec-version'] && values.suite?.length && !values.suite.includes('0.2')) usage('--spec-version applies to --suite 0.2 only');
    const suites = values.suite?.length ? SUITES.filter((x) => values.suite!.includes(x.id)) : [...SUITES];
    const specVersion = values['spec-version'];
    if (specVersion && !/^\d{4}-\d{2}-\d{2}$/.test(specVersion)) usage(`--spec-version: "${specVersion}" is not a dated revision`);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return { ...values, suites, specVersion, concurrency, timeout, out: values.out ?? join(ROOT, '.tmp/conformance', stamp) };
  } catch (error) {
    usage((error as Error).message);
  }
}
type Options = ReturnType<typeof options>;

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

async function runScenario({ suite, scenario: { name: scenario } }: Job, o: Options): Promise<Outcome> {
  const dir = join(o.out, suite.id, scenario.replace(/[^A-Za-z0-9._-]+/g, '_'));
  mkdirSync(dir, { recursive: true });
  const command = driverCommand;
  const revision = suite.specVersion ?? (suite.id === '0.2' ? o.specVersion : undefined);
  const version = revision ? ['--spec-version', revision] : [];
  const started = Date.now();
  const { code } = await runNode(
    ['--import', COMPAT, suite.cli, 'client', '--command', command, '--scenario', scenario, ...version, '--timeout', String(o.timeout), '-o', dir],
    {
      log: join(dir, 'runner.log'),
      env: {
        ...process.env,
        CONFORMANCE_BRIDGE_BIN: process.env.CONFORMANCE_BRIDGE_BIN || BRIDGE_BIN,
        CONFORMANCE_DRIVER_DEADLINE_MS: String(o.timeout - 8_000),
        CONFORMANCE_SUITE: suite.id,
      },
      limitMs: o.timeout + 20_000,
    },
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
  const suitePassed = code === 0;
  const succeeded = checks.filter((c) => c.status === 'SUCCESS').length;
  const passed = suitePassed && succeeded > 0;
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
    if (suitePassed && !succeeded) {
      const skipped = checks.find((c) => c.status === 'SKIPPED');
      observed.push(`no check succeeded (${checks.length} recorded${skipped ? `; ${skipped.id} SKIPPED: ${skipped.errorMessage ?? ''}` : ''})`);
    }
    if (driverFail) observed.push(`client: ${driverFail}`);
    if (/CLIENT TIMED OUT|Client timed out/.test(runnerLog)) observed.push('the client timed out');
    if (!observed.length) observed.push(checks.length ? `exit code ${code}` : `no checks recorded (exit code ${code}); see ${show(dir)}/runner.log`);
  }
  return { suite: suite.id, scenario, suitePassed, passed, exitCode: code, ms, checks, driverSteps, note: observed.join('\n'), dir, known: knownFor(scenario, suite.id) };
}

/** Runs the jobs, at most `concurrency` at once; `alone` ones afterwards, one by one. */
async function runAll(jobs: Job[], o: Options, onDone: (r: Outcome) => void): Promise<Outcome[]> {
  const key = (j: Job) => `${j.suite.id} ${j.scenario.name}`;
  const shared = jobs.filter((j) => !planFor(j.scenario.name).alone);
  const alone = jobs.filter((j) => planFor(j.scenario.name).alone);
  const results = new Map<string, Outcome>();
  let next = 0;
  const worker = async () => {
    while (next < shared.length) {
      const job = shared[next++]!;
      const r = await runScenario(job, o);
      results.set(key(job), r);
      onDone(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, shared.length) }, worker));
  for (const job of alone) {
    const r = await runScenario(job, o);
    results.set(key(job), r);
    onDone(r);
  }
  return jobs.map((j) => results.get(key(j))!);
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

/** Whether a result is tolerated: a known suite defect always, other known failures with --baseline. */
function tolerated(r: Outcome, o: Options): boolean {
  return !r.passed && Boolean(r.known) && (o.baseline || r.known!.kind === 'suite defect');
}

function verdict(r: Outcome, o: Options): string {
  if (r.passed) return r.known ? (o.baseline ? 'XPASS' : 'PASS*') : 'PASS';
  if (tolerated(r, o)) return 'XFAIL';
  return r.suitePassed ? 'EMPTY' : 'FAIL';
}

/** Whether a result fails the run. */
function failsRun(r: Outcome, o: Options): boolean {
  if (r.passed) return o.baseline && Boolean(r.known);
  return !tolerated(r, o);
}

function summary(suite: Suite, version: string, results: Outcome[], o: Options, ms: number): boolean {
  const rows = [['scenario', 'result', 'checks ok/fail/warn/skip', 'time', 'failed checks']];
  for (const r of results) {
    const count = (st: string) => r.checks.filter((c) => c.status === st).length;
    const ids = [...new Set(r.checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => c.id))];
    rows.push([
      r.scenario,
      verdict(r, o),
      `${count('SUCCESS')}/${count('FAILURE')}/${count('WARNING')}/${count('SKIPPED')}`,
      `${(r.ms / 1000).toFixed(1)}s`,
      clip(ids.join(', ') || (r.passed ? '' : '(client)'), 70),
    ]);
  }
  const at = suite.specVersion ?? (suite.id === '0.2' ? o.specVersion : undefined);
  process.stdout.write(`\n── suite ${suite.id} (${version}${at ? `, every scenario at ${at}` : ''}): ${suite.about}\n${table(rows)}\n`);

  const explained = results.filter((r) => !r.passed || r.known);
  if (explained.length) process.stdout.write('Why:\n');
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
      process.stdout.write(`\n── ${suite.id} ${r.scenario} (${show(r.dir)})\n`);
      for (const c of r.checks.filter((x) => x.status === 'FAILURE' || x.status === 'WARNING')) process.stdout.write(`  ${c.status} ${c.id}: ${c.errorMessage ?? c.description}\n`);
      for (const s of r.driverSteps) process.stdout.write(`  ${s}\n`);
    }
  }
  const passed = results.filter((r) => r.passed).length;
  const xfail = results.filter((r) => tolerated(r, o)).length;
  const failing = results.filter((r) => failsRun(r, o));
  process.stdout.write(
    `suite ${suite.id}: ${passed}/${results.length} scenarios passed` +
      (xfail ? `, ${xfail} known failure(s) tolerated` : '') +
      `, ${failing.length} failing (${(ms / 1000).toFixed(0)} s of scenario time)\n`,
  );
  if (failing.length) process.stdout.write(`  failing: ${failing.map((r) => `${r.scenario}${r.passed ? ' (passes; remove its known entry)' : ''}`).join(', ')}\n`);
  return failing.length === 0;
}

async function main(): Promise<void> {
  const o = options();
  const jobs: Job[] = [];
  const versions = new Map<SuiteId, string>();
  for (const suite of o.suites) {
    if (!existsSync(suite.cli)) usage(`${show(suite.cli)} is missing: ${suite.install}`);
    versions.set(suite.id, suiteVersion(suite));
    const listed = await listScenarios(suite);
    const mine = listed.filter((l) => !suite.picks || suite.picks(l));
    let names = o.scenario?.length ? [...new Set(o.scenario)].filter((n) => mine.some((l) => l.name === n)) : mine.map((l) => l.name);
    if (suite.id === '0.2' && o.specVersion) names = names.filter((n) => listed.find((l) => l.name === n)!.versions.includes(o.specVersion!));
    jobs.push(...names.map((n) => ({ suite, scenario: listed.find((l) => l.name === n)! })));
    const unmapped = mine.filter((l) => !SCENARIOS[l.name]).map((l) => l.name);
    if (unmapped.length) process.stdout.write(`suite ${suite.id}: not in scenarios.ts (generic client used): ${unmapped.join(', ')}\n`);
  }
  for (const n of o.scenario ?? []) if (!jobs.some((j) => j.scenario.name === n)) usage(`unknown scenario "${n}" in suite(s) ${o.suites.map((s) => s.id).join(', ')}`);
  mkdirSync(o.out, { recursive: true });
  process.stdout.write(
    `MCP conformance ${o.suites.map((s) => `${s.id} (${versions.get(s.id)})`).join(' and ')}: ${jobs.length} client scenario run(s) against bin/mcp-auth-bridge.js; results in ${show(o.out)}\n`,
  );

  const driver = bundleDriver();
  driverCommand = driver.command;
  const started = Date.now();
  const results = await runAll(jobs, o, (r) => {
    process.stdout.write(`  ${r.passed ? 'pass' : r.suitePassed ? 'EMPTY' : 'FAIL'}  ${r.suite} ${r.scenario} (${(r.ms / 1000).toFixed(1)} s)\n`);
  });
  const ms = Date.now() - started;
  driver.remove();

  let green = true;
  for (const suite of o.suites) {
    const mine = results.filter((r) => r.suite === suite.id);
    green = summary(suite, versions.get(suite.id)!, mine, o, mine.reduce((a, r) => a + r.ms, 0)) && green;
  }
  process.stdout.write(
    `\nPASS* = passes although listed as a known failure (remove the entry); XFAIL = a tolerated known failure; EMPTY = the suite passed it but no check succeeded (counted as a failure)\n` +
      `${results.filter((r) => r.passed).length}/${results.length} scenario runs passed in ${(ms / 1000).toFixed(0)} s. Details: ${show(o.out)}/<suite>/<scenario>/ (checks.json, stdout.txt = client steps, stderr.txt = bridge log)\n`,
  );
  if (!green) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`conformance: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
