import { createHistogram, type Histogram } from "../../shared/histogram.js";

/** Per-process request figures; each process (or isolate) reports its own. */
export interface RequestMetrics {
  record(route: string, status: number, milliseconds: number): void;
  snapshot(): RequestMetricsSnapshot;
  readonly latency: Histogram;
  byRoute(): Map<string, { count: number; errors: number; latency: Histogram }>;
}

export interface RequestMetricsSnapshot {
  total: number;
  by_status: Record<string, number>;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

export function createRequestMetrics(): RequestMetrics {
  const latency = createHistogram();
  const statuses = new Map<string, number>();
  const routes = new Map<string, { count: number; errors: number; latency: Histogram }>();
  let total = 0;
  return {
    latency,
    record(route, status, milliseconds) {
      total += 1;
      latency.record(milliseconds);
      const statusClass = `${Math.floor(status / 100)}xx`;
      statuses.set(statusClass, (statuses.get(statusClass) ?? 0) + 1);
      let entry = routes.get(route);
      if (!entry) {
        entry = { count: 0, errors: 0, latency: createHistogram() };
        routes.set(route, entry);
      }
      entry.count += 1;
      if (status >= 500) entry.errors += 1;
      entry.latency.record(milliseconds);
    },
    snapshot() {
      const { p50, p95, p99, max } = latency.summary();
      return { total, by_status: Object.fromEntries(statuses), latency_ms: { p50, p95, p99, max } };
    },
    byRoute: () => routes,
  };
}
