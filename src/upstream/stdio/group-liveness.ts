/**
 * Whether a process group still has a running process. `kill(-pgid, 0)` answers whether the group exists, but a
 * process that exited and whose parent is gone stays a zombie in the group until the system reaps it, which on
 * some machines (containers, micro-VMs whose init reaps late) takes seconds; a zombie needs no signal. On Linux the
 * group's members are read from /proc and zombies are not counted; elsewhere every member counts.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Whether any process of the group `pgid` is still running (see the module comment). */
export function groupRunning(pgid: number): boolean {
  if (!groupExists(pgid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    return runningMemberOnLinux(pgid);
  } catch {
    return true; // /proc unreadable: count the group as running
  }
}

/** Whether the group `pgid` has any member, zombies included. */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runningMemberOnLinux(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 0x30 || entry.charCodeAt(0) > 0x39) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}
