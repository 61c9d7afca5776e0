/**
 * A process and all its descendants, read from Linux procfs: for gateways that start a child per session, the
 * memory and CPU a session costs live in the whole tree, not in the gateway's own process. Memory is summed as PSS
 * (each shared page divided among the processes that map it), so twenty children of the same `node` binary are not
 * counted as twenty copies of it; the plain RSS sum is given beside it. Everything returns undefined (or empty)
 * where procfs is not available, so the benchmark prints `n/a` instead of failing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readCpuMs } from './proc.js';

/** Memory of a process tree, in MiB. */
export interface TreeMemory {
  /** Sum of each process's proportional set size (`Pss` of smaps_rollup). */
  pssMb: number;
  /** Sum of each process's resident set size (`VmRSS`; shared pages counted once per process). */
  rssMb: number;
  /** How many processes the tree has. */
  processes: number;
  /** PSS of the root process alone. */
  rootPssMb: number;
}

function parentOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and every process below it (breadth first); empty when `root` is gone or procfs is missing. */
export function processTree(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent);
    if (list) list.push(pid);
    else children.set(parent, [pid]);
  }
  if (parentOf(root) === undefined) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

function kbField(text: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** PSS and RSS summed over the tree of `root`; undefined when nothing could be read. */
export function treeMemory(root: number): TreeMemory | undefined {
  let pssKb = 0;
  let rssKb = 0;
  let processes = 0;
  let rootKb = 0;
  for (const pid of processTree(root)) {
    try {
      const pss = kbField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
      const rss = kbField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
      if (pss === undefined || rss === undefined) continue;
      pssKb += pss;
      if (pid === root) rootKb = pss;
      rssKb += rss;
      processes++;
    } catch {
      // exited meanwhile
    }
  }
  return processes === 0 ? undefined : { pssMb: pssKb / 1024, rssMb: rssKb / 1024, processes, rootPssMb: rootKb / 1024 };
}

/** User + system CPU ms of every process now in the tree of `root` (children that exited earlier are not in it). */
export function treeCpuMs(root: number): number | undefined {
  const pids = processTree(root);
  if (pids.length === 0) return undefined;
  return pids.reduce((sum, pid) => sum + (readCpuMs(pid) ?? 0), 0);
}
