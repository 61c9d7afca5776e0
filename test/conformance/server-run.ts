/**
 * `npm run conformance:server [-- options]`: the official MCP conformance suites' SERVER scenarios — 0.1.x and 0.2.x
 * at each scenario's own revision, and 0.2.x again at 2026-07-28 (suites.ts) — against the conformance fixture of
 * the run's era (test/conformance/fixture/: a 2025-11-25 server, and a 2026-07-28 one) directly, and against `serve`
 * in front of it (over Streamable HTTP, and as a local stdio server of `serve --config`), with one table per suite:
 * scenario × target. Exit code 1 when the rule in server-scenarios.ts is broken, 2 on bad options.
 *
 * A scenario passes on a target when the suite records no FAILURE and no WARNING for it and at least one SUCCESS.
 *
 * Options:
 *   --suite <id>       0.1, 0.2 or 0.2@2026-07-28 (repeatable; default all three)
 *   --target <id>      direct, serve or serve-stdio (repeatable; default all three)
 *   --scenario <name>  only this scenario (repeatable)
 *   --out <dir>        where results go (default .tmp/conformance-server/<time>/): <suite>/<target>/<scenario>/checks.json,
 *                      <suite>/<target>/runner.log, serve.log
 *   --verbose          print the failed checks of every failing scenario
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { notApplicableFor, SERVE_OWN, serverKnownFor, type NotApplicable, type ServerKnownFailure } from './server-scenarios.js';
import { fixtureAbout, startTargets, TARGET_ABOUT, TARGET_IDS, type FixtureEra, type Target, type TargetId } from './server-targets.js';
import { COMPAT, ROOT, runNode, SUITES, suiteVersion, type Suite } from './suites.js';

/** The suites the server runner takes: 0.1 and 0.2 at each scenario's revision, 0.2 again at 2026-07-28. */
const SERVER_SUITES = SUITES;

/** The `--spec-version` a suite's run passes to the suite's CLI, if any. */
const specArgs = (suite: Suite): string[] => (suite.specVersion ? ['--spec-version', suite.specVersion] : []);

/** Which fixture a suite's run stands on: the 2026-07-28 one for the run at that revision, else the 2025-11-25 one. */
const eraOf = (suite: Suite): FixtureEra => (suite.specVersion === '2026-07-28' ? '2026' : '2025');

interface Check {
  id: string;
  status: string;
  description?: string;
  errorMessage?: string;
}

/** One scenario on one target. */
interface Result {
  passed: boolean;
  checks: Check[];
}

function usage(message: string): never {
  process.stderr.write(`conformance:server: ${message}\nusage: npm run conformance:server -- [--suite <0.1|0.2|0.2@2026-07-28>]... [--target <direct|serve|serve-stdio>]... [--scenario <name>]... [--out <dir>] [--verbose]\n`);
  process.exit(2);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        suite: { type: 'string', multiple: true },
        target: { type: 'string', multiple: true },
        scenario: { type: 'string', multiple: true },
        out: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    });
    for (const s of values.suite ?? []) if (!SERVER_SUITES.some((x) => x.id === s)) usage(`--suite: "${s}" is not one of ${SERVER_SUITES.map((x) => x.id).join(', ')}`);
    for (const t of values.target ?? []) if (!(TARGET_IDS as readonly string[]).includes(t)) usage(`--target: "${t}" is not one of ${TARGET_IDS.join(', ')}`);
    const suites = values.suite?.length ? SERVER_SUITES.filter((x) => values.suite!.includes(x.id)) : [...SERVER_SUITES];
    const targets = values.target?.length ? TARGET_IDS.filter((t) => values.target!.includes(t)) : [...TARGET_IDS];
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return { suites, targets, scenarios: values.scenario ?? [], verbose: values.verbose, out: values.out ?? join(ROOT, '.tmp/conformance-server', stamp) };
  } catch (error) {
    usage((error as Error).message);
  }
}
type Options = ReturnType<typeof options>;

/** The suite's server scenarios, in its order (`conformance list --server`). */
async function listServerScenarios(suite: Suite): Promise<string[]> {
  const { code, output } = await runNode(['--import', COMPAT, suite.cli, 'list', '--server', ...specArgs(suite)], { limitMs: 20_000 });
  const names = [...output.matchAll(/^\s+-\s+(\S+)/gm)].map((m) => m[1]!);
  if (code !== 0 || names.length === 0) throw new Error(`could not list the ${suite.id} suite's server scenarios:\n${output}`);
  return names;
}

/**
 * Runs the suite's scenarios against one target: one `conformance server --url … --suite all` (or one per
 * `--scenario`), then reads each scenario's `server-<name>-<time>/checks.json`.
 */
async function runSuite(suite: Suite, target: Target, names: string[], o: Options): Promise<Map<string, Result>> {
  const dir = join(o.out, suite.id, target.id);
  mkdirSync(dir, { recursive: true });
  const picks = o.scenarios.length ? names.map((n) => ['--scenario', n]) : [['--suite', 'all']];
  const log: string[] = [];
  for (const pick of picks) {
    const { output } = await runNode(['--import', COMPAT, suite.cli, 'server', '--url', target.url, ...pick, ...specArgs(suite), '-o', dir], { limitMs: 10 * 60_000 });
    log.push(output);
  }
  writeFileSync(join(dir, 'runner.log'), log.join('\n'));
  const results = new Map<string, Result>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const name = names.find((n) => entry.name.startsWith(`server-${n}-`) && /^\d{4}-/.test(entry.name.slice(`server-${n}-`.length)));
    if (!name) continue;
    const file = join(dir, entry.name, 'checks.json');
    const checks = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Check[]) : [];
    const bad = checks.some((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    results.set(name, { passed: !bad && checks.some((c) => c.status === 'SUCCESS'), checks });
  }
  return results;
}

function show(path: string): string {
  const rel = relative(ROOT, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function counts(r: Result | undefined): string {
  if (!r) return '—';
  const n = (st: string) => r.checks.filter((c) => c.status === st).length;
  return `${n('SUCCESS')}/${n('FAILURE')}/${n('WARNING')}`;
}

/** What a serve target's result means for the run. */
function judge(name: string, direct: Result | undefined, r: Result | undefined, known: ServerKnownFailure | undefined, na: NotApplicable | undefined): { cell: string; fails: boolean } {
  if (!r) return { cell: 'MISSING', fails: true };
  if (na && !r.passed) return { cell: 'n/a', fails: false };
  const owed = SERVE_OWN.has(name) || direct?.passed === true;
  if (r.passed) return { cell: known ? 'PASS*' : 'pass', fails: false };
  if (known) return { cell: 'XFAIL', fails: known.kind !== 'suite defect' };
  if (!owed) return { cell: direct ? 'fail (as direct)' : 'fail', fails: false };
  return { cell: 'FAIL', fails: true };
}

function summary(suite: Suite, names: string[], byTarget: Map<TargetId, Map<string, Result>>, o: Options): boolean {
  const serveTargets = o.targets.filter((t) => t !== 'direct');
  const rows = [['scenario', ...o.targets.map((t) => `${t} (ok/fail/warn)`)]];
  const why: string[] = [];
  let failing = 0;
  let owedCount = 0;
  for (const name of names) {
    const direct = byTarget.get('direct')?.get(name);
    const row = [SERVE_OWN.has(name) ? `${name} (serve's own)` : name];
    for (const t of o.targets) {
      const r = byTarget.get(t)?.get(name);
      if (t === 'direct') {
        row.push(`${r?.passed ? 'pass' : r ? 'fail' : '—'} ${counts(r)}`);
        continue;
      }
      const known = serverKnownFor(name, suite.id, t);
      const na = notApplicableFor(name, suite.id, t);
      const j = judge(name, direct, r, known, na);
      if ((SERVE_OWN.has(name) || direct?.passed) && !(na && !r?.passed)) owedCount++;
      if (na && !r?.passed) why.push(`- ${name} on ${t}: [n/a] ${na.why}`);
      if (j.fails) failing++;
      row.push(`${j.cell} ${counts(r)}`);
      if (known && !r?.passed) why.push(`- ${name} on ${t}: [known ${known.kind}] ${known.why}`);
      if (j.fails) {
        const first = r?.checks.find((c) => c.status === 'FAILURE' || c.status === 'WARNING');
        why.push(`- ${name} on ${t}: ${first ? `${first.status} ${first.id}: ${first.errorMessage ?? first.description ?? ''}` : 'no check succeeded'}`.slice(0, 300));
      }
    }
    rows.push(row);
  }
  process.stdout.write(`\n── suite ${suite.id} (${suiteVersion(suite)}${suite.specVersion ? `, every scenario at ${suite.specVersion}` : ''}): server scenarios, against ${fixtureAbout(eraOf(suite))}\n${table(rows)}\n`);
  if (why.length) process.stdout.write(`Why:\n${why.join('\n')}\n`);
  if (o.verbose) {
    for (const t of o.targets) {
      for (const name of names) {
        const r = byTarget.get(t)?.get(name);
        if (!r || r.passed) continue;
        process.stdout.write(`\n  ${suite.id} ${t} ${name}:\n`);
        for (const c of r.checks.filter((x) => x.status === 'FAILURE' || x.status === 'WARNING')) process.stdout.write(`    ${c.status} ${c.id}: ${c.errorMessage ?? c.description ?? ''}\n`);
      }
    }
  }
  const directPass = [...(byTarget.get('direct')?.values() ?? [])].filter((r) => r.passed).length;
  process.stdout.write(
    `suite ${suite.id}: ${byTarget.has('direct') ? `${directPass}/${names.length} pass directly; ` : ''}` +
      `${serveTargets.length ? `${owedCount} owed result(s) through serve, ${failing} failing` : 'no serve target'}\n`,
  );
  return failing === 0;
}

async function main(): Promise<void> {
  const o = options();
  mkdirSync(o.out, { recursive: true });
  const lists = new Map<Suite, string[]>();
  for (const suite of o.suites) {
    if (!existsSync(suite.cli)) usage(`${show(suite.cli)} is missing: ${suite.install}`);
    let names = await listServerScenarios(suite);
    if (o.scenarios.length) names = names.filter((n) => o.scenarios.includes(n));
    lists.set(suite, names);
  }
  for (const n of o.scenarios) if (![...lists.values()].some((l) => l.includes(n))) usage(`unknown server scenario "${n}"`);

  const serveLog: string[] = [];
  const started = Date.now();
  process.stdout.write(`MCP conformance, server scenarios: suites ${o.suites.map((s) => `${s.id} (${suiteVersion(s)})`).join(', ')}; results in ${show(o.out)}\n`);
  let green = true;
  try {
    // One set of targets per fixture era, started for the suites that stand on it and stopped after them.
    for (const era of ['2025', '2026'] as const) {
      const suites = o.suites.filter((s) => eraOf(s) === era && lists.get(s)!.length > 0);
      if (!suites.length) continue;
      serveLog.push(`\n==== targets on ${fixtureAbout(era)} ====\n`);
      const { targets, stop } = await startTargets(o.targets, serveLog, era);
      process.stdout.write(`targets on ${fixtureAbout(era)}:\n`);
      for (const t of targets) process.stdout.write(`  ${t.id}: ${TARGET_ABOUT[t.id]} (${t.url})\n`);
      try {
        for (const suite of suites) {
          const names = lists.get(suite)!;
          const byTarget = new Map<TargetId, Map<string, Result>>();
          for (const t of targets) {
            byTarget.set(t.id, await runSuite(suite, t, names, o));
            process.stdout.write(`  ran ${suite.id} against ${t.id}\n`);
          }
          green = summary(suite, names, byTarget, o) && green;
        }
      } finally {
        await stop();
      }
    }
  } finally {
    writeFileSync(join(o.out, 'serve.log'), serveLog.join(''));
  }
  process.stdout.write(
    `\npass* = passes although listed as known (remove the entry); XFAIL = a known failure (server-scenarios.ts); "fail (as direct)" = fails against the fixture directly too (not owed); n/a = cannot apply to that target (server-scenarios.ts, SERVER_NOT_APPLICABLE)\n` +
      `${((Date.now() - started) / 1000).toFixed(0)} s. Details: ${show(o.out)}/<suite>/<target>/ (checks.json per scenario, runner.log), serve.log\n`,
  );
  if (!green) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`conformance:server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
