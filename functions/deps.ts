import type { Redis } from "ioredis";
import type { Clock, IdGenerator } from "../shared/clock.js";
import type { Config } from "../shared/config.js";
import type { AppError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { RedisKeys } from "../shared/redis-keys.js";

/**
 * How a request gets Redis. On Node one shared client serves every request; in workerd a client
 * must not outlive its request (a module-level ioredis client hangs on the second request), so
 * each lease there is a fresh connection that `release` closes.
 */
export interface RedisLease {
  redis: Redis;
  release(): Promise<void>;
}

export interface RedisProvider {
  acquire(): Promise<RedisLease>;
  /**
   * While the connection is known to be down, the 503 to answer instead of a command's failure
   * (which would otherwise be an opaque 500). Decided by connection state, never by error text.
   */
  outage?(): AppError | undefined;
}

/** Host facts only a runtime can read (`node:os` on Node; nothing in workerd). */
export interface SystemStats {
  cpu_percent: number;
  memory_percent: number;
  memory_used_mb: number;
  memory_total_mb: number;
}

/** Runs `work` with a leased client and always releases it (jobs, the drop folder: work outside a request). */
export async function withRedis<Result>(provider: RedisProvider, work: (redis: Redis) => Promise<Result>): Promise<Result> {
  const lease = await provider.acquire();
  try {
    return await work(lease.redis);
  } finally {
    await lease.release();
  }
}

/** Everything the composition roots build once and hand to the app. */
export interface CoreDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  keys: RedisKeys;
  redis: RedisProvider;
  version: string;
  /** When this process (or isolate) started, epoch ms: the base of `uptime_seconds`. */
  startedAt: number;
  systemStats: () => SystemStats | null;
}
