import type { Gauge, MetricsSource } from "../health/index.js";
import { createHistogram, type Histogram } from "../../shared/histogram.js";
import type { BackendName } from "./backend.js";

export type VoiceOperation = "transcribe" | "synthesize";

/**
 * Voice's own figures, per process: requests by route and status, seconds of audio processed,
 * the real-time factor (processing time / audio duration; below 1 is faster than real time) and
 * latency percentiles per operation.
 */
export interface VoiceMetrics {
  recordRequest(route: string, status: number): void;
  recordOperation(operation: VoiceOperation, milliseconds: number, audioSeconds: number | undefined): void;
  source(extra: () => Record<string, unknown>): MetricsSource;
}

interface OperationFigures {
  count: number;
  audioSeconds: number;
  latency: Histogram;
  /** Real-time factor × 1000, so the millisecond histogram keeps its resolution. */
  rtf: Histogram;
}

export function createVoiceMetrics(backends: Record<VoiceOperation, BackendName>): VoiceMetrics {
  const requests = new Map<string, number>();
  const operations: Record<VoiceOperation, OperationFigures> = {
    transcribe: { count: 0, audioSeconds: 0, latency: createHistogram(), rtf: createHistogram() },
    synthesize: { count: 0, audioSeconds: 0, latency: createHistogram(), rtf: createHistogram() },
  };

  const json = () => ({
    requests: [...requests].map(([key, count]) => {
      const [route, status] = key.split(" ");
      return { route, status: Number(status), count };
    }),
    ...Object.fromEntries(
      Object.entries(operations).map(([name, figures]) => {
        const latency = figures.latency.summary();
        return [
          name,
          {
            backend: backends[name as VoiceOperation],
            count: figures.count,
            audio_seconds: Math.round(figures.audioSeconds * 100) / 100,
            real_time_factor_p50: Math.round(figures.rtf.summary().p50) / 1000,
            latency_ms: { p50: round(latency.p50), p99: round(latency.p99), max: round(latency.max) },
          },
        ];
      }),
    ),
  });

  const gauges = (): Gauge[] => [
    {
      name: "archive_voice_requests_total",
      help: "Voice requests by route and status",
      type: "counter",
      samples: [...requests].map(([key, value]) => {
        const [route = "", status = ""] = key.split(" ");
        return { labels: { route, status }, value };
      }),
    },
    {
      name: "archive_voice_audio_seconds_total",
      help: "Seconds of audio transcribed or synthesized",
      type: "counter",
      samples: Object.entries(operations).map(([operation, figures]) => ({ labels: { operation }, value: figures.audioSeconds })),
    },
    {
      name: "archive_voice_real_time_factor",
      help: "Median processing time per second of audio (below 1: faster than real time)",
      type: "gauge",
      samples: Object.entries(operations).map(([operation, figures]) => ({ labels: { operation }, value: figures.rtf.summary().p50 / 1000 })),
    },
    {
      name: "archive_voice_latency_ms",
      help: "Voice operation latency percentiles",
      type: "gauge",
      samples: Object.entries(operations).flatMap(([operation, figures]) => {
        const latency = figures.latency.summary();
        return [
          { labels: { operation, quantile: "0.5" }, value: latency.p50 },
          { labels: { operation, quantile: "0.99" }, value: latency.p99 },
        ];
      }),
    },
  ];

  return {
    recordRequest(route, status) {
      const key = `${route} ${status}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    recordOperation(operation, milliseconds, audioSeconds) {
      const figures = operations[operation];
      figures.count += 1;
      figures.latency.record(milliseconds);
      if (audioSeconds && audioSeconds > 0) {
        figures.audioSeconds += audioSeconds;
        figures.rtf.record((milliseconds / (audioSeconds * 1000)) * 1000);
      }
    },
    source: (extra) => ({
      key: "voice",
      collect: async () => ({ json: { ...json(), ...extra() }, gauges: gauges() }),
    }),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
