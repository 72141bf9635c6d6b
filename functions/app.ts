import type { Hono } from "hono";
import type { PoolSnapshot } from "../gpu/pool-snapshot.js";
import { queueNames } from "../shared/queues.js";
import type { AppEnv } from "./context.js";
import type { CoreDeps } from "./deps.js";
import type { ArchiveFunction } from "./function.js";
import { redisCheck, type HealthCheck } from "./health/checks.js";
import { createInferenceCheck, type PoolProbe } from "./health/inference-check.js";
import type { MetricsSource } from "./health/metrics-source.js";
import { createPoolMetricsSource } from "./health/pool-metrics.js";
import { createQueueCheck } from "./health/queue-check.js";
import { createRequestMetrics } from "./health/request-metrics.js";
import { createHealthService } from "./health/service.js";
import { createRouter } from "./router.js";

export interface AppDeps extends CoreDeps {
  /** `snapshot` (the real pool has it) puts the pool's figures into `/metrics`. */
  pool: PoolProbe & { snapshot?(): PoolSnapshot };
  /** URLs shown in `/metrics` services[], credential-free. */
  serviceUrls: Record<string, string>;
  functions?: readonly ArchiveFunction[];
  extraChecks?: readonly HealthCheck[];
  metricsSources?: readonly MetricsSource[];
}

/** Builds the whole HTTP surface from injected dependencies; every runtime serves this. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const requestMetrics = createRequestMetrics();
  const poolSnapshot = deps.pool.snapshot?.bind(deps.pool);
  const checks = [
    redisCheck,
    createInferenceCheck(deps.pool),
    createQueueCheck(deps.keys, Object.values(queueNames), deps.clock),
    ...(deps.extraChecks ?? []),
  ];
  const health = createHealthService({
    ...deps,
    checks,
    metricsSources: [...(poolSnapshot ? [createPoolMetricsSource(poolSnapshot)] : []), ...(deps.metricsSources ?? [])],
    requestMetrics,
  });
  return createRouter({ ...deps, functions: deps.functions ?? [], health, requestMetrics });
}
