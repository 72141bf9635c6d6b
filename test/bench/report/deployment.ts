import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startRedisServer, type RunningRedis } from "../../../emulator/redis-launcher.js";
import { startEngineProcess, startHttpTier, startWorkerTier, type ServerUnderTest } from "../processes.js";
import { quiet, type Component } from "./sampler.js";

/**
 * The self-hosted deployment on one machine, each part in its own process as `infra/node/` runs
 * it: one Redis, the emulated engine (a vLLM stand-in streaming 16 tokens 5 ms apart), HTTP
 * processes (`server.ts`) and worker processes (`worker.ts`). Knobs are environment variables
 * of the HTTP or worker processes; `restart` applies a change the way an operator would.
 */
export interface Deployment {
  redis: Redis;
  redisUrl: string;
  engineUrl: string;
  /** The first HTTP process: the load's target. */
  readonly baseUrl: string;
  readonly http: readonly ServerUnderTest[];
  components(): Component[];
  /** Replaces every HTTP process (count of them, env on top of the base) and worker process. */
  restart(options?: { http?: number; workers?: number; httpEnv?: Record<string, string>; workerEnv?: Record<string, string> }): Promise<void>;
  /** Whether every HTTP and worker process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

const engineTokenDelayMs = 5;

export async function startDeployment(): Promise<Deployment> {
  const server: RunningRedis = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const engine = await startEngineProcess(engineTokenDelayMs);
  const dataDir = await mkdtemp(join(tmpdir(), "archive-capacity-"));
  // Everything else at its default: that is what the report is about. LOG_LEVEL error: under
  // overload chat logs every retrieval it skips, which is the figures' business, not the console's.
  const base = { INFERENCE_ENDPOINTS: engine.url, ARCHIVE_DATA_DIR: dataDir, SANDBOX_UID_BASE: "65000", LOG_LEVEL: "error" };
  let http: ServerUnderTest[] = [];
  let workers: { pid: number | undefined; stop(): Promise<unknown> }[] = [];

  const stopTiers = async () => {
    await Promise.all([...http, ...workers].map((tier) => tier.stop()));
    http = [];
    workers = [];
  };

  const deployment: Deployment = {
    redis,
    redisUrl: server.url,
    engineUrl: engine.url,
    get baseUrl() {
      const first = http[0];
      if (!first) throw new Error("no HTTP process is running");
      return first.baseUrl;
    },
    get http() {
      return http;
    },
    components: () => [
      ...http.map((tier, index) => ({ name: http.length === 1 ? "HTTP process" : `HTTP process ${index + 1}`, pid: tier.pid, children: true })),
      ...workers.map((tier, index) => ({ name: workers.length === 1 ? "worker process" : `worker process ${index + 1}`, pid: tier.pid, children: true })),
      { name: "Redis", pid: server.pid },
      { name: "engine (emulated)", pid: engine.pid },
      { name: "bench client", pid: process.pid },
    ],
    alive: () =>
      [...http, ...workers].every((tier) => {
        try {
          return tier.pid !== undefined && process.kill(tier.pid, 0);
        } catch {
          return false;
        }
      }),
    async restart(options = {}) {
      await stopTiers();
      // Distinct sandbox uids per HTTP process: two processes never share a host uid.
      http = await Promise.all(
        Array.from({ length: options.http ?? 1 }, (_, index) => startHttpTier({ ...base, SANDBOX_UID_BASE: String(65_000 + index * 512), ...options.httpEnv }, { redisUrl: server.url })),
      );
      workers = await Promise.all(Array.from({ length: options.workers ?? 1 }, () => startWorkerTier(server.url, { ...base, ...options.workerEnv })));
      // A worker loads its model after it announces itself; measure nothing until that is over.
      await quiet(deployment.components().filter((component) => component.children));
    },
    async stop() {
      await stopTiers();
      engine.stop();
      await redis.quit();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return deployment;
}
