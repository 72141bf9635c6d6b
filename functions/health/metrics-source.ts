import type { Redis } from "ioredis";

/** One Prometheus metric family. */
export interface Gauge {
  name: string;
  help: string;
  type: "gauge" | "counter" | "histogram";
  /** `suffix` names a histogram's `_bucket` / `_sum` / `_count` series. */
  samples: { suffix?: string; labels?: Record<string, string>; value: number }[];
}

/**
 * Something that contributes figures to `/metrics` (under `key` in the JSON) and to
 * `/metrics/prometheus`. Functions register theirs at composition; figures are aggregates only,
 * never one tenant's data.
 */
export interface MetricsSource {
  key: string;
  collect(redis: () => Promise<Redis>): Promise<{ json: unknown; gauges: Gauge[] }>;
}
