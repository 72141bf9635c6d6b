import type { Redis } from "ioredis";
import type { Histogram } from "../../shared/histogram.js";

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

/** A histogram's Prometheus samples (`_bucket` per bound and `+Inf`, `_sum`, `_count`). */
export function histogramSamples(histogram: Histogram, bounds: readonly number[]): Gauge["samples"] {
  const count = histogram.summary().count;
  return [
    ...histogram.cumulative(bounds).map(({ bound, count }) => ({ suffix: "_bucket", labels: { le: String(bound) }, value: count })),
    { suffix: "_bucket", labels: { le: "+Inf" }, value: count },
    { suffix: "_sum", value: histogram.sum() },
    { suffix: "_count", value: count },
  ];
}
