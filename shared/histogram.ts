/**
 * A fixed-memory latency histogram (log-spaced buckets, ~4% resolution from 10 µs to ~20 min).
 * Percentiles from it are what `/metrics` reports; it never grows with traffic.
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface Histogram {
  record(milliseconds: number): void;
  summary(): LatencySummary;
  /** Cumulative counts at Prometheus-style upper bounds (ms). */
  cumulative(bounds: readonly number[]): { bound: number; count: number }[];
  sum(): number;
}

const growth = 1.04;
const smallest = 0.01;
const bucketCount = 600;
const logGrowth = Math.log(growth);

const bucketOf = (value: number) =>
  value <= smallest ? 0 : Math.min(bucketCount - 1, Math.ceil(Math.log(value / smallest) / logGrowth));
const upperBoundOf = (bucket: number) => smallest * growth ** bucket;

export function createHistogram(): Histogram {
  const counts = new Float64Array(bucketCount);
  let count = 0;
  let total = 0;
  let max = 0;

  const percentile = (fraction: number) => {
    if (count === 0) return 0;
    const target = Math.ceil(fraction * count);
    let seen = 0;
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      seen += counts[bucket] ?? 0;
      if (seen >= target) return Math.min(max, upperBoundOf(bucket));
    }
    return max;
  };

  return {
    record(milliseconds) {
      const value = Math.max(0, milliseconds);
      counts[bucketOf(value)]! += 1;
      count += 1;
      total += value;
      if (value > max) max = value;
    },
    summary: () => ({
      count,
      p50: round(percentile(0.5)),
      p95: round(percentile(0.95)),
      p99: round(percentile(0.99)),
      max: round(max),
    }),
    cumulative(bounds) {
      return bounds.map((bound) => {
        let below = 0;
        for (let bucket = 0; bucket < bucketCount && upperBoundOf(bucket) <= bound * 1.0000001; bucket++) {
          below += counts[bucket] ?? 0;
        }
        return { bound, count: below };
      });
    },
    sum: () => total,
  };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
