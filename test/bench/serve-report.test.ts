/**
 * The serve bench report marks serve's figures against issue 11's targets: a regression must show as ✗, a figure
 * that could not be measured must not show as ✓, and memory per idle session is the tree's growth over its own
 * baseline, divided by the sessions. Pure: the results are made up here, nothing is timed.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from './gateways.js';
import type { GatewayLoad, ServeResults } from './serve.js';
import { perSessionMb, renderServeReport, serveNotes, serveRows } from './serve-report.js';

const tree = (pssMb: number, processes: number) => ({ pssMb, rssMb: pssMb * 2, processes, rootPssMb: pssMb / 4 });

/** A gateway whose tree grows by `perSession` MB PSS and one process per session, serving `tput` calls/s. */
function load(perSession: number, tput: number): GatewayLoad {
  return {
    baseline: tree(40, 2),
    idle: [
      { sessions: 32, tree: tree(40 + 32 * perSession, 2 + 32) },
      { sessions: 256, tree: tree(40 + 256 * perSession, 2 + 256) },
    ],
    throughput: [
      [tput, tput],
      [tput, tput],
    ],
    cpuUsPerCall: [
      { own: 300, tree: 500 },
      { own: 320, tree: 700 },
    ],
  };
}

/** Results where serve meets every target; `patch` changes some. */
function results(patch: Partial<ServeResults> = {}): ServeResults {
  return {
    sessions: [32, 256],
    sequentialMs: { direct: [0.2, 0.2, 0.2], floor: [0.5, 0.5, 0.5], relay: [0.55, 0.55, 0.55], serve: [0.6, 0.6, 0.6], supergateway: [1.5, 1.5, 1.5], 'mcp-proxy': [2, 2, 2] },
    sequentialCpuMs: { direct: 0.3, floor: 0.6, relay: 0.8, serve: 1, supergateway: 2, 'mcp-proxy': 3 },
    sequentialCalls: 3,
    load: { serve: load(20, 900), supergateway: load(30, 600), 'mcp-proxy': load(25, 500) },
    servePid: 1,
    loadOrder: ['serve', 'supergateway', 'mcp-proxy'],
    tails: { serve: '', supergateway: '', 'mcp-proxy': '' },
    ...patch,
  };
}

/** The ✓ (true), ✗ (false) or no mark (undefined) of every row whose metric starts with `prefix`. */
function marks(r: ServeResults, prefix: string): Array<boolean | undefined> {
  return serveRows(r)
    .filter((row) => row.metric.trim().startsWith(prefix))
    .map((row) => row.ok);
}

const withLoad = (g: Gateway, l: GatewayLoad) => results({ load: { ...results().load, [g]: l } });

describe('the serve bench report', () => {
  it('meets every target with figures like a healthy serve', () => {
    expect(serveRows(results()).filter((row) => row.ok === false)).toEqual([]);
    expect(renderServeReport(results(), 'heading')).toMatch(/all serve targets met$/);
  });

  it('counts memory per idle session as the tree over its baseline, divided by the sessions', () => {
    expect(perSessionMb(results(), 'serve', 0, 'pssMb')).toBeCloseTo(20);
    expect(perSessionMb(results(), 'serve', 1, 'rssMb')).toBeCloseTo(40);
  });

  it('marks a per-call overhead above 0.5 ms at p50 over the server straight over stdio ✗', () => {
    const r = results({ sequentialMs: { ...results().sequentialMs, serve: [0.75, 0.75, 0.75] } });
    expect(marks(r, 'per-call overhead')).toEqual([false]);
    expect(renderServeReport(r, 'heading')).toMatch(/serve targets missed: 1 /);
  });

  it('marks throughput behind either peer ✗ at that session count', () => {
    const slow = load(20, 900);
    slow.throughput[1] = [550, 560];
    expect(marks(withLoad('serve', slow), 'throughput')).toEqual([true, false]);
  });

  it('marks memory per idle session above either peer ✗', () => {
    expect(marks(withLoad('serve', load(26, 900)), 'memory per idle session')).toEqual([false, false]);
  });

  it('does not mark memory it could not read (no procfs, or a gateway gone) ✓', () => {
    const unread = { ...load(20, 900), baseline: undefined };
    expect(marks(withLoad('serve', unread), 'memory per idle session')).toEqual([undefined, undefined]);
    const peerUnread = { ...load(30, 600), idle: [{ sessions: 32, tree: undefined }, { sessions: 256, tree: undefined }] };
    expect(marks(withLoad('supergateway', peerUnread), 'memory per idle session')).toEqual([undefined, undefined]);
  });

  it('says which gateway shares one stdio server among all sessions (no process per session), so that its memory is read as such', () => {
    const shared = load(0.5, 1_000);
    shared.idle = shared.idle.map((i) => ({ ...i, tree: { ...i.tree!, processes: 2 } }));
    const notes = serveNotes(withLoad('mcp-proxy', shared)).join('\n');
    expect(notes).toMatch(/^mcp-proxy: ONE stdio server for every session/m);
    expect(notes).toMatch(/^serve, supergateway: a stdio server of its own per session/m);
  });

  it('reports serve with "sessions": "shared" per session count, and says whether its memory is below both peers', () => {
    expect(serveNotes(results()).join('\n')).not.toContain('serve, shared');
    const lines = serveNotes(results({ shared: load(0.25, 950) })).filter((l) => l.startsWith('serve, shared'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/32 sessions: memory per idle session 0\.25 MB PSS \(below both peers; serve's own process 0\.06\), 0\.50 MB RSS .*throughput 950 calls\/s$/);
    expect(lines[2]).toBe('serve, shared, from 32 to 256 sessions: 0.250 MB PSS per added session (below both peers: supergateway 30.000, mcp-proxy 25.000)');
    const heavy = serveNotes(results({ shared: load(26, 950) })).find((l) => l.startsWith('serve, shared'));
    expect(heavy).toContain('NOT below both peers');
  });
});
