import { histogramSamples, type Gauge, type MetricsSource } from "../health/index.js";
import { sandboxStatuses, type SandboxService } from "./service.js";

const bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** This process's sandbox figures: executions by status, queue depth, run time percentiles. */
export function createSandboxMetricsSource(service: SandboxService): MetricsSource {
  return {
    key: "sandbox",
    async collect() {
      const json = service.figures();
      const gauge = (name: string, help: string, value: number): Gauge => ({ name, help, type: "gauge", samples: [{ value }] });
      const counter = (name: string, help: string, value: number): Gauge => ({ name, help, type: "counter", samples: [{ value }] });
      const { durations } = service;
      return {
        json,
        gauges: [
          {
            name: "archive_sandbox_executions_total",
            help: "Sandbox runs finished by this process, by outcome.",
            type: "counter",
            samples: sandboxStatuses.map((status) => ({ labels: { status }, value: json.executions[status] })),
          },
          counter("archive_sandbox_rejected_total", "Sandbox runs refused with 429 (queue full or wait too long).", json.rejected),
          counter("archive_sandbox_unavailable_total", "Sandbox runs refused with 503 (the backend cannot isolate).", json.unavailable),
          gauge("archive_sandbox_in_flight", "Sandbox runs executing now.", json.in_flight),
          gauge("archive_sandbox_queue_depth", "Sandbox runs waiting for a slot.", json.queued),
          {
            name: "archive_sandbox_duration_ms",
            help: "Sandbox run time (ms).",
            type: "histogram",
            samples: histogramSamples(durations, bounds),
          },
        ],
      };
    },
  };
}
