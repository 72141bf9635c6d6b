import type { Histogram } from "../shared/histogram.js";
import { percentilesOf, snapshotEndpoint, type Endpoint, type EndpointSnapshot, type Percentiles } from "./endpoint.js";

/** The pool's figures for `/metrics` (JSON and Prometheus) and `/health`. Keys are snake_case like the rest of `/metrics`. */
export interface PoolSnapshot {
  /**
   * healthy: every endpoint ready. degraded: some ready, or none judged yet (cold/warming).
   * unhealthy: no endpoint, or every endpoint unhealthy.
   */
  status: "healthy" | "degraded" | "unhealthy";
  /** Where endpoints come from ("static", "modal:app/function"). */
  source: string;
  endpoints: EndpointSnapshot[];
  in_flight: number;
  queued: number;
  queue_capacity: number;
  /** 429s since start: queue full or queue deadline passed. */
  rejected: number;
  /** Second attempts on another endpoint after a failure before the first byte. */
  retries: number;
  latency_ms: Percentiles;
  ttft_ms: Percentiles;
  queue_wait_ms: Percentiles;
}

export interface PoolTotals {
  rejected: number;
  retries: number;
  latency: Histogram;
  ttft: Histogram;
  queueWait: Histogram;
}

export function snapshotPool(input: {
  endpoints: Iterable<Endpoint>;
  now: number;
  source: string;
  queued: number;
  queueCapacity: number;
  totals: PoolTotals;
}): PoolSnapshot {
  let inFlight = 0;
  const endpoints: EndpointSnapshot[] = [];
  for (const endpoint of input.endpoints) {
    inFlight += endpoint.inFlight;
    if (!endpoint.retired) endpoints.push(snapshotEndpoint(endpoint, input.now));
  }
  const ready = endpoints.filter((endpoint) => endpoint.state === "ready").length;
  const unhealthy = endpoints.filter((endpoint) => endpoint.state === "unhealthy").length;
  const status =
    endpoints.length === 0 || unhealthy === endpoints.length
      ? "unhealthy"
      : ready === endpoints.length
        ? "healthy"
        : "degraded";
  return {
    status,
    source: input.source,
    endpoints,
    in_flight: inFlight,
    queued: input.queued,
    queue_capacity: input.queueCapacity,
    rejected: input.totals.rejected,
    retries: input.totals.retries,
    latency_ms: percentilesOf(input.totals.latency),
    ttft_ms: percentilesOf(input.totals.ttft),
    queue_wait_ms: percentilesOf(input.totals.queueWait),
  };
}
