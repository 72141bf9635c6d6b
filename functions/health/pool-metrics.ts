import type { PoolSnapshot } from "../../gpu/pool-snapshot.js";
import type { MetricsSource } from "./metrics-source.js";

/**
 * The inference pool's figures under `pool` in `/metrics` (in flight, queued, endpoint states,
 * latency) and as Prometheus gauges. Read from the process's own pool: no I/O, no tenant data
 * (endpoint URLs are already credential-free).
 */
export function createPoolMetricsSource(readSnapshot: () => PoolSnapshot): MetricsSource {
  return {
    key: "pool",
    async collect() {
      const snapshot = readSnapshot();
      const states = ["cold", "warming", "ready", "unhealthy"];
      return {
        json: snapshot,
        gauges: [
          { name: "archive_pool_in_flight", help: "Inference requests being served", type: "gauge", samples: [{ value: snapshot.in_flight }] },
          { name: "archive_pool_queued", help: "Inference requests waiting for a free endpoint", type: "gauge", samples: [{ value: snapshot.queued }] },
          { name: "archive_pool_rejected_total", help: "Inference requests refused with 429 (queue full or deadline)", type: "counter", samples: [{ value: snapshot.rejected }] },
          {
            name: "archive_pool_endpoints",
            help: "Inference endpoints by state",
            type: "gauge",
            samples: states.map((state) => ({ labels: { state }, value: snapshot.endpoints.filter((endpoint) => endpoint.state === state).length })),
          },
        ],
      };
    },
  };
}
