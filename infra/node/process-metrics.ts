import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from "node:perf_hooks";
import type { Gauge, MetricsSource } from "../../functions/health/metrics-source.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { EmbeddingThreadUsage } from "./embeddings/embedding-threads.js";

/** Any embedder; the local one, whose model runs in this process's threads, also has `usage`. */
export type ThreadedEmbedder = Embedder & { usage?(): EmbeddingThreadUsage };

export interface NodeProcessMetricsOptions {
  embedder?: ThreadedEmbedder;
  /**
   * Length of one window of the rolling figures (event-loop delay, utilisations): they cover the
   * current window and the one before, so a scrape always sees between one and two windows of
   * recent history whoever else scraped meanwhile. Default 30 s.
   */
  windowMs?: number;
}

interface WindowMark {
  at: number;
  embedderBusyMs: number;
  loop: EventLoopUtilization;
}

const nsToMs = (nanoseconds: number) => Math.round(nanoseconds / 1e4) / 100;
const fraction = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;

/**
 * This Node process under `process` in `/metrics`: resident memory, CPU time, event-loop delay
 * p99 (what every request on this loop waits on top of its own work) and utilisation, and the
 * local embedder's thread utilisation (busy time over wall time × threads). Each process of a
 * deployment reports its own: run one per HTTP process and one per worker.
 */
export function createNodeProcessMetricsSource(options: NodeProcessMetricsOptions = {}): MetricsSource & { close(): void } {
  const windowMs = options.windowMs ?? 30_000;
  const embedderBusy = () => options.embedder?.usage?.().busyMs ?? 0;
  // One monitor per window: the finished one keeps its samples until the next roll.
  const monitor = () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    return histogram;
  };
  let loop = monitor();
  let previous: IntervalHistogram | undefined;
  const mark = (): WindowMark => ({ at: performance.now(), embedderBusyMs: embedderBusy(), loop: performance.eventLoopUtilization() });
  // Rolling: `older` starts the previous window, `current` this one.
  let older = mark();
  let current = older;

  const roll = () => {
    const now = performance.now();
    if (now - current.at < windowMs) return;
    loop.disable();
    previous = loop;
    loop = monitor();
    older = current;
    current = mark();
  };

  return {
    key: "process",
    close: () => loop.disable(),
    async collect() {
      roll();
      // Histograms of two windows do not merge; the worse window's p99 is the honest bound.
      const windows = [previous, loop].filter((histogram): histogram is IntervalHistogram => histogram !== undefined && histogram.count > 0);
      const worst = (read: (histogram: IntervalHistogram) => number) => (windows.length === 0 ? 0 : nsToMs(Math.max(...windows.map(read))));
      const now = mark();
      const seconds = (now.at - older.at) / 1000;
      const usage = options.embedder?.usage?.();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const json = {
        pid: process.pid,
        rss_bytes: memory.rss,
        heap_used_bytes: memory.heapUsed,
        cpu_seconds_total: (cpu.user + cpu.system) / 1e6,
        event_loop: {
          window_seconds: Math.round(seconds * 10) / 10,
          delay_p99_ms: worst((histogram) => histogram.percentile(99)),
          delay_max_ms: worst((histogram) => histogram.max),
          utilisation: fraction(performance.eventLoopUtilization(now.loop, older.loop).utilization),
        },
        embedder: usage
          ? {
              threads: usage.size,
              started: usage.started,
              busy: usage.busy,
              busy_seconds_total: Math.round(usage.busyMs) / 1000,
              utilisation: fraction((usage.busyMs - older.embedderBusyMs) / Math.max(1, (now.at - older.at) * usage.size)),
            }
          : null,
      };
      const gauge = (name: string, help: string, value: number, type: Gauge["type"] = "gauge"): Gauge => ({ name, help, type, samples: [{ value }] });
      const gauges = [
        gauge("archive_process_resident_memory_bytes", "Resident memory of this Node process", json.rss_bytes),
        gauge("archive_process_heap_used_bytes", "V8 heap in use in this Node process", json.heap_used_bytes),
        gauge("archive_process_cpu_seconds_total", "CPU time (user + system) this Node process has used", json.cpu_seconds_total, "counter"),
        gauge("archive_event_loop_delay_p99_seconds", "Event-loop delay p99 (the worse of the current and the previous window)", json.event_loop.delay_p99_ms / 1000),
        gauge("archive_event_loop_utilisation", "Share of time the event loop was busy over the last one to two windows", json.event_loop.utilisation),
      ];
      if (json.embedder) {
        gauges.push(
          gauge("archive_embedder_threads", "Local embedding model threads allowed", json.embedder.threads),
          gauge("archive_embedder_busy_seconds_total", "Time the local embedding threads spent embedding", json.embedder.busy_seconds_total, "counter"),
          gauge("archive_embedder_utilisation", "Busy share of the local embedding threads over the last one to two windows", json.embedder.utilisation),
        );
      }
      return { json, gauges };
    },
  };
}
