import { ConfigError } from "../../shared/config.js";
import { loadConfig } from "../../functions/compose.js";
import { assertSafeToListen } from "../../shared/listen-safety.js";
import { createLogger } from "../../shared/logger.js";
import { composeNode } from "./compose.js";
import { checkRedisReachable } from "./redis.js";
import { exitOnStartupError, onShutdown, serveHttp } from "./serve.js";

/** Self-hosted HTTP server: stateless, run as many as you like against one Redis. */
async function main() {
  const config = loadConfig(process.env);
  assertSafeToListen(config);
  if (!config.redisUrl) throw new ConfigError(["REDIS_URL is required for infra/node/server.ts (the emulator starts its own Redis; this does not)"]);
  const logger = createLogger({ level: config.logLevel });
  await checkRedisReachable(config.redisUrl, logger);
  const system = composeNode({ config, redisUrl: config.redisUrl, logger, workers: false });
  // The first chat after a start must retrieve like every other: the model loads before we listen.
  await system.warmed;
  const http = await serveHttp(system.app.fetch, config.host, config.port);
  logger.info("archive_started", { url: http.url, role: "http" });
  onShutdown(logger, async () => {
    await http.close();
    await system.close();
  });
}

main().catch((error: unknown) => exitOnStartupError(error, (e) => (e instanceof ConfigError ? e.message : undefined)));
