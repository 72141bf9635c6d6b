import type { Redis } from "ioredis";
import type { HttpFunction } from "../http-function.js";
import type { Platform } from "../platform.js";
import { runChecks, type HealthCheck, type HealthReport, type HealthStatus, type PlatformCheckName } from "./checks.js";
import { histogramSamples, type Gauge, type MetricsSource } from "./metrics-source.js";
import type { RequestMetrics } from "./request-metrics.js";

/** What health reads of the platform (the app's tests build just this). */
export type HealthPlatform = Pick<Platform, "config" | "logger" | "clock" | "version" | "startedAt" | "systemStats">;

export interface HealthServiceDeps {
  platform: HealthPlatform;
  platformChecks: Readonly<Record<PlatformCheckName, HealthCheck>>;
  functions: readonly HttpFunction[];
  metricsSources: readonly MetricsSource[];
  requestMetrics: RequestMetrics;
  /** Per check, the URL shown in `/metrics` `services[]` (already credential-free). */
  serviceUrls: Record<string, string>;
  checkTimeoutMs?: number;
}

const serviceStatus: Record<string, HealthStatus> = { ok: "healthy", warn: "degraded", fail: "unhealthy" };

export function createHealthService(deps: HealthServiceDeps) {
  const { platform } = deps;
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  const uptimeSeconds = () => Math.round((platform.clock.now() - platform.startedAt) / 10) / 100;
  // `/health`: every platform check and every function's own; `/<name>/health`: what it relies on.
  const allChecks = [...Object.values(deps.platformChecks), ...deps.functions.flatMap((fn) => fn.checks ?? [])];
  const checksOf = (fn: HttpFunction) => [...fn.needs.map((name) => deps.platformChecks[name]), ...(fn.checks ?? []), ...(fn.ownChecks ?? [])];

  async function health(redis: () => Promise<Redis>, fn?: HttpFunction) {
    const report = await runChecks(fn ? checksOf(fn) : allChecks, redis, timeoutMs, platform.clock.now);
    return { ...report, version: platform.version, uptime_seconds: uptimeSeconds() };
  }

  async function collectSources(redis: () => Promise<Redis>) {
    return Promise.all(
      deps.metricsSources.map(async (source) => {
        try {
          return { key: source.key, ...(await source.collect(redis)) };
        } catch (error) {
          platform.logger.warn("metrics_source_failed", { source: source.key, error });
          return { key: source.key, json: { error: "unavailable" }, gauges: [] as Gauge[] };
        }
      }),
    );
  }

  /** The original's `/metrics` fields (`memory_stats` is memory's source), plus request, pool, queue figures. */
  async function metrics(redis: () => Promise<Redis>) {
    const [report, sources] = await Promise.all([health(redis), collectSources(redis)]);
    return {
      uptime_seconds: uptimeSeconds(),
      system: platform.systemStats(),
      services: services(report),
      version: platform.version,
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

  return { version: platform.version, health, metrics, prometheusGauges };
}

export type HealthService = ReturnType<typeof createHealthService>;
