import type { Redis } from "ioredis";
import type { RedisKeys } from "../../shared/redis-keys.js";
import type { Clock } from "../../shared/clock.js";
import type { QueueName } from "../../shared/queues.js";
import type { HealthCheck } from "./checks.js";

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  workers: number;
}

/**
 * Reads BullMQ's own keys (lists and sorted sets under its prefix) so the check runs anywhere
 * ioredis runs, including workerd where BullMQ itself does not. Workers announce themselves with
 * a heartbeat key that expires, see `workerHeartbeatKey`.
 */
export async function readQueueCounts(redis: Redis, keys: RedisKeys, queue: QueueName, now: number): Promise<QueueCounts> {
  const base = `${keys.queuePrefix}:${queue}`;
  const [waiting, paused, prioritized, active, delayed, failed, workers] = await Promise.all([
    redis.llen(`${base}:wait`),
    redis.llen(`${base}:paused`),
    redis.zcard(`${base}:prioritized`),
    redis.llen(`${base}:active`),
    redis.zcard(`${base}:delayed`),
    redis.zcard(`${base}:failed`),
    redis.zcount(workerHeartbeatKey(keys, queue), now - heartbeatTtlMs, "+inf"),
  ]);
  return { waiting: waiting + paused + prioritized, active, delayed, failed, workers };
}

export const heartbeatTtlMs = 30_000;

/** Sorted set of worker ids scored by their last heartbeat (epoch ms). */
export const workerHeartbeatKey = (keys: RedisKeys, queue: QueueName) => keys.global("workers", queue);

export function createQueueCheck(keys: RedisKeys, queues: readonly QueueName[], clock: Clock): HealthCheck {
  return {
    name: "queues",
    critical: false,
    async run({ redis }) {
      const client = await redis();
      const counts = Object.fromEntries(
        await Promise.all(queues.map(async (queue) => [queue, await readQueueCounts(client, keys, queue, clock.now())] as const)),
      );
      // Jobs piling up with nobody consuming them is the failure worth flagging.
      const stalled = Object.entries(counts)
        .filter(([, count]) => count.waiting > 0 && count.workers === 0)
        .map(([queue]) => queue);
      return stalled.length > 0
        ? { status: "warn", detail: `no live worker for ${stalled.join(", ")}`, queues: counts }
        : { status: "ok", queues: counts };
    },
  };
}
