import type { HealthCheck } from "./checks.js";

/** The part of the inference pool that health needs (structural, so health does not depend on routing). */
export interface PoolProbe {
  check(timeoutMs: number): Promise<{ endpoints: readonly { url: string; state: string }[] }>;
}

/** Ready if any endpoint is ready; the system stays up (degraded) when the GPU pool is not. */
export function createInferenceCheck(pool: PoolProbe): HealthCheck {
  return {
    name: "inference",
    critical: false,
    async run({ timeoutMs }) {
      const snapshot = await pool.check(Math.max(100, timeoutMs - 100));
      const endpoints = snapshot.endpoints.map((endpoint) => ({ url: endpoint.url, state: endpoint.state }));
      const ready = endpoints.filter((endpoint) => endpoint.state === "ready").length;
      if (endpoints.length === 0) return { status: "fail", detail: "no inference endpoint configured", endpoints };
      if (ready === 0) return { status: "fail", detail: "no inference endpoint is ready", endpoints };
      return { status: ready === endpoints.length ? "ok" : "warn", endpoints };
    },
  };
}
