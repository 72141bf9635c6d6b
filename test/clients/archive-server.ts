import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { inject } from "vitest";
import type { EmulatedEngineOptions } from "../../emulator/engine/index.js";
import { composeNode, type NodeComposition } from "../../infra/node/compose.js";
import { serveHttp } from "../../infra/node/serve.js";
import { type ConfigSource } from "../../shared/config.js";
import { loadConfig } from "../../functions/compose.js";
import { silentLogger } from "../../shared/logger.js";
import { memoryQueues } from "../../functions/memory/index.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { startEngineServer } from "../engine-server.js";

/** The key the client suite uses, and the model the emulated engine serves. */
export const apiKey = "client-suite-key-0123456789";
export const model = "archive-emulated-1";

export interface ArchiveServer {
  /** What a user puts in the client's `baseURL`. */
  baseURL: string;
  engine: Awaited<ReturnType<typeof startEngineServer>>;
  system: NodeComposition;
  /** The user turns handed to memory capture so far (no workers run here: they stay queued). */
  capturedTurns(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Archive as a user runs it for a client library: the Node composition (the same as `npm start`
 * builds, node:http transport to the pool) behind a real HTTP server on a free port, auth on, in
 * front of the emulated engine on its own port. Over HTTP so each client's own fetch, headers,
 * retries and SSE parser are in play.
 */
export async function startArchiveServer(options: { env?: ConfigSource; engine?: EmulatedEngineOptions } = {}): Promise<ArchiveServer> {
  const engine = await startEngineServer(options.engine, undefined, { record: true });
  const dataDir = await mkdtemp(join(tmpdir(), "archive-clients-"));
  const config = loadConfig({
    ARCHIVE_API_KEYS: `${apiKey}:clients`,
    ARCHIVE_DATA_DIR: dataDir,
    REDIS_PREFIX: `clients-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
    // The engine's embeddings: retrieval runs as for a user, without loading the local model in
    // every test process (the suite checks the wire contract; retrieval quality is tested elsewhere).
    EMBEDDINGS: "pool",
    EMBEDDINGS_MODEL: model,
    ...options.env,
  });
  const system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger });
  const http = await serveHttp(system.app.fetch, "127.0.0.1", 0);
  const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const captures = new Queue(memoryQueues.capture, { connection: redis, prefix: createRedisKeys(config.redisPrefix).queuePrefix });
  return {
    baseURL: `${http.url}/v1`,
    engine,
    system,
    async capturedTurns() {
      const jobs = await captures.getJobs(["waiting", "delayed", "active", "completed", "failed"]);
      return jobs.map((job) => (job.data as { message: string }).message);
    },
    async close() {
      await captures.close();
      await redis.quit();
      await http.close();
      await system.close();
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tool every suite offers: the emulated engine calls it when the prompt names it. */
export const weather = {
  name: "get_weather",
  description: "The current weather in a city",
  /** What the tool answers; the final reply must quote it. */
  answer: (city: string) => `It is 22 degrees and sunny in ${city}.`,
};

/** The structured-output schema every suite asks for (as JSON Schema; each suite writes it in its own way). */
export const bookJsonSchema = {
  type: "object",
  properties: { title: { type: "string" }, year: { type: "integer", minimum: 1900, maximum: 2100 }, genres: { type: "array", items: { type: "string" } } },
  required: ["title", "year", "genres"],
  additionalProperties: false,
};
