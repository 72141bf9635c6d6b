import { createSseClient, round, runLoad, type LoadResult } from "./load.js";
import { startArchive, startEngineProcess } from "./processes.js";

export interface ChatBenchRow {
  concurrency: number;
  direct: LoadResult;
  archive: LoadResult;
  added_p50_ms: number;
  added_p99_ms: number;
  added_ttft_p50_ms: number;
  throughput_ratio: number;
}

const body = JSON.stringify({
  model: "archive-emulated-1",
  messages: [{ role: "user", content: "Tell me something about lighthouse keepers." }],
  max_tokens: 16,
  stream: true,
});

const streamFrom = (base: string) => createSseClient(`${base}/v1/chat/completions`, body);

interface CaptureQueueMetrics {
  memory_stats?: { capture_queue?: { waiting?: number; active?: number } };
}

/**
 * Waits until Archive has scored the turns captured during a run. The scoring worker lags under
 * load and catches up afterwards; without this, that work would run during the next level's
 * direct measurement and slow the engine's side instead of Archive's.
 */
async function backgroundDrained(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const metrics = (await (await fetch(`${baseUrl}/metrics`)).json()) as CaptureQueueMetrics;
    const queue = metrics.memory_stats?.capture_queue;
    if (!queue || (queue.waiting ?? 0) + (queue.active ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Archive in front of the emulated engine vs the engine directly, same run, same client.
 * The engine streams 16 tokens 5 ms apart, like a small model on a busy GPU. Retrieval is off so
 * the figure is the router + pool + history/capture overhead, not embedding time.
 */
export async function benchChat(options: { durationMs?: number; levels?: number[] } = {}) {
  const durationMs = options.durationMs ?? 5000;
  const engine = await startEngineProcess(5);
  // An Archive that fails to start must not leave the engine process behind.
  const archive = await startArchive({
    INFERENCE_ENDPOINTS: engine.url,
    INFERENCE_CONCURRENCY: "1024",
    INFERENCE_QUEUE_SIZE: "1024",
    MEMORY_RETRIEVAL: "false",
  }).catch((error: unknown) => {
    engine.stop();
    throw error;
  });
  const rows: ChatBenchRow[] = [];
  try {
    const direct = streamFrom(engine.url);
    const viaArchive = streamFrom(archive.baseUrl);
    await runLoad(8, 1000, direct); // warm both paths (JIT, connections, the capture worker's first job)
    await runLoad(8, 1000, viaArchive);
    await backgroundDrained(archive.baseUrl);
    for (const concurrency of options.levels ?? [1, 50, 200]) {
      const directResult = await runLoad(concurrency, durationMs, direct);
      const archiveResult = await runLoad(concurrency, durationMs, viaArchive);
      await backgroundDrained(archive.baseUrl);
      rows.push({
        concurrency,
        direct: directResult,
        archive: archiveResult,
        added_p50_ms: round(archiveResult.latency_ms.p50 - directResult.latency_ms.p50),
        added_p99_ms: round(archiveResult.latency_ms.p99 - directResult.latency_ms.p99),
        added_ttft_p50_ms: round(archiveResult.ttft_ms.p50 - directResult.ttft_ms.p50),
        throughput_ratio: round(archiveResult.throughput_rps / Math.max(0.001, directResult.throughput_rps)),
      });
    }
  } finally {
    await archive.stop();
    engine.stop();
  }
  const table = [
    "| streams | direct p50 / p99 (ms) | Archive p50 / p99 (ms) | added p50 / p99 (ms) | TTFT direct → Archive p50 (ms) | throughput direct → Archive (req/s) | ratio |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (row) =>
        `| ${row.concurrency} | ${row.direct.latency_ms.p50} / ${row.direct.latency_ms.p99} | ${row.archive.latency_ms.p50} / ${row.archive.latency_ms.p99} | ${row.added_p50_ms} / ${row.added_p99_ms} | ${row.direct.ttft_ms.p50} → ${row.archive.ttft_ms.p50} | ${row.direct.throughput_rps} → ${row.archive.throughput_rps} | ${row.throughput_ratio}× |`,
    ),
  ].join("\n");
  return { name: "chat", rows, table };
}
