/**
 * Turns the serve measurements (serve.ts) into the printed report: one table with a column per path (straight to
 * the stdio server, serve, supergateway, mcp-proxy), the targets of issue 11 marked ✓/✗ on serve's figures, then
 * notes that help read it.
 */
import { GATEWAYS, type Gateway } from './gateways.js';
import type { GatewayLoad, ServePath, ServeResults } from './serve.js';
import { fmt, median, percentile } from './stats.js';

/** The targets of issue 11 for serve. */
export const SERVE_TARGET = {
  /** p50 of an echo call through serve, at most this much above the same call straight over stdio. */
  overheadMs: 0.5,
} as const;

/** One row: a cell per path, serve's target and its mark (undefined: informational). */
export interface ServeRow {
  metric: string;
  cells: Record<ServePath, string>;
  target: string;
  ok: boolean | undefined;
}

const HEADER = ['metric', 'direct (stdio)', 'HTTP floor', 'stdio relay', 'serve', 'supergateway', 'mcp-proxy', 'target (serve)', ''] as const;

const cellsOf = (value: (path: ServePath) => string): Record<ServePath, string> => ({
  direct: value('direct'),
  floor: value('floor'),
  relay: value('relay'),
  serve: value('serve'),
  supergateway: value('supergateway'),
  'mcp-proxy': value('mcp-proxy'),
});

const PEERS = GATEWAYS.filter((g) => g !== 'serve');

/** Whether serve's `value` beats every peer's (higher or lower is better); undefined when any is not a number. */
function ahead(value: (g: Gateway) => number, better: 'higher' | 'lower'): boolean | undefined {
  const mine = value('serve');
  const theirs = PEERS.map(value);
  if (![mine, ...theirs].every(Number.isFinite)) return undefined;
  return theirs.every((t) => (better === 'higher' ? mine > t : mine < t));
}

/** Memory per idle session of gateway `g` at its `i`-th session count, MB (`field` of the tree). */
export function perSessionMb(r: ServeResults, g: Gateway, i: number, field: 'pssMb' | 'rssMb' | 'rootPssMb'): number {
  return loadPerSessionMb(r.load[g], i, field);
}

/** Memory per idle session of one load phase at its `i`-th session count, MB (`field` of the tree). */
function loadPerSessionMb(load: GatewayLoad, i: number, field: 'pssMb' | 'rssMb' | 'rootPssMb'): number {
  const idle = load.idle[i];
  if (!load.baseline || !idle?.tree) return Number.NaN;
  return (idle.tree[field] - load.baseline[field]) / idle.sessions;
}

/** Processes the tree of gateway `g` gained per session at its largest session count; NaN when unread. */
export function processesPerSession(r: ServeResults, g: Gateway): number {
  const load = r.load[g];
  const idle = load.idle[load.idle.length - 1];
  return load.baseline && idle?.tree ? (idle.tree.processes - load.baseline.processes) / idle.sessions : Number.NaN;
}

/** Whether `path` is a gateway (not the baseline nor a reference). */
const isGateway = (path: ServePath): path is Gateway => (GATEWAYS as readonly string[]).includes(path);

/** The report's table rows. */
export function serveRows(r: ServeResults): ServeRow[] {
  const rows: ServeRow[] = [];
  const p = (path: ServePath, q: number) => percentile(r.sequentialMs[path], q);
  for (const q of [50, 90]) {
    rows.push({ metric: `echo latency p${q}, ms (one session, n=${r.sequentialMs.serve.length})`, cells: cellsOf((path) => fmt(p(path, q), 3)), target: '', ok: undefined });
  }
  const overhead = (path: ServePath) => p(path, 50) - p('direct', 50);
  const serveOverhead = overhead('serve');
  rows.push({
    metric: 'per-call overhead (p50 − direct p50), ms',
    cells: cellsOf((path) => (path === 'direct' ? '' : fmt(overhead(path), 3))),
    target: `≤ ${SERVE_TARGET.overheadMs} ms`,
    ok: Number.isFinite(serveOverhead) ? serveOverhead <= SERVE_TARGET.overheadMs : undefined,
  });
  const overFloor = (path: ServePath) => p(path, 50) - p('floor', 50);
  rows.push({
    metric: '  the same over the HTTP floor (p50 − floor p50), ms',
    cells: cellsOf((path) => (path === 'direct' || path === 'floor' ? '' : fmt(overFloor(path), 3))),
    target: '',
    ok: undefined,
  });
  // A gateway's path is one HTTP exchange (the floor) plus one stdio exchange (direct) plus the gateway's own work.
  const own = (path: ServePath) => p(path, 50) - p('floor', 50) - p('direct', 50);
  rows.push({
    metric: "  the gateway's own part (p50 − floor p50 − direct p50), ms",
    cells: cellsOf((path) => (path === 'direct' || path === 'floor' ? '' : fmt(own(path), 3))),
    target: `(≤ ${SERVE_TARGET.overheadMs} ms)`,
    ok: undefined,
  });
  // The relay does the least an HTTP gateway to a stdio server can: what a gateway adds above it is its own work.
  const overRelay = (path: ServePath) => p(path, 50) - p('relay', 50);
  rows.push({
    metric: '  the same over the stdio relay (p50 − relay p50), ms',
    cells: cellsOf((path) => (isGateway(path) ? fmt(overRelay(path), 3) : '')),
    target: '',
    ok: undefined,
  });
  const cpu = (path: ServePath) => (r.sequentialCalls ? (1000 * r.sequentialCpuMs[path]) / r.sequentialCalls : Number.NaN);
  rows.push({ metric: 'CPU µs/call: the process tree (direct: the server alone)', cells: cellsOf((path) => fmt(cpu(path), 0)), target: '', ok: undefined });

  r.sessions.forEach((n, i) => {
    const tput = (g: Gateway) => median(r.load[g].throughput[i] ?? []);
    rows.push({
      metric: `throughput, calls/s, ${n} sessions at once (median of ${r.load.serve.throughput[i]?.length ?? 0})`,
      cells: cellsOf((path) => (isGateway(path) ? fmt(tput(path), 0) : '')),
      target: 'ahead of both',
      ok: ahead(tput, 'higher'),
    });
  });
  r.sessions.forEach((n, i) => {
    const cell = (g: Gateway) => {
      const c = r.load[g].cpuUsPerCall[i];
      return c ? `${fmt(c.own, 0)} / ${fmt(c.tree, 0)}` : 'n/a';
    };
    rows.push({
      metric: `  CPU µs/call at ${n} sessions: gateway process / whole tree`,
      cells: cellsOf((path) => (isGateway(path) ? cell(path) : '')),
      target: '',
      ok: undefined,
    });
  });
  r.sessions.forEach((n, i) => {
    const pss = (g: Gateway) => perSessionMb(r, g, i, 'pssMb');
    rows.push({
      metric: `memory per idle session, MB PSS (tree − baseline) / ${n}`,
      cells: cellsOf((path) => (isGateway(path) ? fmt(pss(path), 2) : '')),
      target: 'below both',
      ok: ahead(pss, 'lower'),
    });
  });
  r.sessions.forEach((n, i) => {
    rows.push({
      metric: `  of which the gateway's own process, MB PSS / ${n}`,
      cells: cellsOf((path) => (isGateway(path) ? fmt(perSessionMb(r, path, i, 'rootPssMb'), 2) : '')),
      target: '',
      ok: undefined,
    });
  });
  r.sessions.forEach((n, i) => {
    rows.push({
      metric: `  the same in RSS summed over the tree / ${n}`,
      cells: cellsOf((path) => (isGateway(path) ? fmt(perSessionMb(r, path, i, 'rssMb'), 2) : '')),
      target: '',
      ok: undefined,
    });
  });
  const last = r.sessions.length - 1;
  rows.push({
    metric: `processes per session (${r.sessions[last]} sessions)`,
    cells: cellsOf((path) => (isGateway(path) ? fmt(processesPerSession(r, path), 2) : '')),
    target: '',
    ok: undefined,
  });
  rows.push({
    metric: 'tree before any session: MB PSS (processes)',
    cells: cellsOf((path) => {
      if (!isGateway(path)) return '';
      const b = r.load[path].baseline;
      return b ? `${fmt(b.pssMb, 1)} (${b.processes})` : 'n/a';
    }),
    target: '',
    ok: undefined,
  });
  return rows;
}

/** Renders rows as an aligned text table. */
export function renderServeTable(rows: readonly ServeRow[]): string {
  const cells = rows.map((r) => [r.metric, r.cells.direct, r.cells.floor, r.cells.relay, r.cells.serve, r.cells.supergateway, r.cells['mcp-proxy'], r.target, r.ok === undefined ? '' : r.ok ? '✓' : '✗']);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((text, i) => (i === 0 || i === 7 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Lines under the table. */
export function serveNotes(r: ServeResults): string[] {
  const out = [
    'every path reaches the same stdio server (test/fixtures/stdio/mcp-server.mjs, the SDK McpServer); the client is the SDK 1.x client over Streamable HTTP (direct: over stdio)',
    'HTTP floor: a bare node:http process answering the calls itself, no stdio server behind it (http-floor-server.mjs): what the client and one loopback HTTP exchange cost; no gateway can go under it. The overhead over direct stdio is at least the floor\'s own (its column): a gateway adds an HTTP exchange to the stdio one',
    'stdio relay: a bare node:http process relaying each message to its own stdio server and each answer back as it came, no checks, limits, streams or timers (stdio-relay-server.mjs): what one HTTP exchange plus one stdio exchange cost in Node; a gateway\'s work of its own is what it costs above it',
    'serve: `serve --config` with the server as a local entry, its /servers/echo/mcp endpoint; supergateway: --stateful; mcp-proxy: --server stream; defaults otherwise',
    'memory: PSS counts a page shared by n processes as 1/n in each (the node binary, shared libraries), so the sum over a tree is what it costs; RSS summed over a tree counts shared pages once per process',
    `throughput and memory run one gateway at a time (this run: ${r.loadOrder.join(', ')}); the latency blocks interleave all six paths`,
  ];
  const shared = GATEWAYS.filter((g) => processesPerSession(r, g) < 0.5);
  const own = GATEWAYS.filter((g) => processesPerSession(r, g) >= 0.5);
  if (own.length) out.push(`${own.join(', ')}: a stdio server of its own per session (with whatever starts it: supergateway runs it through a shell), so the sessions cannot mix`);
  if (shared.length) {
    out.push(`${shared.join(', ')}: ONE stdio server for every session (no process per session): their memory per session is the gateway's alone, and every session's requests, notifications and server requests meet in one server session — the sessions mix (one initialize, one logging level, one set of subscriptions)`);
  }
  out.push(...sharedNotes(r));
  for (const g of GATEWAYS) {
    const tail = r.tails[g].trim();
    if (g === 'serve' && tail) out.push(`serve (--silent) wrote: ${tail.split('\n').slice(-3).join(' | ').slice(0, 300)}`);
  }
  return out;
}

/**
 * The lines of serve with `"sessions": "shared"` (part 3 of serve.ts): memory per idle session (PSS, and RSS summed
 * over the tree) and throughput at each session count, and whether its memory is below both peers'.
 */
export function sharedNotes(r: ServeResults): string[] {
  const shared = r.shared;
  if (!shared) return [];
  const verdict = (mine: number, peers: number[]) =>
    [mine, ...peers].every(Number.isFinite) ? (peers.every((p) => mine < p) ? 'below both peers' : 'NOT below both peers') : 'not comparable';
  const lines = r.sessions.map((n, i) => {
    const pss = loadPerSessionMb(shared, i, 'pssMb');
    const below = verdict(pss, PEERS.map((g) => perSessionMb(r, g, i, 'pssMb')));
    const tput = median(shared.throughput[i] ?? []);
    return `serve, shared ("sessions": "shared", one process for all sessions of a user, kept apart by serve), ${n} sessions: memory per idle session ${fmt(pss, 2)} MB PSS (${below}; serve's own process ${fmt(loadPerSessionMb(shared, i, 'rootPssMb'), 2)}), ${fmt(loadPerSessionMb(shared, i, 'rssMb'), 2)} MB RSS summed over the tree; throughput ${fmt(tput, 0)} calls/s`;
  });
  // The user's one process starts with their first session (the peer that shares has its process before any):
  // the growth between two session counts is what each further session costs, that process left out.
  for (let i = 1; i < r.sessions.length; i++) {
    const mine = addedPerSessionMb(shared, i);
    const peers = PEERS.map((g) => addedPerSessionMb(r.load[g], i));
    lines.push(
      `serve, shared, from ${r.sessions[i - 1]} to ${r.sessions[i]} sessions: ${fmt(mine, 3)} MB PSS per added session (${verdict(mine, peers)}: ${PEERS.map((g, k) => `${g} ${fmt(peers[k]!, 3)}`).join(', ')})`,
    );
  }
  return lines;
}

/** MB PSS the tree grew by per session between the `i − 1`-th and the `i`-th session count of one load phase. */
function addedPerSessionMb(load: GatewayLoad, i: number): number {
  const [before, after] = [load.idle[i - 1], load.idle[i]];
  if (!before?.tree || !after?.tree || after.sessions === before.sessions) return Number.NaN;
  return (after.tree.pssMb - before.tree.pssMb) / (after.sessions - before.sessions);
}

/** The serve part of the report: heading, table, notes and its verdict line. */
export function renderServeReport(r: ServeResults, heading: string): string {
  const rows = serveRows(r);
  const missed = rows.filter((row) => row.ok === false).map((row) => row.metric.trim());
  return [
    '',
    heading,
    '',
    renderServeTable(rows),
    '',
    ...serveNotes(r).map((n) => `  ${n}`),
    '',
    missed.length ? `serve targets missed: ${missed.length} (${missed.join('; ')})` : 'all serve targets met',
  ].join('\n');
}
