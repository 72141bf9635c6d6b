import type { Redis } from "ioredis";
import type { CoreDeps } from "../deps.js";
import { runChecks, type HealthCheck, type HealthReport, type HealthStatus } from "./checks.js";
import { histogramSamples, type Gauge, type MetricsSource } from "./metrics-source.js";
import type { RequestMetrics } from "./request-metrics.js";

export interface HealthServiceDeps extends CoreDeps {
  checks: readonly HealthCheck[];
  metricsSources: readonly MetricsSource[];
  requestMetrics: RequestMetrics;
  /** Per check, the URL shown in `/metrics` `services[]` (already credential-free). */
  serviceUrls: Record<string, string>;
  checkTimeoutMs?: number;
}

const serviceStatus: Record<string, HealthStatus> = { ok: "healthy", warn: "degraded", fail: "unhealthy" };

export function createHealthService(deps: HealthServiceDeps) {
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  const uptimeSeconds = () => Math.round((deps.clock.now() - deps.startedAt) / 10) / 100;

  async function health(redis: () => Promise<Redis>, only?: readonly string[], own: readonly HealthCheck[] = []) {
    const checks = [...(only ? deps.checks.filter((check) => only.includes(check.name)) : deps.checks), ...own];
    const report = await runChecks(checks, redis, timeoutMs, deps.clock.now);
    return { ...report, version: deps.version, uptime_seconds: uptimeSeconds() };
  }

  async function collectSources(redis: () => Promise<Redis>) {
    return Promise.all(
      deps.metricsSources.map(async (source) => {
        try {
          return { key: source.key, ...(await source.collect(redis)) };
        } catch (error) {
          deps.logger.warn("metrics_source_failed", { source: source.key, error });
          return { key: source.key, json: { error: "unavailable" }, gauges: [] as Gauge[] };
        }
      }),
    );
  }

  /** The original's `/metrics` fields, plus request, pool, queue and memory figures. */
  async function metrics(redis: () => Promise<Redis>) {
    const [report, sources] = await Promise.all([health(redis), collectSources(redis)]);
    return {
      uptime_seconds: uptimeSeconds(),
      system: deps.systemStats(),
      memory_stats: {
        total_memories: 0,
        storage_threshold: deps.config.memory.threshold,
        embedding_dim: null,
        index_type: "exact",
      },
      services: services(report),
      version: deps.version,
      status: report.status,
      requests: deps.requestMetrics.snapshot(),
      ...Object.fromEntries(sources.map((source) => [source.key, source.json])),
    };
  }

  function services(report: HealthReport) {
    return [
      { name: "Archive", status: "healthy", url: "internal" },
      ...Object.entries(report.checks).map(([name, result]) => ({
        name,
        status: serviceStatus[result.status] ?? "unhealthy",
        url: deps.serviceUrls[name] ?? "internal",
      })),
    ];
  }

  async function prometheusGauges(redis: () => Promise<Redis>): Promise<Gauge[]> {
    const [report, sources] = await Promise.all([health(redis), collectSources(redis)]);
    const requests = deps.requestMetrics;
    const routes = [...requests.byRoute()];
    const bounds = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
    return [
      { name: "archive_up", help: "1 when healthy, 0.5 degraded, 0 unhealthy", type: "gauge", samples: [{ value: report.status === "healthy" ? 1 : report.status === "degraded" ? 0.5 : 0 }] },
      { name: "archive_uptime_seconds", help: "Seconds since this process started", type: "gauge", samples: [{ value: uptimeSeconds() }] },
      {
        name: "archive_check_ok",
        help: "1 when a dependency check passes",
        type: "gauge",
        samples: Object.entries(report.checks).map(([check, result]) => ({ labels: { check }, value: result.status === "ok" ? 1 : 0 })),
      },
      {
        name: "archive_http_requests_total",
        help: "HTTP requests handled by this process",
        type: "counter",
        samples: routes.map(([route, entry]) => ({ labels: { route }, value: entry.count })),
      },
      {
        name: "archive_http_request_errors_total",
        help: "HTTP requests answered with a 5xx status",
        type: "counter",
        samples: routes.map(([route, entry]) => ({ labels: { route }, value: entry.errors })),
      },
      {
        name: "archive_http_request_duration_ms",
        help: "Request latency (ms)",
        type: "histogram",
        samples: histogramSamples(requests.latency, bounds),
      },
      ...sources.flatMap((source) => source.gauges),
    ];
  }

  return { version: deps.version, health, metrics, prometheusGauges };
}

export type HealthService = ReturnType<typeof createHealthService>;
