/**
 * Memory benchmarks, against a real redis-server (a private one, or REDIS_URL):
 * 1. hybrid search latency through the memory service at 1k / 10k / 100k memories of one user
 *    (512-d random unit vectors and sentences drawn from a 5,000-word vocabulary, written with the
 *    index's own apply, records in Redis): replica catch-up, BM25 and exact vector top-k, fusion and
 *    reading the records. Query embedding is reported apart (it depends on the embedder, not on the
 *    number of memories).
 * 2. the latency memory capture adds to a chat request: the same chat app with and without
 *    capture, requests interleaved, against the emulated engine in its own process.
 *
 *   npm run bench -- memory        or        npx tsx test/bench/memory.ts [--sizes 1000,10000]
 */
import { silentLogger } from "../../shared/logger.js";
import { Redis } from "ioredis";
import { startRedisServer } from "../../emulator/redis-launcher.js";
import { chatFunction, type TurnCapture } from "../../functions/chat/index.js";
import { composeModules, loadConfig } from "../../functions/compose.js";
import { memoryFunction, type MemoryFunction } from "../../functions/memory/index.js";
import { createInferencePool } from "../../gpu/pool.js";
import type { ColdStore } from "../../functions/memory/index.js";
import type { InferencePool } from "../../gpu/pool.js";
import type { Embedder } from "../../shared/embeddings/index.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { createLocalEmbedder } from "../../infra/node/embeddings/local-embedder.js";
import { createHistogram } from "../../shared/histogram.js";
import { createRedisKeys, type RedisKeys } from "../../shared/redis-keys.js";
import { createRandomVectors } from "../../shared/vector-index/random-vectors.js";
import { vectorData } from "../../functions/memory/store.js";
import { benchPlatform } from "./platform.js";
import { jobScope } from "../../functions/request-scope.js";
import { startEngineProcess } from "./processes.js";

const dimension = 512;
const percentile = (samples: number[], fraction: number) => {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? 0;
};
const round = (value: number) => Math.round(value * 1000) / 1000;

/** Embeddings never computed here: vectors come from the random generator. */
export const randomEmbedder = { id: "random-512", dimension, embed: async (): Promise<Float32Array[]> => Promise.reject(new Error("not used")) };

/** Memory as every runtime composes it, over `redis`, one "process" (its own replica cache); `env` adds configuration, `pool` an engine. */
function composeMemory(redis: Redis, keys: RedisKeys, options: { embedder?: Embedder; pool?: InferencePool; coldStore?: ColdStore; env?: Record<string, string> } = {}) {
  const config = loadConfig({ MEMORY_RETRIEVAL: "false", ...options.env });
  const platform = benchPlatform({ config, redis, keys, embedder: options.embedder ?? randomEmbedder, ...(options.pool ? { pool: options.pool } : {}) });
  return composeModules([memoryFunction], platform, { memory: { coldStore: options.coldStore } }, { serviceUrls: {} });
}

/** The memory function and its capture seam, as a process composes them. */
export function memoryFor(redis: Redis, keys: RedisKeys, options: Parameters<typeof composeMemory>[2] = {}): MemoryFunction & { capture: TurnCapture } {
  const composed = composeMemory(redis, keys, options);
  const capture = composed.seams.capture;
  if (!capture) throw new Error("memory offers no capture");
  return Object.assign(composed.functions.memory, { capture });
}

/**
 * Words with a Zipf-like spread (rank k about 1/k as often), like conversation — without the 30 most
 * frequent ranks, which in English are the stopwords the tokenizer drops anyway.
 */
export function createSentences(seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = Array.from({ length: 5000 }, (_, index) => `w${index.toString(36)}`);
  const word = () => words[Math.min(words.length - 1, 30 + Math.floor(Math.exp(next() * Math.log(words.length - 30))) - 1)]!;
  return (length: number) => Array.from({ length }, word).join(" ");
}

export async function seedMemories(redis: Redis, memory: MemoryFunction, tenant: string, count: number, random: (dimension: number) => Float32Array) {
  const store = await memory.service.open(jobScope(redis, tenant, { logger: silentLogger }));
  const ids = createIdGenerator();
  const sentence = createSentences(7);
  const now = Date.now();
  for (let start = 0; start < count; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, count - start) }, (_, offset) => ({
      id: ids.next(),
      at: now - (count - start - offset) * 1000,
      message: sentence(14),
      answered: `${sentence(12)}?`,
    }));
    await store.index.apply({ upsert: batch.map((entry) => ({ id: entry.id, vector: random(dimension), data: vectorData(now, { ...entry, sessionId: null, importance: 0.5 }) })) });
    const pipeline = redis.pipeline();
    for (const { id, at, message, answered } of batch) {
      pipeline.hset(store.keys.record(id), { message, answered, importance: "0.5", perplexity: "42", surprise: "0.5", created_at: String(at), session_id: "", metadata: "", content_hash: id, source: "api", restored_at: "" });
      pipeline.zadd(store.keys.timeline, at, id);
    }
    await pipeline.exec();
  }
}

async function benchSearch(redis: Redis, sizes: number[], queries: number) {
  const keys = createRedisKeys(`bench-${crypto.randomUUID().slice(0, 8)}`);
  const random = createRandomVectors(42);
  const rows = [];
  for (const size of sizes) {
    const tenant = `bench${size}`;
    await seedMemories(redis, memoryFor(redis, keys), tenant, size, random);
    // Another process: its first search loads the replica, later ones only ask Redis for changes.
    const reader = memoryFor(redis, keys);
    const scope = jobScope(redis, tenant, { logger: silentLogger });
    const questions = createSentences(99);
    // A question: common words touch long postings lists, rare ones short ones.
    const query = () => ({ text: `What did I say about ${questions(5)}?`, vector: random(dimension) });
    const loadStarted = performance.now();
    await reader.service.searchWith(scope, query(), { topK: 10 });
    const loadMs = performance.now() - loadStarted;
    for (let warm = 0; warm < 10; warm++) await reader.service.searchWith(scope, query(), { topK: 10 });
    const samples: number[] = [];
    for (let index = 0; index < queries; index++) {
      const next = query();
      const started = performance.now();
      const { memories } = await reader.service.searchWith(scope, next, { topK: 10 });
      samples.push(performance.now() - started);
      if (memories.length !== 10) throw new Error(`expected 10 results, got ${memories.length}`);
    }
    rows.push({ memories: size, search_p50_ms: round(percentile(samples, 0.5)), search_p99_ms: round(percentile(samples, 0.99)), first_search_with_load_ms: round(loadMs), queries });
  }
  return rows;
}

async function benchQueryEmbedding(count: number) {
  const embedder = createLocalEmbedder();
  await embedder.embed(["warm up the model"]);
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await embedder.embed([`What did I say about topic number ${index}?`]);
    samples.push(performance.now() - started);
  }
  return { embedder: embedder.id, p50_ms: round(percentile(samples, 0.5)), p99_ms: round(percentile(samples, 0.99)) };
}

async function benchCapture(redis: Redis, requests: number) {
  const engine = await startEngineProcess(0);
  try {
    const keys = createRedisKeys(`bench-${crypto.randomUUID().slice(0, 8)}`);
    const config = loadConfig({ INFERENCE_ENDPOINTS: engine.url, MEMORY_RETRIEVAL: "false", INFERENCE_CONCURRENCY: "64" });
    const pool = createInferencePool({ endpoints: config.inference.endpoints, config: config.inference });
    const platform = benchPlatform({ config, redis, keys, pool });
    const capture = composeMemory(redis, keys).seams.capture;
    if (!capture) throw new Error("memory offers no capture");
    // Chat alone, with memory's capture as its only seam: the two apps differ in capture and nothing else.
    const chatWith = (withCapture: boolean) =>
      composeModules([chatFunction], platform, {}, { serviceUrls: {}, ...(withCapture ? { seams: { capture } } : {}) }).app;
    const apps = { with: chatWith(true), without: chatWith(false) };
    const ask = async (app: ReturnType<typeof chatWith>, index: number) => {
      const body = JSON.stringify({ model: "archive-emulated-1", messages: [{ role: "user", content: `Tell me about lighthouse number ${index}.` }], max_tokens: 16 });
      const started = performance.now();
      const response = await app.request("/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json" } });
      await response.text();
      if (response.status !== 200) throw new Error(`chat answered ${response.status}`);
      return performance.now() - started;
    };
    for (let warm = 0; warm < 50; warm++) await Promise.all([ask(apps.with, warm), ask(apps.without, warm)]);
    const latency = { with: createHistogram(), without: createHistogram() };
    // Interleaved, in alternating order, so drift (GC, JIT, the engine) hits both sides alike.
    for (let index = 0; index < requests; index++) {
      const order = index % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const);
      for (const side of order) latency[side].record(await ask(apps[side], index));
    }
    const enqueue: number[] = [];
    for (let index = 0; index < 500; index++) {
      const turn = { tenant: "bench", endUser: "default", sessionId: "", message: `A turn to enqueue ${index}`, turnId: crypto.randomUUID().replaceAll("-", ""), capturedAt: Date.now() };
      const started = performance.now();
      await capture.capture(turn, redis);
      enqueue.push(performance.now() - started);
    }
    pool.close();
    const [withCapture, withoutCapture] = [latency.with.summary(), latency.without.summary()];
    return {
      requests,
      without_capture_p50_ms: round(withoutCapture.p50),
      with_capture_p50_ms: round(withCapture.p50),
      added_p50_ms: round(withCapture.p50 - withoutCapture.p50),
      without_capture_p99_ms: round(withoutCapture.p99),
      with_capture_p99_ms: round(withCapture.p99),
      enqueue_p50_ms: round(percentile(enqueue, 0.5)),
      enqueue_p99_ms: round(percentile(enqueue, 0.99)),
    };
  } finally {
    engine.stop();
  }
}

export async function benchMemory(options: { sizes?: number[]; queries?: number; requests?: number } = {}) {
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const redis = new Redis(process.env.REDIS_URL ?? server!.url, { maxRetriesPerRequest: null });
  try {
    const search = await benchSearch(redis, options.sizes ?? [1000, 10_000, 100_000], options.queries ?? 300);
    const embedding = await benchQueryEmbedding(50);
    const capture = await benchCapture(redis, options.requests ?? 500);
    const table = [
      "| memories of one user | hybrid search p50 (ms) | p99 (ms) | first search incl. replica and BM25 load (ms) |",
      "|---:|---:|---:|---:|",
      ...search.map((row) => `| ${row.memories.toLocaleString("en")} | ${row.search_p50_ms} | ${row.search_p99_ms} | ${row.first_search_with_load_ms} |`),
      "",
      `Query embedding (${embedding.embedder}, not included above): p50 ${embedding.p50_ms} ms, p99 ${embedding.p99_ms} ms.`,
      "",
      "| chat request (emulated engine, 16 tokens) | p50 (ms) | p99 (ms) |",
      "|---|---:|---:|",
      `| without capture | ${capture.without_capture_p50_ms} | ${capture.without_capture_p99_ms} |`,
      `| with capture | ${capture.with_capture_p50_ms} | ${capture.with_capture_p99_ms} |`,
      `| **added by capture** | **${capture.added_p50_ms}** | |`,
      "",
      `The enqueue itself (BullMQ add): p50 ${capture.enqueue_p50_ms} ms, p99 ${capture.enqueue_p99_ms} ms; chat does not wait for it.`,
    ].join("\n");
    return { name: "memory", dimension, top_k: 10, search, query_embedding: embedding, capture, table };
  } finally {
    await redis.quit();
    await server?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const position = process.argv.indexOf("--sizes");
  const sizes = position === -1 ? undefined : process.argv[position + 1]?.split(",").map(Number);
  const result = await benchMemory({ sizes });
  process.stdout.write(`${result.table}\n\n${JSON.stringify({ ...result, table: undefined })}\n`);
  process.exit(0);
}
