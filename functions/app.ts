import type { Hono } from "hono";
import type { PoolSnapshot } from "../gpu/pool-snapshot.js";
import type { AppEnv } from "./app-env.js";
import type { HttpFunction } from "./http-function.js";
import { redisCheck, type HealthCheck, type PlatformCheckName } from "./health/checks.js";
import { createEmbedderCheck, type EmbedderProbe } from "./health/embedder-check.js";
import { createInferenceCheck, type PoolProbe } from "./health/inference-check.js";
import type { MetricsSource } from "./health/metrics-source.js";
import { createPoolMetricsSource } from "./health/pool-metrics.js";
import { createRedisMemoryMetricsSource } from "./health/redis-memory-metrics.js";
import { createQueueCheck } from "./health/queue-check.js";
import { createRequestMetrics } from "./health/request-metrics.js";
import { createHealthService } from "./health/service.js";
import type { Platform } from "./platform.js";
import { createRouter } from "./router.js";

/** What the app itself reads of the platform: a stand-in pool and embedder are enough for health's tests. */
export type AppPlatform = Pick<Platform, "config" | "logger" | "clock" | "ids" | "keys" | "redis" | "version" | "startedAt" | "systemStats"> & {
  /** `snapshot` (the real pool has it) puts the pool's figures into `/metrics`. */
  pool: PoolProbe & { snapshot?(): PoolSnapshot };
  embedder: EmbedderProbe;
};

export interface AppOptions {
  functions: readonly HttpFunction[];
  /** URLs shown in `/metrics` services[], credential-free. */
  serviceUrls: Record<string, string>;
  /** The runtime's own figures (the Node process's, say), beside the functions'. */
  metrics?: readonly MetricsSource[];
}

/** Builds the whole HTTP surface from the platform and the composed functions; every runtime serves this. */
export function createApp(platform: AppPlatform, options: AppOptions): Hono<AppEnv> {
  const requestMetrics = createRequestMetrics();
  const queues = [...new Set(options.functions.flatMap((fn) => fn.jobs ?? []).map((job) => job.queue))];
  const platformChecks: Record<PlatformCheckName, HealthCheck> = {
    redis: redisCheck,
    inference: createInferenceCheck(platform.pool),
    queues: createQueueCheck(platform.keys, queues, platform.clock),
    embedder: createEmbedderCheck(platform.embedder, platform.clock),
  };
  const poolSnapshot = platform.pool.snapshot?.bind(platform.pool);
  const metricsSources = [
    ...(poolSnapshot ? [createPoolMetricsSource(poolSnapshot)] : []),
    createRedisMemoryMetricsSource(),
    ...options.functions.flatMap((fn) => fn.metrics ?? []),
    ...(options.metrics ?? []),
  ];
  // Names key the health report and `/metrics`: a second one of a name would hide the first.
  assertUnique("function", options.functions.map((fn) => fn.name));
  assertUnique("health check", [...Object.keys(platformChecks), ...options.functions.flatMap((fn) => [...(fn.checks ?? []), ...(fn.ownChecks ?? [])].map((check) => check.name))]);
  assertUnique("metrics source", metricsSources.map((source) => source.key));
  const health = createHealthService({
    platform,
    platformChecks,
    functions: options.functions,
    metricsSources,
    requestMetrics,
    serviceUrls: options.serviceUrls,
  });
  return createRouter({ platform, functions: options.functions, health, requestMetrics });
}

function assertUnique(kind: string, names: readonly string[]): void {
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) throw new Error(`two of the composed functions use the ${kind} name "${repeated[0]}"`);
}
