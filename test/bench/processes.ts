import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulatorProcess, type EmulatorProcess } from "../emulator-process.js";

const root = new URL("../..", import.meta.url).pathname;

/** The emulated engine in a process of its own (like a vLLM server on another box). */
export async function startEngineProcess(tokenDelayMs: number): Promise<{ url: string; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "test/bench/engine-process.ts", "0", String(tokenDelayMs)], {
    cwd: root,
    env: withProfiling(process.env, "BENCH_ENGINE_NODE_OPTIONS"),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`engine exited with ${code}`)));
    child.stdout?.once("data", (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { url: string }).url));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}

/** `npm start` with the given environment, data in a fresh temporary folder. */
export async function startArchive(env: Record<string, string>): Promise<EmulatorProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "archive-bench-"));
  const profiling = process.env.BENCH_ARCHIVE_NODE_OPTIONS;
  return startEmulatorProcess(
    { LOG_LEVEL: "warn", ARCHIVE_DATA_DIR: dataDir, ...(profiling ? { NODE_OPTIONS: profiling } : {}), ...env },
    { readyTimeoutMs: 60_000 },
  );
}

/**
 * Profiling hook: BENCH_ARCHIVE_NODE_OPTIONS (or BENCH_ENGINE_NODE_OPTIONS) becomes NODE_OPTIONS
 * of that child only, so a profile shows one process and the others run as usual. Node 20 refuses
 * `--cpu-prof` in NODE_OPTIONS; `--import /abs/path/profiler.mjs` (a module that starts
 * `node:inspector`'s Profiler and writes the profile on exit) works, as do the V8 flags Node
 * allows there (e.g. `--max-semi-space-size`).
 */
function withProfiling(env: NodeJS.ProcessEnv, variable: string): NodeJS.ProcessEnv {
  const flags = env[variable];
  return flags ? { ...env, NODE_OPTIONS: flags } : env;
}
