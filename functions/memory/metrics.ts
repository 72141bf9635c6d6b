import type { Redis } from "ioredis";
import type { Clock } from "../../shared/clock.js";
import type { MemoryConfig } from "./config.js";
import { memoryQueues } from "./queues.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { readQueueCounts, type Gauge, type MetricsSource, type QueueCounts } from "../health/index.js";
import { defaultEndUser } from "../chat/index.js";
import { memoryKeysFor } from "./store.js";

/**
 * Memory's figures for `/metrics` and `/metrics/prometheus`, under `memory_stats`: the original's
 * fields (`total_memories`, `storage_threshold`, `embedding_dim`, `index_type`) with real values,
 * plus queue figures. Aggregates over all tenants only — never one tenant's data or name.
 */
export function createMemoryMetricsSource(deps: {
  keys: RedisKeys;
  clock: Clock;
  config: Pick<MemoryConfig, "memory">;
  embedder: { readonly dimension: number };
}): MetricsSource {
  return {
    key: "memory_stats",
    async collect(redis) {
      const client = await redis();
      const now = deps.clock.now();
      const [counts, capture, archive, lagMs] = await Promise.all([
        memoryCounts(client, deps.keys),
        readQueueCounts(client, deps.keys, memoryQueues.capture, now),
        readQueueCounts(client, deps.keys, memoryQueues.archive, now),
        oldestUnscoredAge(client, deps.keys, now),
      ]);
      const lagSeconds = Math.round(lagMs / 100) / 10;
      const json = {
        // The original counted every memory it held; Archive holds them hot and cold.
        total_memories: counts.hot + counts.archived,
        storage_threshold: deps.config.memory.threshold,
        embedding_dim: deps.embedder.dimension || null,
        index_type: "exact",
        hot_memories: counts.hot,
        archived_memories: counts.archived,
        tenants: counts.tenants,
        capture_queue: capture,
        scoring_lag_seconds: lagSeconds,
        archive_queue: archive,
      };
      return { json, gauges: gauges(counts, capture, lagSeconds) };
    },
  };
}

async function memoryCounts(redis: Redis, keys: RedisKeys): Promise<{ hot: number; archived: number; tenants: number }> {
  const tenants = await redis.smembers(keys.global("memory", "tenants"));
  let hot = 0;
  let archived = 0;
  for (let start = 0; start < tenants.length; start += 500) {
    const chunk = tenants.slice(start, start + 500);
    const listing = redis.pipeline();
    for (const tenant of chunk) listing.smembers(memoryKeysFor(keys, { tenant, endUser: defaultEndUser }).users);
    const users = (await listing.exec()) ?? [];
    const pipeline = redis.pipeline();
    chunk.forEach((tenant, position) => {
      const [error, names] = users[position] ?? [null, []];
      if (error) throw error;
      for (const endUser of new Set([defaultEndUser, ...(names as string[])])) {
        const memory = memoryKeysFor(keys, { tenant, endUser });
        pipeline.zcard(memory.timeline).hlen(memory.archived);
      }
    });
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, value], position) => {
      if (error) throw error;
      if (position % 2 === 0) hot += Number(value);
      else archived += Number(value);
    });
  }
  return { hot, archived, tenants: tenants.length };
}

/**
 * Age of the oldest captured turn not yet scored: the head of the wait list (BullMQ pushes on the
 * left and takes from the right), what is running, and what waits for a retry. Bounded reads.
 */
async function oldestUnscoredAge(redis: Redis, keys: RedisKeys, now: number): Promise<number> {
  const base = `${keys.queuePrefix}:${memoryQueues.capture}`;
  const [next, active, delayed] = await Promise.all([
    redis.lindex(`${base}:wait`, -1),
    redis.lrange(`${base}:active`, 0, 49),
    redis.zrange(`${base}:delayed`, "0", "49"),
  ]);
  const ids = [...(next ? [next] : []), ...active, ...delayed];
  if (ids.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(`${base}:${id}`, "timestamp");
  const stamps = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value)).filter((value) => Number.isFinite(value) && value > 0);
  return stamps.length === 0 ? 0 : Math.max(0, now - Math.min(...stamps));
}

function gauges(counts: { hot: number; archived: number }, capture: QueueCounts, lagSeconds: number): Gauge[] {
  return [
    {
      name: "archive_memories",
      help: "Memories held, by storage tier (all tenants)",
      type: "gauge",
      samples: [
        { labels: { tier: "hot" }, value: counts.hot },
        { labels: { tier: "archived" }, value: counts.archived },
      ],
    },
    {
      name: "archive_memory_capture_jobs",
      help: "Captured turns in the scoring queue, by state",
      type: "gauge",
      samples: (["waiting", "active", "delayed", "failed"] as const).map((state) => ({ labels: { state }, value: capture[state] })),
    },
    { name: "archive_memory_scoring_lag_seconds", help: "Age of the oldest captured turn not yet scored", type: "gauge", samples: [{ value: lagSeconds }] },
  ];
}
