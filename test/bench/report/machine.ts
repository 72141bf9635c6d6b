import { execFileSync } from "node:child_process";
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
}

const output = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
};

export function describeMachine(): MachineDescription {
  return {
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
