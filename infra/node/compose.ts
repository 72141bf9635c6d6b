import { createApp } from "../../functions/app.js";
import { createChatFunction } from "../../functions/chat/index.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import type { Config } from "../../shared/config.js";
import type { Logger } from "../../shared/logger.js";
import { redactUrl } from "../../shared/redact.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { version } from "../../shared/version.js";
import { createNodePool } from "./pool.js";
import { createSharedRedis } from "./redis.js";
import { readSystemStats } from "./system-stats.js";

export interface NodeComposition {
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/**
 * The Node composition root shared by the emulator and `infra/node/server.ts`: builds every
 * dependency once and hands it down.
 */
export interface NodeCompositionOptions {
  config: Config;
  redisUrl: string;
  logger: Logger;
  /** Overrides the configured endpoints (the emulator's resolved engine). */
  endpoints?: Config["inference"]["endpoints"] | undefined;
  /** Also run the BullMQ workers and the scheduler in this process (emulator, worker entry). */
  workers?: boolean;
}

export function composeNode(options: NodeCompositionOptions): NodeComposition {
  const { config, logger } = options;
  const clock = systemClock;
  const keys = createRedisKeys(config.redisPrefix);
  const shared = createSharedRedis(options.redisUrl);
  const pool = createNodePool({ config, logger, clock, endpoints: options.endpoints });
  const stopProbing = pool.startProbing();
  const ids = createIdGenerator(clock);
  const chat = createChatFunction({ pool, keys, clock, ids, config, logger });

  const app = createApp({
    config,
    logger,
    clock,
    ids,
    keys,
    redis: shared.provider,
    version,
    startedAt: clock.now(),
    systemStats: readSystemStats,
    pool,
    functions: [chat],
    serviceUrls: {
      redis: redactUrl(options.redisUrl),
      inference: (options.endpoints ?? config.inference.endpoints).map((endpoint) => redactUrl(endpoint.url)).join(", ") || "modal",
    },
  });

  return {
    app,
    async close() {
      stopProbing();
      pool.close();
      await shared.close();
    },
  };
}
