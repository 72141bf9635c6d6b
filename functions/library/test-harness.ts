/**
 * Test-only: the library mounted in the real app over the run's real Redis, with real BullMQ
 * workers running its processor. A "node" is what one process holds (its own Redis client and
 * replica cache), so two nodes over one prefix behave like two processes. Imported by tests only.
 */
import { Redis } from "ioredis";
import { inject } from "vitest";
import { startJobWorkers } from "../../infra/node/job-workers.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { type ConfigSource } from "../../shared/config.js";
import { loadConfig } from "../compose.js";
import { normalizeVector, type Embedder } from "../../shared/embeddings/index.js";
import { createLocalEmbedder } from "../../infra/node/embeddings/local-embedder.js";
import { silentLogger, type Logger } from "../../shared/logger.js";
import { createQueueProvider } from "../../shared/queues.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import type { Reranker } from "../../shared/retrieval/index.js";
import { createVectorReplicaCache, type VectorReplicaCache } from "../../shared/vector-index/index.js";
import { createApp } from "../app.js";
import { createLibraryFunction, type JobStatus, type LibraryFunction } from "./index.js";

export const libraryKeysForTests = { alice: "alice-key-0123456789", bob: "bob-key-0123456789" };

export interface LibraryNode {
  app: ReturnType<typeof createApp>;
  library: LibraryFunction;
  redis: Redis;
  replicas: VectorReplicaCache;
  prefix: string;
  /** Starts real BullMQ workers for the library's jobs in this "process". */
  startWorkers(): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface LibraryNodeOptions {
  prefix: string;
  embedder: Embedder;
  env?: ConfigSource;
  logger?: Logger;
  reranker?: Reranker;
}

export function createLibraryNode(options: LibraryNodeOptions): LibraryNode {
  const url = inject("redisUrl");
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const config = loadConfig({
    ARCHIVE_API_KEYS: `${libraryKeysForTests.alice}:alice,${libraryKeysForTests.bob}:bob`,
    REDIS_PREFIX: options.prefix,
    ...options.env,
  });
  const logger = options.logger ?? silentLogger;
  const clock = systemClock;
  const ids = createIdGenerator(clock);
  const keys = createRedisKeys(options.prefix);
  const replicas = createVectorReplicaCache();
  const provider = { acquire: async () => ({ redis, release: async () => undefined }) };
  const library = createLibraryFunction({
    config,
    keys,
    clock,
    ids,
    logger,
    embedder: options.embedder,
    replicas,
    queues: createQueueProvider(keys),
    redis: provider,
    reranker: options.reranker,
  });
  const app = createApp({
    config,
    logger,
    clock,
    ids,
    keys,
    redis: provider,
    version: "0.0.0-test",
    startedAt: clock.now(),
    systemStats: () => null,
    pool: { check: async () => ({ endpoints: [] }) },
    serviceUrls: { redis: "redis://test" },
    functions: [library.fn],
    metricsSources: [library.metricsSource],
  });
  const workers: { close(): Promise<void> }[] = [];
  return {
    app,
    library,
    redis,
    replicas,
    prefix: options.prefix,
    async startWorkers() {
      const started = startJobWorkers({ redisUrl: url, keys, logger, specs: library.jobs, workerId: ids.next() });
      await started.ready;
      workers.push(started);
      return started;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await redis.quit();
    },
  };
}

let localEmbedder: Embedder | undefined;
/** One USE-lite model per test file (loading it takes a second or two). */
export const sharedLocalEmbedder = (): Embedder => (localEmbedder ??= createLocalEmbedder());

/**
 * A fast deterministic embedder: hashed bag of lowercase words, so texts sharing words are close.
 * `overrides` pins the vector of any text containing a key, to stage "the embedding ranks it low".
 */
export function createWordHashEmbedder(options: { dimension?: number; overrides?: Record<string, Float32Array> } = {}): Embedder {
  const dimension = options.dimension ?? 64;
  const embedOne = (text: string) => {
    for (const [needle, vector] of Object.entries(options.overrides ?? {})) if (text.includes(needle)) return normalizeVector(vector);
    const vector = new Float32Array(dimension);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let hash = 2166136261;
      for (let index = 0; index < word.length; index++) hash = Math.imul(hash ^ word.charCodeAt(index), 16777619);
      vector[(hash >>> 0) % dimension]! += 1;
    }
    vector[dimension - 1]! += 0.01; // never the zero vector
    return normalizeVector(vector);
  };
  return { id: `word-hash-${dimension}`, dimension, embed: async (texts) => texts.map(embedOne) };
}

export const authorized = (key: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${key}` },
});

/** Uploads raw bytes with `?filename=`, or as multipart when asked. */
export async function uploadDocument(
  app: LibraryNode["app"],
  key: string,
  filename: string,
  bytes: Uint8Array | string,
  options: { multipart?: boolean } = {},
): Promise<Response> {
  // A fresh ArrayBuffer-backed copy: fetch bodies and Blobs refuse views over shared memory.
  const body = typeof bytes === "string" ? new TextEncoder().encode(bytes) : new Uint8Array(bytes);
  if (options.multipart) {
    const form = new FormData();
    form.append("file", new Blob([body]), filename);
    return app.request("/library/documents", authorized(key, { method: "POST", body: form }));
  }
  return app.request(
    `/library/documents?filename=${encodeURIComponent(filename)}`,
    authorized(key, { method: "POST", body, headers: { "content-type": "application/octet-stream" } }),
  );
}

/** Polls job status until it is completed or failed. */
export async function waitForJob(app: LibraryNode["app"], key: string, jobId: string, timeoutMs = 60_000): Promise<JobStatus> {
  const started = Date.now();
  for (;;) {
    const response = await app.request(`/library/jobs/${jobId}`, authorized(key));
    if (response.status !== 200) throw new Error(`job status answered ${response.status}: ${await response.text()}`);
    const status = (await response.json()) as JobStatus;
    if (status.state === "completed" || status.state === "failed") return status;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${jobId} still ${status.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function searchLibrary(app: LibraryNode["app"], key: string, body: Record<string, unknown>) {
  const response = await app.request(
    "/library/search",
    authorized(key, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { chunks: Record<string, unknown>[] } };
}

/** Uploads and waits for ingestion; returns the document id. */
export async function ingest(app: LibraryNode["app"], key: string, filename: string, bytes: Uint8Array | string): Promise<string> {
  const response = await uploadDocument(app, key, filename, bytes);
  const body = (await response.json()) as { document_id: string; job_id: string | null };
  if (response.status === 200) return body.document_id;
  if (response.status !== 202 || !body.job_id) throw new Error(`upload answered ${response.status}: ${JSON.stringify(body)}`);
  const status = await waitForJob(app, key, body.job_id);
  if (status.state !== "completed") throw new Error(`ingestion failed: ${JSON.stringify(status.error)}`);
  return body.document_id;
}
