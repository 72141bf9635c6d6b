import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { createLocalEmbedder } from "../../../infra/node/embeddings/local-embedder.js";
import { round } from "../load.js";
import { residentMb } from "./sampler.js";

export interface MachineDescription {
  date: string;
  commit: string;
  /** Uncommitted changes to tracked files (other than the results) in the worktree the run came from. */
  dirty: boolean;
  cores: number;
  cpu: string;
  ram_gb: number;
  node: string;
  redis: string;
  /** 1-minute load average when the run started: others' work on the same cores. */
  load_average_at_start: number;
  /** How long one fixed single-threaded workload took when the run started and when it ended (ms): this core's speed then. */
  cpu_probe_ms_at_start: number;
  cpu_probe_ms_at_end: number;
  /** Share of the machine's CPU time the hypervisor gave to other guests during the run (/proc/stat steal). */
  steal_percent: number;
}

/** The part of the description read when the run ends. */
type AtEnd = Pick<MachineDescription, "cpu_probe_ms_at_end" | "steal_percent">;

const output = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
};

/**
 * A fixed single-threaded workload of the kind the services do (JSON round trips, string and float
 * work): the fastest of seven runs in ms, what the core can do (a slower run only adds noise). Two
 * reports whose probes differ ran on cores of different speed (another guest on the host, another
 * host), which moves every capacity figure with it.
 */
export function cpuProbeMs(): number {
  const record = { id: "01JD0000000000000000000000", text: "the quick brown fox jumps over the lazy dog ".repeat(8), vector: Array.from({ length: 64 }, (_, index) => Math.sin(index)) };
  const runs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const started = performance.now();
    let sum = 0;
    for (let index = 0; index < 4000; index++) {
      const copy = JSON.parse(JSON.stringify(record)) as typeof record;
      sum += copy.text.split(" ").length + copy.vector.reduce((total, value) => total + value * value, 0);
    }
    if (!Number.isFinite(sum)) throw new Error("cpu probe: unreachable");
    runs.push(performance.now() - started);
  }
  return round(Math.min(...runs));
}

/** The machine's CPU time so far, all of it and the steal part, in ticks (/proc/stat; zeros elsewhere). */
function cpuTicks(): { total: number; steal: number } {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] ?? 0 };
  } catch {
    return { total: 0, steal: 0 };
  }
}

/** What the run starts with; call `end()` when it is over for the rest of the description. */
export function describeMachine(): { start: Omit<MachineDescription, keyof AtEnd>; end(): AtEnd } {
  const ticks = cpuTicks();
  const start = {
    date: new Date().toISOString(),
    commit: output("git", ["rev-parse", "--short", "HEAD"]),
    // The report's own output files do not count: they change between two runs by design.
    dirty: output("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!test/bench/results"]) !== "",
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    ram_gb: round(totalmem() / 2 ** 30),
    node: process.version,
    redis: /v=(\S+)/.exec(output("redis-server", ["--version"]))?.[1] ?? "unknown",
    load_average_at_start: round(loadavg()[0] ?? 0),
    cpu_probe_ms_at_start: cpuProbeMs(),
  };
  return {
    start,
    end() {
      const now = cpuTicks();
      const total = now.total - ticks.total;
      return { cpu_probe_ms_at_end: cpuProbeMs(), steal_percent: total > 0 ? round((100 * (now.steal - ticks.steal)) / total) : 0 };
    },
  };
}

export interface ModelMemory {
  /** Resident memory a process gains when its first model thread has loaded USE-lite. */
  first_thread_mb: number;
  /** And for each further thread (each holds its own copy). */
  per_further_thread_mb: number;
}

/** Measured in this process, before it does anything else heavy: resident memory around loading the local model in one and then two threads. */
export async function measureModelMemory(): Promise<ModelMemory> {
  const embedder = createLocalEmbedder({ threads: 2 });
  try {
    const before = await residentMb(process.pid);
    await embedder.embed(["one thread loads the model"]);
    const one = await residentMb(process.pid);
    await embedder.warm();
    const two = await residentMb(process.pid);
    return { first_thread_mb: round(one - before), per_further_thread_mb: round(two - one) };
  } finally {
    await embedder.close();
  }
}
