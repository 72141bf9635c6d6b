import { Redis, type RedisOptions } from "ioredis";
import type { RedisProvider } from "../../functions/platform.js";
import { serviceUnavailable } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { StartupError } from "./serve.js";

/** How long a request waits for a connection that is (re)connecting before it is told 503. */
const readyWaitMs = 1000;
const retryAfterSeconds = 2;

/**
 * Every ioredis client of a Node process. An `error` listener is always attached: without one,
 * ioredis prints "[ioredis] Unhandled error event" with the failed command — for AUTH that is the
 * password — on stderr, on every reconnect. Here an outage is one log line (no command, no
 * arguments) when it starts and one when it ends.
 */
export function createRedisClient(url: string, logger: Logger, options: RedisOptions & { connectionName: string }): Redis {
  const redis = new Redis(url, options);
  let down = false;
  redis.on("error", (error: Error & { code?: string }) => {
    if (down) return;
    down = true;
    logger.warn("redis_unavailable", { connection: options.connectionName, code: error.code, error: { name: error.name, message: error.message } });
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info("redis_recovered", { connection: options.connectionName });
  });
  return redis;
}

const outage = () =>
  serviceUnavailable("Redis is unreachable; the request was not carried out. Retry shortly.", { code: "redis_unavailable", retryAfterSeconds });

/**
 * On Node one connection serves every request; leases are free. Auto-pipelining stays off:
 * ioredis 6 mangles `callBuffer` under it (the command name is dropped), which the vector
 * index's scripts use. While the connection is down a request is answered 503 at once instead
 * of queueing behind reconnects, and the client keeps reconnecting, so service resumes by itself.
 */
export function createSharedRedis(url: string, logger: Logger): { redis: Redis; provider: RedisProvider; close(): Promise<void> } {
  const redis = createRedisClient(url, logger, { maxRetriesPerRequest: 1, connectionName: "archive" });
  const lease = { redis, release: async () => undefined };
  // Once a connection has failed, requests are told at once until it is back; only the very first
  // connect (a request racing the start) is worth a short wait.
  let failedSinceReady = false;
  redis.on("error", () => (failedSinceReady = true));
  redis.on("ready", () => (failedSinceReady = false));
  const whenReady = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), readyWaitMs);
      const onReady = () => done(true);
      function done(ready: boolean) {
        clearTimeout(timer);
        redis.off("ready", onReady);
        resolve(ready);
      }
      redis.on("ready", onReady);
    });
  return {
    redis,
    provider: {
      acquire: async () => {
        if (redis.status === "ready" || (!failedSinceReady && (await whenReady()))) return lease;
        throw outage();
      },
      outage: () => (redis.status === "ready" ? undefined : outage()),
    },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Connects once before the process says it started: a refused password or an unreachable
 * server is a clear startup failure (the message names no secret), not a "started" line
 * followed by endless reconnect noise.
 */
export async function checkRedisReachable(url: string, logger: Logger, timeoutMs = 5000): Promise<void> {
  const probe = createRedisClient(url, logger, { connectionName: "archive-startup", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`Redis refused the connection or could not be reached (${reason}). Check REDIS_URL and its password.`);
  } finally {
    probe.disconnect();
  }
}

