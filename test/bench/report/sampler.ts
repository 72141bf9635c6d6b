import { readdir, readFile } from "node:fs/promises";
import type { Redis } from "ioredis";
import { cpus } from "node:os";
import { parseRedisInfo, readRedisMemory, type RedisMemoryFigures } from "../../../functions/health/redis-memory-metrics.js";
import { round } from "../load.js";

/** A process of the deployment under measurement. */
export interface Component {
  name: string;
  pid: number | undefined;
  /** Count the CPU of its child processes too (the sandbox's bwrap, the voice tools); not for the bench client, whose children are the deployment. */
  children?: boolean;
}

/** One component's use of the machine over an interval (Linux /proc; zeros elsewhere). */
export interface ComponentUsage {
  name: string;
  /** Of one core: 100 is one core fully busy. */
  cpu_percent: number;
  /** The main thread alone: for a Node process, its event loop. */
  main_thread_cpu_percent: number;
  /** Every other thread: in a Node process the embedding model threads, GC and libuv's pool. */
  other_threads_cpu_percent: number;
  /** Processes it started (included in cpu_percent). */
  child_processes_cpu_percent: number;
  rss_mb: number;
}

export interface UsageSample {
  seconds: number;
  components: ComponentUsage[];
  /** The whole machine (/proc/stat), everyone's processes: what the deployment did not use, others did. */
  machine_cpu_percent: number;
  redis: RedisMemoryFigures;
  /** Redis's own CPU time (`INFO cpu`, microsecond resolution, unlike /proc's 10 ms ticks). */
  redis_cpu_ms: number;
}

interface CpuReading {
  totalMs: number;
  mainMs: number;
  childrenMs: number;
}

const ticksToMs = 10; // USER_HZ is 100 on every Linux Node supports

const statFields = async (path: string) => {
  const stat = await readFile(path, "utf8").catch(() => "");
  return stat === "" ? undefined : stat.slice(stat.lastIndexOf(")") + 2).split(" ");
};

/**
 * CPU of a process's descendants: those already reaped (its cutime + cstime) and those alive
 * (recursively). Each child's time is in one of the two, so differences over an interval hold.
 */
async function descendantsMs(pid: number, self: boolean): Promise<number> {
  const fields = await statFields(`/proc/${pid}/stat`);
  if (!fields) return 0;
  let total = (Number(fields[13]) + Number(fields[14])) * ticksToMs;
  if (self) total += (Number(fields[11]) + Number(fields[12])) * ticksToMs;
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) {
    const children = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    for (const child of children.split(" ").filter(Boolean)) total += await descendantsMs(Number(child), true);
  }
  return total;
}

/** utime + stime of each thread of `pid`, of the main thread alone, and of its child processes. */
async function readCpu(pid: number | undefined, children: boolean): Promise<CpuReading> {
  const reading = { totalMs: 0, mainMs: 0, childrenMs: 0 };
  if (pid === undefined) return reading;
  if (children) reading.childrenMs = await descendantsMs(pid, false);
  try {
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const fields = await statFields(`/proc/${pid}/task/${task}/stat`);
      if (!fields) continue; // the thread ended meanwhile
      const ms = (Number(fields[11]) + Number(fields[12])) * ticksToMs;
      reading.totalMs += ms;
      if (task === String(pid)) reading.mainMs = ms;
    }
  } catch {
    // not Linux, or the process is gone
  }
  return reading;
}

/** Busy and total jiffies of the whole machine. */
async function readMachine(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8").catch(() => "")).split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = parseRedisInfo(await redis.info("cpu"));
  return (Number(info.get("used_cpu_sys") ?? 0) + Number(info.get("used_cpu_user") ?? 0)) * 1000;
}

export async function residentMb(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kilobytes = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return round(kilobytes / 1024);
}

/**
 * CPU and memory of each component between `start()` and `stop()`, plus Redis's INFO memory at
 * the end. The benchmark's own process (the load generator) is a component too: it shares the
 * cores with what it measures, so its share is part of the picture.
 */
export function createSampler(components: () => readonly Component[], redis: Redis) {
  return {
    async start() {
      const chosen = [...components()];
      const [machineBefore, redisBefore] = await Promise.all([readMachine(), redisCpuMs(redis)]);
      const before = await Promise.all(chosen.map((component) => readCpu(component.pid, component.children ?? false)));
      const started = performance.now();
      return {
        async stop(): Promise<UsageSample> {
          const seconds = (performance.now() - started) / 1000;
          const after = await Promise.all(chosen.map((component) => readCpu(component.pid, component.children ?? false)));
          const [machineAfter, redisAfter] = await Promise.all([readMachine(), redisCpuMs(redis)]);
          const percent = (ms: number) => round(ms / 10 / Math.max(0.001, seconds));
          const usage = await Promise.all(
            chosen.map(async (component, index) => {
              // A process that ended meanwhile reads as zero afterwards: it counts nothing, not less than nothing.
              const threads = Math.max(0, after[index]!.totalMs - before[index]!.totalMs);
              const main = Math.max(0, after[index]!.mainMs - before[index]!.mainMs);
              const children = Math.max(0, after[index]!.childrenMs - before[index]!.childrenMs);
              return {
                name: component.name,
                cpu_percent: percent(threads + children),
                main_thread_cpu_percent: percent(main),
                other_threads_cpu_percent: percent(Math.max(0, threads - main)),
                child_processes_cpu_percent: percent(children),
                rss_mb: await residentMb(component.pid),
              };
            }),
          );
          const machineTotal = Math.max(1, machineAfter.total - machineBefore.total);
          return {
            seconds: round(seconds),
            components: usage,
            machine_cpu_percent: round(((machineAfter.busy - machineBefore.busy) / machineTotal) * 100 * cpus().length),
            redis: await readRedisMemory(redis),
            redis_cpu_ms: round(redisAfter - redisBefore),
          };
        },
      };
    },
  };
}

export type Sampler = ReturnType<typeof createSampler>;

/**
 * Resolves once none of `components` used more than `percent` of a core over half a second (a
 * process that just started loads its model in the background), or after `timeoutMs`.
 */
export async function quiet(components: readonly Component[], percent = 10, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const before = await Promise.all(components.map((component) => readCpu(component.pid, component.children ?? false)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await Promise.all(components.map((component) => readCpu(component.pid, component.children ?? false)));
    const busiest = Math.max(0, ...after.map((reading, index) => (reading.totalMs + reading.childrenMs - before[index]!.totalMs - before[index]!.childrenMs) / 5));
    if (busiest <= percent) return;
  }
}

/** Samples `work` and returns both. */
export async function sampled<Result>(sampler: Sampler, work: () => Promise<Result>): Promise<{ result: Result; usage: UsageSample }> {
  const sampling = await sampler.start();
  const result = await work();
  return { result, usage: await sampling.stop() };
}
