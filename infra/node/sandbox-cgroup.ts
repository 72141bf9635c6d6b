import { access, mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Per-run control groups, when `/sys/fs/cgroup` is writable (root on a host or a privileged
 * container): a memory limit the kernel enforces on everything the run does (tmpfs writes
 * included), a pids limit that stops a fork bomb, one CPU's worth of time, and — unlike rlimits —
 * a reliable record of whether the memory limit was hit. v1 (one hierarchy per controller) and v2
 * (unified) are both handled; anything that cannot be written means "no cgroups", never a failure.
 */
export interface RunLimits {
  memoryBytes: number;
  pids: number;
}

export interface RunCgroup {
  /** `cgroup.procs` files the run's first process joins before it execs the sandbox. */
  readonly procsFiles: readonly string[];
  /** Whether the run hit its memory limit (an OOM kill or a refused charge). */
  memoryExceeded(): Promise<boolean>;
  /** Kills whatever is still inside, then removes the groups. */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  readonly version: "v1" | "v2";
  readonly limitsMemory: boolean;
  create(runId: string, limits: RunLimits): Promise<RunCgroup>;
}

const groupName = "archive-sandbox";
const cpuPeriod = 100_000;

const exists = (path: string) => access(path).then(() => true, () => false);
const tryWrite = (path: string, value: string) => writeFile(path, value).then(() => true, () => false);
const counter = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? 0);

export async function detectCgroups(root = "/sys/fs/cgroup"): Promise<CgroupManager | undefined> {
  if (await exists(join(root, "cgroup.controllers"))) return detectV2(root);
  if (await exists(join(root, "memory"))) return detectV1(root);
  return undefined;
}

async function detectV1(root: string): Promise<CgroupManager | undefined> {
  const parents: Record<string, string> = {};
  for (const controller of ["memory", "pids", "cpu"]) {
    const parent = join(root, controller, groupName);
    if (await mkdir(parent, { recursive: true }).then(() => true, () => false)) parents[controller] = parent;
  }
  if (Object.keys(parents).length === 0) return undefined;
  return {
    version: "v1",
    limitsMemory: parents.memory !== undefined,
    async create(runId, limits) {
      const dirs: Record<string, string> = {};
      try {
        for (const [controller, parent] of Object.entries(parents)) {
          const dir = join(parent, runId);
          await mkdir(dir);
          dirs[controller] = dir;
        }
        await limitV1(dirs, limits);
      } catch (error) {
        // Half a set of groups is no use and must not linger.
        await destroyAll(Object.values(dirs), false);
        throw error;
      }
      return {
        procsFiles: Object.values(dirs).map((dir) => join(dir, "cgroup.procs")),
        async memoryExceeded() {
          if (!dirs.memory) return false;
          const [control, failures] = await Promise.all([
            readFile(join(dirs.memory, "memory.oom_control"), "utf8"),
            readFile(join(dirs.memory, "memory.failcnt"), "utf8"),
          ]);
          return counter(control, "oom_kill") > 0 || Number(failures.trim()) > 0;
        },
        destroy: () => destroyAll(Object.values(dirs), false),
      };
    },
  };
}

async function limitV1(dirs: Record<string, string>, limits: RunLimits) {
  if (dirs.memory) {
    await writeFile(join(dirs.memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
    // Only where swap accounting is on; without it there is no swap to escape to either.
    await tryWrite(join(dirs.memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
  }
  if (dirs.pids) await writeFile(join(dirs.pids, "pids.max"), String(limits.pids));
  if (dirs.cpu) {
    await tryWrite(join(dirs.cpu, "cpu.cfs_period_us"), String(cpuPeriod));
    await tryWrite(join(dirs.cpu, "cpu.cfs_quota_us"), String(cpuPeriod));
  }
}

async function detectV2(root: string): Promise<CgroupManager | undefined> {
  const parent = join(root, groupName);
  if (!(await mkdir(parent, { recursive: true }).then(() => true, () => false))) return undefined;
  // Controllers reach a child only through every ancestor's subtree_control.
  for (const controller of ["memory", "pids", "cpu"]) {
    await tryWrite(join(root, "cgroup.subtree_control"), `+${controller}`);
    await tryWrite(join(parent, "cgroup.subtree_control"), `+${controller}`);
  }
  const enabled = (await readFile(join(parent, "cgroup.subtree_control"), "utf8").catch(() => "")).split(/\s+/);
  if (!enabled.includes("memory") && !enabled.includes("pids")) return undefined;
  return {
    version: "v2",
    limitsMemory: enabled.includes("memory"),
    async create(runId, limits) {
      const dir = join(parent, runId);
      await mkdir(dir);
      try {
        if (enabled.includes("memory")) {
          await writeFile(join(dir, "memory.max"), String(limits.memoryBytes));
          await tryWrite(join(dir, "memory.swap.max"), "0");
        }
        if (enabled.includes("pids")) await writeFile(join(dir, "pids.max"), String(limits.pids));
        if (enabled.includes("cpu")) await tryWrite(join(dir, "cpu.max"), `${cpuPeriod} ${cpuPeriod}`);
      } catch (error) {
        await destroyAll([dir], true);
        throw error;
      }
      return {
        procsFiles: [join(dir, "cgroup.procs")],
        async memoryExceeded() {
          if (!enabled.includes("memory")) return false;
          const events = await readFile(join(dir, "memory.events"), "utf8");
          return counter(events, "oom_kill") > 0 || counter(events, "oom") > 0;
        },
        destroy: () => destroyAll([dir], true),
      };
    },
  };
}

/** A group can only be removed once empty: kill what is left (a detached grandchild), wait, remove. */
async function destroyAll(dirs: readonly string[], hasKillFile: boolean) {
  for (const dir of dirs) {
    if (hasKillFile) await tryWrite(join(dir, "cgroup.kill"), "1");
    for (let attempt = 0; attempt < 100; attempt++) {
      const pids = (await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number);
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      if (pids.length === 0 && (await rmdir(dir).then(() => true, () => false))) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
