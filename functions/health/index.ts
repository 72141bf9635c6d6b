export { runChecks, type CheckResult, type CheckStatus, type HealthCheck, type HealthReport, type HealthStatus, type PlatformCheckName } from "./checks.js";
export { histogramSamples, type Gauge, type MetricsSource } from "./metrics-source.js";
export { heartbeatTtlMs, readQueueCounts, workerHeartbeatKey, type QueueCounts } from "./queue-check.js";
export type { PoolProbe } from "./inference-check.js";
