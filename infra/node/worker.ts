import { ConfigError } from "../../shared/config.js";
import { loadConfig } from "../../functions/compose.js";
import { createLogger } from "../../shared/logger.js";
import { composeNode } from "./compose.js";
import { checkRedisReachable } from "./redis.js";
import { exitOnStartupError, onShutdown } from "./serve.js";

/**
 * Self-hosted background process: the BullMQ workers (memory scoring, library ingestion,
 * archival), the daily archival scheduler and the library drop-folder watcher. Run one or more
 * next to any number of `server.ts` processes, against the same Redis.
 */
async function main() {
  const config = loadConfig(process.env);
  if (!config.redisUrl) throw new ConfigError(["REDIS_URL is required for infra/node/worker.ts"]);
  const logger = createLogger({ level: config.logLevel }).child({ role: "worker" });
  await checkRedisReachable(config.redisUrl, logger);
  const system = composeNode({ config, redisUrl: config.redisUrl, logger, workers: true });
  logger.info("archive_worker_started", {});
  onShutdown(logger, () => system.close());
}

main().catch((error: unknown) => exitOnStartupError(error, (e) => (e instanceof ConfigError ? e.message : undefined)));
