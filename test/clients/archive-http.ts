import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { inject } from "vitest";
import type { EmulatedEngineOptions } from "../../emulator/engine/index.js";
import { composeNode, type NodeComposition } from "../../infra/node/compose.js";
import { serveHttp } from "../../infra/node/serve.js";
import { loadConfig, type ConfigSource } from "../../shared/config.js";
import { queueNames } from "../../shared/queues.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { silentLogger } from "../../shared/logger.js";
import { startEngineServer } from "../engine-server.js";

/**
 * Archive as a client library meets it: the Node composition root (default local embedder)
 * served over real HTTP, in front of the emulated engine on its own port.
 */
export interface ArchiveOverHttp {
  /** What clients take as `baseURL`. */
  baseUrl: string;
  apiKey: string;
  /** The engine's chat model (what `/v1/models` lists). */
  model: string;
  engine: Awaited<ReturnType<typeof startEngineServer>>;
  system: NodeComposition;
  /** The user turns handed to memory capture so far (no workers run here: they stay queued). */
  capturedTurns(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startArchiveOverHttp(options: { env?: ConfigSource; engine?: EmulatedEngineOptions } = {}): Promise<ArchiveOverHttp> {
  const engine = await startEngineServer(options.engine);
  const apiKey = `client-key-${crypto.randomUUID()}`;
  const config = loadConfig({
    ARCHIVE_API_KEYS: `${apiKey}:clients`,
    REDIS_PREFIX: `clients-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
    ...options.env,
  });
  const system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger });
  const server = await serveHttp(system.app.fetch, "127.0.0.1", 0);
  const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const captures = new Queue(queueNames.memoryCapture, { connection: redis, prefix: createRedisKeys(config.redisPrefix).queuePrefix });
  return {
    baseUrl: `${server.url}/v1`,
    apiKey,
    model: engine.engine.model,
    engine,
    system,
    async capturedTurns() {
      const jobs = await captures.getJobs(["waiting", "delayed", "active", "completed", "failed"]);
      return jobs.map((job) => (job.data as { message: string }).message);
    },
    async close() {
      await captures.close();
      await redis.quit();
      await server.close();
      await system.close();
      await engine.close();
    },
  };
}
