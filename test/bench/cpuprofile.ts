/**
 * Summarises a V8 `.cpuprofile` (as written by `node --cpu-prof`) of the bridge: top functions by self time and
 * by inclusive time, and self time per source file and per area (bridge source, SDK, zod, Node's fetch, …).
 * Frames in the bundle (dist/*.js) are mapped back to their original files through the bundle's source map.
 *
 * Run on its own: `node --import tsx test/bench/cpuprofile.ts <file.cpuprofile> [top]`, or with
 * `--callers <function name> [depth]` for the call paths (self time of the function, by the `depth` frames above
 * it) that lead to one function.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame comes from, after source mapping. */
interface Origin {
  /** Function name (or a V8 pseudo-frame such as `(garbage collector)`). */
  name: string;
  /** Source file relative to the repo (or a node: / internal url). */
  file: string;
  line: number;
}

const sourceMaps = new Map<string, SourceMap | null>();

function sourceMapFor(url: string): SourceMap | null {
  let map = sourceMaps.get(url);
  if (map !== undefined) return map;
  map = null;
  try {
    const path = fileURLToPath(url);
    if (existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
  } catch {
    map = null;
  }
  sourceMaps.set(url, map);
  return map;
}

function shortFile(file: string): string {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return file.slice(nm + 'node_modules/'.length);
  const src = file.search(/(^|\/)(src|test)\//);
  if (src >= 0) return file.slice(src + (file[src] === '/' ? 1 : 0));
  return file.replace(/^file:\/\//, '');
}

function originOf(frame: CallFrame): Origin {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return { name, file: name.startsWith('(') ? '' : '(native)', line: 0 };
  if (frame.url.startsWith('file://') && /\/dist\/[^/]+\.js$/.test(frame.url)) {
    const entry = sourceMapFor(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) as
      | { originalSource?: string; originalLine?: number; name?: string }
      | undefined;
    if (entry?.originalSource) {
      return { name, file: shortFile(entry.originalSource), line: (entry.originalLine ?? 0) + 1 };
    }
  }
  return { name, file: shortFile(frame.url), line: frame.lineNumber + 1 };
}

/** The area a file belongs to, for the coarse breakdown. */
function areaOf(origin: Origin): string {
  const f = origin.file;
  if (!f) return origin.name; // (garbage collector), (program), (idle), (root)
  if (f.startsWith('src/')) return `bridge ${f.split('/').slice(0, 2).join('/')}`;
  if (f.startsWith('@modelcontextprotocol/sdk/')) return 'MCP SDK';
  if (f.startsWith('zod')) return 'zod (SDK schema validation)';
  if (f.startsWith('eventsource-parser')) return 'eventsource-parser (SDK SSE)';
  if (f.includes('undici')) return 'undici (fetch)';
  if (f.startsWith('node:internal/deps/undici') || f.includes('internal/deps/undici')) return 'undici (fetch)';
  if (f.startsWith('node:internal/webstreams') || f.includes('webstreams')) return 'node web streams';
  if (f.startsWith('node:internal/streams') || f.includes('internal/streams')) return 'node streams';
  if (f.startsWith('node:')) return `node ${f.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  if (f === '(native)') return 'native builtins';
  return f.split('/')[0]!;
}

/** Options for {@link summariseProfile}. */
export interface SummaryOptions {
  /** Rows per list. Default 25. */
  top?: number;
}

interface Loaded {
  profile: CpuProfile;
  parent: Map<number, number>;
  originOfNode(id: number): { key: string; origin: Origin };
}

function load(path: string): Loaded {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const originCache = new Map<number, { key: string; origin: Origin }>();
  const originOfNode = (id: number) => {
    let o = originCache.get(id);
    if (!o) {
      const origin = originOf(byId.get(id)!.callFrame);
      o = { key: `${origin.name} ${origin.file}:${origin.line}`, origin };
      originCache.set(id, o);
    }
    return o;
  };
  return { profile, parent, originOfNode };
}

const frameText = (o: Origin) => `${o.name}${o.file ? ` (${o.file}${o.line ? `:${o.line}` : ''})` : ''}`;

/** Self time of every function named `name`, grouped by the `depth` frames that called it. */
export function callersOf(path: string, name: string, depth = 6, top = 10): string {
  const { profile, parent, originOfNode } = load(path);
  const paths = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    if (originOfNode(id).origin.name !== name) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    total += us;
    const frames: string[] = [];
    for (let at = parent.get(id); at !== undefined && frames.length < depth; at = parent.get(at)) {
      const o = originOfNode(at).origin;
      if (o.name === '(root)') break;
      frames.push(frameText(o));
    }
    const key = frames.join('\n      ← ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  }
  const lines = [`${name}: ${(total / 1000).toFixed(1)} ms self in total; by caller path:`];
  for (const [key, us] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${(us / 1000).toFixed(1).padStart(8)} ms  ← ${key}`);
  }
  return lines.join('\n');
}

/** Reads `path` and returns the text summary. */
export function summariseProfile(path: string, options: SummaryOptions = {}): string {
  const top = options.top ?? 25;
  const { profile, parent, originOfNode } = load(path);

  const self = new Map<string, { origin: Origin; us: number }>();
  const inclusive = new Map<string, { origin: Origin; us: number }>();
  const perFile = new Map<string, number>();
  const perArea = new Map<string, number>();
  let total = 0;
  let idle = 0;
  // timeDeltas[i] is the time before sample i; attribute each sample the delta that follows it (as DevTools does).
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    const { key, origin } = originOfNode(id);
    if (origin.name === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const s = self.get(key) ?? { origin, us: 0 };
    s.us += us;
    self.set(key, s);
    const fileKey = origin.file || origin.name;
    perFile.set(fileKey, (perFile.get(fileKey) ?? 0) + us);
    const area = areaOf(origin);
    perArea.set(area, (perArea.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const o = originOfNode(at);
      if (seen.has(o.key) || o.origin.name === '(root)') continue;
      seen.add(o.key);
      const inc = inclusive.get(o.key) ?? { origin: o.origin, us: 0 };
      inc.us += us;
      inclusive.set(o.key, inc);
    }
  }

  const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);
  const pct = (us: number) => `${((100 * us) / (total || 1)).toFixed(1).padStart(5)} %`;
  const where = (o: Origin) => (o.file ? `${o.file}${o.line ? `:${o.line}` : ''}` : '');
  const lines: string[] = [];
  const wall = (profile.endTime - profile.startTime) / 1000;
  lines.push(`profile ${path}`);
  lines.push(`wall ${wall.toFixed(0)} ms, busy (non-idle) ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
  lines.push('', 'self time by area:');
  for (const [area, us] of [...perArea].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(us)} ms ${pct(us)}  ${area}`);
  lines.push('', 'self time by source file:');
  for (const [file, us] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${ms(us)} ms ${pct(us)}  ${file}`);
  lines.push('', 'top functions by self time:');
  for (const { origin, us } of [...self.values()].sort((a, b) => b.us - a.us).slice(0, top)) {
    lines.push(`  ${ms(us)} ms ${pct(us)}  ${origin.name}  ${where(origin)}`);
  }
  lines.push('', 'top bridge-source (src/) functions by inclusive time:');
  const ours = [...inclusive.values()].filter((e) => e.origin.file.startsWith('src/'));
  for (const { origin, us } of ours.sort((a, b) => b.us - a.us).slice(0, top)) {
    lines.push(`  ${ms(us)} ms ${pct(us)}  ${origin.name}  ${where(origin)}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top, name, depth] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx test/bench/cpuprofile.ts <file.cpuprofile> [top | --callers <function> [depth]]\n');
    process.exitCode = 2;
  } else if (top === '--callers' && name) {
    process.stdout.write(`${callersOf(file, name, depth ? Number(depth) : undefined)}\n`);
  } else {
    process.stdout.write(`${summariseProfile(file, { top: top ? Number(top) : undefined })}\n`);
  }
}
