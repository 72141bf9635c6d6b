import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRedisServer } from "../../emulator/redis-launcher.js";
import { startEmulatorProcess } from "../emulator-process.js";

const root = new URL("../..", import.meta.url).pathname;

/** A bench script in a process of its own that prints `{"url": ...}` once listening. */
async function startListeningScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; pid: number | undefined; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout?.once("data", (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { url: string }).url));
  });
  return { url, pid: child.pid, stop: () => child.kill("SIGTERM") };
}

/** The emulated engine in a process of its own (like a vLLM server on another box). */
export function startEngineProcess(tokenDelayMs: number) {
  return startListeningScript("test/bench/engine-process.ts", ["0", String(tokenDelayMs)], withProfiling(process.env, "BENCH_ENGINE_NODE_OPTIONS"));
}

/** The logic-free node:http relay (relay-process.ts) in front of `upstream`. */
export async function startRelay(upstream: string): Promise<ServerUnderTest> {
  const relay = await startListeningScript("test/bench/relay-process.ts", [upstream], process.env);
  return { baseUrl: relay.url, pid: relay.pid, stop: async () => relay.stop() };
}

export interface ServerUnderTest {
  baseUrl: string;
  /** The serving process itself (not npm), for its CPU time. */
  pid: number | undefined;
  stop(): Promise<unknown>;
}

/**
 * CPU time (user + system) a server has used so far, with its child processes (npm start execs
 * node under npm) but without a redis-server it runs: from /proc (Linux; undefined elsewhere).
 * Unlike latency it barely moves when other work shares the cores, so it is the steadier figure.
 */
export async function cpuMilliseconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const [stat, comm] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/comm`, "utf8")]);
    if (comm.trim() === "redis-server") return 0;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th, in ticks of 10 ms.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    let total = (Number(fields[11]) + Number(fields[12])) * 10;
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    for (const child of children.split(" ").filter(Boolean)) total += (await cpuMilliseconds(Number(child))) ?? 0;
    return total;
  } catch {
    return undefined;
  }
}

/** `npm start` (the one-process emulator: HTTP, workers, its own Redis), data in a fresh temporary folder. */
export async function startArchive(env: Record<string, string>): Promise<ServerUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), "archive-bench-"));
  const profiling = process.env.BENCH_ARCHIVE_NODE_OPTIONS;
  const emulator = await startEmulatorProcess(
    { LOG_LEVEL: "warn", ARCHIVE_DATA_DIR: dataDir, ...(profiling ? { NODE_OPTIONS: profiling } : {}), ...env },
    { readyTimeoutMs: 60_000 },
  );
  // `npm start` execs node, so npm's child is the emulator process itself.
  return { baseUrl: emulator.baseUrl, pid: emulator.child.pid, stop: () => emulator.stop() };
}

/**
 * The self-hosted HTTP tier: `infra/node/server.ts` against a private redis-server (or the given
 * `redisUrl`), with no worker process. Captured turns wait in the queue (as they would for workers
 * on other machines) and are not scored during the measurement.
 */
export async function startHttpTier(env: Record<string, string>, options: { redisUrl?: string } = {}): Promise<ServerUnderTest> {
  const redis = options.redisUrl ? undefined : await startRedisServer();
  const port = await freePort();
  const child = startNodeEntry("infra/node/server.ts", { LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: String(port), REDIS_URL: options.redisUrl ?? redis!.url, ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    await redis?.stop();
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.process.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`infra/node/server.ts did not become healthy (exit code ${child.process.exitCode})`);
    }
    const status = await fetch(`${baseUrl}/health`).then((response) => response.status, () => 0);
    if (status === 200) return { baseUrl, pid: child.process.pid, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A self-hosted worker process (`infra/node/worker.ts`: BullMQ workers, scheduler) against `redisUrl`, once it consumes. */
export async function startWorkerTier(redisUrl: string, env: Record<string, string>): Promise<{ pid: number | undefined; stop(): Promise<unknown> }> {
  // Its start line (info) is how we know it consumes; the log is read up to there, then dropped.
  const child = startNodeEntry("infra/node/worker.ts", { REDIS_URL: redisUrl, ...env, LOG_LEVEL: "info" }, { stdout: "pipe" });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("infra/node/worker.ts did not start within 60 s")), 60_000);
    child.process.once("exit", (code) => reject(new Error(`infra/node/worker.ts exited with ${code}`)));
    let output = "";
    child.process.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("archive_worker_started")) {
        clearTimeout(timer);
        child.process.stdout?.removeAllListeners("data").resume();
        resolve();
      }
    });
  });
  return { pid: child.process.pid, stop: child.stop };
}

/** `node --import tsx <script>` with only PATH and HOME of our environment (plus profiling flags). */
function startNodeEntry(script: string, env: Record<string, string>, options: { stdout?: "pipe" | "inherit" } = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: withProfiling({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, "BENCH_ARCHIVE_NODE_OPTIONS"),
    stdio: ["ignore", options.stdout ?? "inherit", "inherit"],
  });
  let stopping = false;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  // A process under load that dies says so: its requests would otherwise just fail as refused.
  child.once("exit", (code, signal) => {
    if (!stopping) process.stderr.write(`[bench] ${script} (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}\n`);
  });
  return {
    process: child,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Profiling hook: BENCH_ARCHIVE_NODE_OPTIONS (or BENCH_ENGINE_NODE_OPTIONS) becomes NODE_OPTIONS
 * of that child only, so a profile shows one process and the others run as usual. Node 20 refuses
 * `--cpu-prof` in NODE_OPTIONS; `--import /abs/path/profiler.mjs` (a module that starts
 * `node:inspector`'s Profiler and writes the profile on exit) works, as do the V8 flags Node
 * allows there (e.g. `--max-semi-space-size`).
 */
function withProfiling(env: NodeJS.ProcessEnv, variable: string): NodeJS.ProcessEnv {
  const flags = process.env[variable];
  return flags ? { ...env, NODE_OPTIONS: flags } : env;
}
