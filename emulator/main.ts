import { join } from "node:path";
import { composeNode } from "../infra/node/compose.js";
import { checkRedisReachable } from "../infra/node/redis.js";
import { assertPortFree, exitOnStartupError, onShutdown, serveHttp } from "../infra/node/serve.js";
import { ConfigError } from "../shared/config.js";
import { loadConfig } from "../functions/compose.js";
import { assertSafeToListen } from "../shared/listen-safety.js";
import { createLogger } from "../shared/logger.js";
import { redactUrl } from "../shared/redact.js";
import { resolveInference } from "./inference.js";
import { startRedisServer, type RunningRedis } from "./redis-launcher.js";

/**
 * `npm start`: the whole system in ONE Node process — router, every function, every worker, the
 * scheduler — with a private redis-server and an inference engine found or emulated.
 */
async function main() {
  const config = loadConfig(process.env);
  assertSafeToListen(config);
  const logger = createLogger({ level: config.logLevel });

  // Before Redis: a taken port must not cost a redis-server start (and its stop).
  await assertPortFree(config.host, config.port);
  let redisServer: RunningRedis | undefined;
  if (!config.redisUrl) {
    redisServer = await startRedisServer({
      dataDir: join(config.dataDir, "redis"),
      onOrphanStopped: (pid) => logger.warn("redis_orphan_stopped", { pid, dir: join(config.dataDir, "redis") }),
    });
    const started = redisServer;
    logger.info("redis_started", { pid: started.pid, port: started.port, dir: join(config.dataDir, "redis") });
    // Even on a crash, the child must not outlive us. TensorFlow.js installs handlers that rethrow
    // uncaught errors, and a rethrow ends Node without an "exit" event: ours run first.
    process.on("exit", () => started.kill());
    const crash = (error: unknown) => {
      logger.error("archive_crashed", { error });
      started.kill();
      process.exit(1);
    };
    process.on("uncaughtException", crash);
    process.on("unhandledRejection", crash);
  }
  const redisUrl = config.redisUrl ?? redisServer!.url;
  if (config.redisUrl) await checkRedisReachable(redisUrl, logger);
  const inference = await resolveInference(config, logger);
  const system = composeNode({ config, redisUrl, logger, endpoints: inference.endpoints, workers: true });
  // The first chat after a start must retrieve like every other: the model loads before we listen.
  await system.warmed;
  const http = await serveHttp(system.app.fetch, config.host, config.port);

  logger.info("archive_started", {
    url: http.url,
    pid: process.pid,
    ui: `${http.url}/ui/`,
    health: `${http.url}/health`,
    metrics: `${http.url}/metrics`,
    openai_base_url: `${http.url}/v1`,
    redis: redisServer ? `private redis-server on :${redisServer.port} (data in ${join(config.dataDir, "redis")})` : redactUrl(redisUrl),
    redis_pid: redisServer?.pid,
    inference: inference.kind,
    voice: `speech-to-text: ${system.voice.stt}, text-to-speech: ${system.voice.tts}`,
    auth: config.auth.apiKeys ? `on (${config.auth.apiKeys.size} keys)` : "off (loopback only)",
  });

  // Order matters: stop taking requests, finish jobs, close clients, and only then stop Redis
  // (its SIGTERM flushes the append-only file).
  onShutdown(logger, async () => {
    await http.close();
    await system.close();
    await inference.close();
    await redisServer?.stop();
  });
}

main().catch((error: unknown) =>
  exitOnStartupError(error, (e) => (e instanceof ConfigError ? e.message : undefined)),
);
