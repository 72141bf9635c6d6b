import { readdir, readFile, readlink } from "node:fs/promises";

/**
 * Finds redis-servers that run on a data directory. redis-server `chdir`s into its `--dir`, so a
 * process's cwd names the directory it owns; this works for any redis-server, including one left
 * behind by an older Archive that had no parent-death signal. Linux only (`/proc`); elsewhere the
 * list is empty and a start relies on the parent-death signal alone.
 */
export interface RedisOnDir {
  pid: number;
  /** Its parent is still a live Node process: another Archive is using the directory. */
  ownedByLiveArchive: boolean;
  parentPid: number;
}

export async function findRedisServersOnDir(dir: string): Promise<RedisOnDir[]> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  const found: RedisOnDir[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (comm.trim() !== "redis-server") continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "");
    if (cwd !== dir) continue;
    const parentPid = await parentOf(pid);
    const parentComm = parentPid > 1 ? (await readFile(`/proc/${parentPid}/comm`, "utf8").catch(() => "")).trim() : "";
    found.push({ pid, parentPid, ownedByLiveArchive: parentComm === "node" || parentComm === "MainThread" });
  }
  return found;
}

async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // "pid (comm) state ppid …" — comm may hold spaces or parentheses, so read after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[1] ?? 0);
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it holds no port and no file, so it counts as gone.
  return true;
}

async function isZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat === "" || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

/** SIGTERM (redis-server flushes its append-only file), then SIGKILL after `graceMs`. */
export async function stopOrphan(pid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid) || (await isZombie(pid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
