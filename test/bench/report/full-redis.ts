import type { Redis } from "ioredis";
import { readRedisMemory } from "../../../functions/health/redis-memory-metrics.js";
import { keepAliveAgent, round, sendRequest } from "../load.js";

export interface FullRedisOutcome {
  request: string;
  status: number;
  /** The problem+json `code`, when the answer was one. */
  code: string | null;
  ms: number;
}

/**
 * The `maxmemory` knob at its limit: Redis set just below what it holds, then a write and reads
 * through the HTTP process, as a user would meet a full Redis. Archive runs `noeviction`, so the
 * write must be refused (never a memory silently lost) while reads still answer. The limit is
 * lifted afterwards.
 */
export async function measureFullRedis(redis: Redis, baseUrl: string): Promise<FullRedisOutcome[]> {
  const agent = keepAliveAgent();
  const call = async (request: string, path: string, body: unknown): Promise<FullRedisOutcome> => {
    const started = performance.now();
    const answer = await sendRequest(agent, `${baseUrl}${path}`, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    const ms = round(performance.now() - started);
    let code: string | null = null;
    try {
      code = (JSON.parse(answer.body.toString()) as { code?: string }).code ?? null;
    } catch {
      // not JSON
    }
    return { request, status: answer.status, code, ms };
  };
  // Below what it holds, so it is full whatever others free or write meanwhile (queues, heartbeats).
  const used = (await readRedisMemory(redis)).used_memory_bytes;
  await redis.config("SET", "maxmemory", String(Math.max(2 ** 20, used - 2 ** 20)));
  try {
    return [
      await call("add a memory (POST /memories)", "/memories", { message: `A memory written into a full Redis ${crypto.randomUUID()}` }),
      await call("search memories (POST /memories/search)", "/memories/search", { query: "What did I say about the harbour?", top_k: 5 }),
      await call("search the library (POST /library/search)", "/library/search", { query: "harbour master", top_k: 5 }),
    ];
  } finally {
    await redis.config("SET", "maxmemory", "0");
  }
}
