/**
 * Vector search latency at 1k / 10k / 100k vectors of 512 dimensions (random unit vectors), against a
 * real redis-server (a private one on a free port, or REDIS_URL). Each search includes the replica's
 * round trip to Redis that makes it read-your-writes. Prints one JSON line.
 *
 *   npx tsx test/bench/vector-search.ts [--sizes 1000,10000,100000] [--queries 200] [--kernel javascript]
 *
 * `--kernel javascript` measures the fallback that Cloudflare Workers use (no run-time wasm there).
 */
import { Redis } from "ioredis";
import { startRedisServer } from "../../emulator/redis-launcher.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createDotKernel } from "../../shared/vector-index/dot-kernel.js";
import { createRandomVectors } from "../../shared/vector-index/random-vectors.js";
import { createVectorReplicaCache } from "../../shared/vector-index/replica-cache.js";
import { createVectorIndex } from "../../shared/vector-index/vector-index.js";

const dimension = 512;
const argument = (name: string) => {
  const position = process.argv.indexOf(`--${name}`);
  return position === -1 ? undefined : process.argv[position + 1];
};
const sizes = (argument("sizes") ?? "1000,10000,100000").split(",").map(Number);
const queries = Number(argument("queries") ?? 200);
const kernel = createDotKernel({ wasm: argument("kernel") !== "javascript" });

const percentile = (sorted: number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
const round = (value: number) => Math.round(value * 1000) / 1000;

async function main() {
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url = process.env.REDIS_URL ?? server!.url;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const keys = createRedisKeys(`bench-${crypto.randomUUID().slice(0, 8)}`);
  const embedder = { id: "random-512", dimension };
  const random = createRandomVectors(42);
  const results = [];
  try {
    for (const size of sizes) {
      const collection = `bench${size}`;
      const writer = createVectorIndex({ redis, keys, tenant: "bench", collection, embedder, replicas: createVectorReplicaCache() });
      const writeStarted = performance.now();
      for (let start = 0; start < size; start += 5000) {
        const upsert = Array.from({ length: Math.min(5000, size - start) }, (_, offset) => ({ id: `v${start + offset}`, vector: random(dimension) }));
        await writer.apply({ upsert });
      }
      const writeMs = performance.now() - writeStarted;

      // A fresh process: the first read loads the whole collection.
      const reader = createVectorIndex({ redis, keys, tenant: "bench", collection, embedder, replicas: createVectorReplicaCache({ kernel }) });
      const loadStarted = performance.now();
      await reader.count();
      const loadMs = performance.now() - loadStarted;

      for (let warm = 0; warm < 5; warm++) await reader.search(random(dimension), { topK: 10 });
      const samples: number[] = [];
      for (let query = 0; query < queries; query++) {
        const vector = random(dimension);
        const started = performance.now();
        await reader.search(vector, { topK: 10 });
        samples.push(performance.now() - started);
      }
      samples.sort((left, right) => left - right);

      // A search right after another process wrote one vector: the catch-up is part of its latency.
      const afterWrite: number[] = [];
      for (let round = 0; round < 20; round++) {
        await writer.apply({ upsert: [{ id: `fresh${round}`, vector: random(dimension) }] });
        const started = performance.now();
        await reader.search(random(dimension), { topK: 10 });
        afterWrite.push(performance.now() - started);
      }
      afterWrite.sort((left, right) => left - right);

      results.push({
        vectors: size,
        search_p50_ms: round(percentile(samples, 0.5)),
        search_p99_ms: round(percentile(samples, 0.99)),
        search_after_write_p50_ms: round(percentile(afterWrite, 0.5)),
        full_load_ms: round(loadMs),
        write_vectors_per_s: Math.round(size / (writeMs / 1000)),
        queries,
      });
      await writer.drop();
    }
  } finally {
    await redis.quit();
    await server?.stop();
  }
  process.stdout.write(`${JSON.stringify({ bench: "vector-search", kernel: kernel.name, dimension, top_k: 10, results })}\n`);
}

await main();
