import { createSseClient, round, runLoad, type LoadResult } from "./load.js";
import { cpuMilliseconds, startArchive, startEngineProcess, startHttpTier, startRelay, type ServerUnderTest } from "./processes.js";

export interface ChatBenchRow {
  /** What stood in front of the engine. */
  target: string;
  concurrency: number;
  direct: LoadResult;
  proxied: LoadResult;
  added_p50_ms: number;
  added_p99_ms: number;
  added_ttft_p50_ms: number;
  throughput_ratio: number;
  /** CPU time of the process in front of the engine per request (ms), where /proc tells. */
  cpu_ms_per_request: number | undefined;
}

export const chatRequestBody = JSON.stringify({
  model: "archive-emulated-1",
  messages: [{ role: "user", content: "Tell me something about lighthouse keepers." }],
  max_tokens: 16,
  stream: true,
});

const streamFrom = (base: string) => createSseClient(`${base}/v1/chat/completions`, chatRequestBody);

interface CaptureQueueMetrics {
  memory_stats?: { capture_queue?: { waiting?: number; active?: number } };
}

/**
 * Waits until the emulator has scored the turns captured during a run. Its scoring worker lags
 * under load and catches up afterwards; without this, that work would run during the next
 * level's direct measurement and slow the engine's side instead of Archive's.
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

interface Target {
  name: string;
  start(engineUrl: string): Promise<ServerUnderTest>;
  /** Work the target does after a run that must not overlap the next measurement. */
  settle?(target: ServerUnderTest): Promise<void>;
}

const archiveEnv = (engineUrl: string) => ({
  INFERENCE_ENDPOINTS: engineUrl,
  INFERENCE_CONCURRENCY: "1024",
  INFERENCE_QUEUE_SIZE: "1024",
  MEMORY_RETRIEVAL: "false",
});

/**
 * Three things in front of the same engine: the self-hosted HTTP tier (what a deployment scales
 * out; memory scoring runs in worker processes elsewhere, so captured turns wait in the queue),
 * the one-process emulator (HTTP, scoring worker and Redis on the same two cores), and a relay
 * with no logic at all — the floor any proxy on this machine pays.
 */
const targets: Record<string, Target> = {
  "http-tier": { name: "Archive HTTP tier (infra/node/server.ts)", start: (url) => startHttpTier(archiveEnv(url)) },
  emulator: {
    name: "Archive emulator (npm start)",
    start: (url) => startArchive(archiveEnv(url)),
    settle: (target) => backgroundDrained(target.baseUrl),
  },
  relay: { name: "logic-free node:http relay (floor)", start: (url) => startRelay(url) },
};

/**
 * A proxy in front of the emulated engine vs the engine directly, same client, each proxied run
 * right after a direct one. The engine streams 16 tokens 5 ms apart, like a small model on a busy
 * GPU. Retrieval is off so the figure is the router + pool + history/capture overhead, not
 * embedding time. `CHAT_BENCH_TARGETS=http-tier,emulator,relay` picks targets.
 */
export async function benchChat(options: { durationMs?: number; levels?: number[]; targets?: string[] } = {}) {
  const durationMs = options.durationMs ?? 5000;
  const chosen = (options.targets ?? process.env.CHAT_BENCH_TARGETS?.split(",") ?? Object.keys(targets)).map((name) => {
    const target = targets[name];
    if (!target) throw new Error(`unknown chat bench target ${name}; choose from ${Object.keys(targets).join(", ")}`);
    return target;
  });
  const engine = await startEngineProcess(5);
  const rows: ChatBenchRow[] = [];
  try {
    const direct = streamFrom(engine.url);
    await runLoad(8, 1000, direct); // warm the engine and the client (JIT, connections)
    for (const target of chosen) {
      const server = await target.start(engine.url);
      try {
        const proxied = streamFrom(server.baseUrl);
        await runLoad(8, 1000, proxied); // warm the target (JIT, connections, a first capture)
        await target.settle?.(server);
        for (const concurrency of options.levels ?? [1, 50, 200]) {
          const directResult = await runLoad(concurrency, durationMs, direct);
          const cpuBefore = await cpuMilliseconds(server.pid);
          const proxiedResult = await runLoad(concurrency, durationMs, proxied);
          const cpuAfter = await cpuMilliseconds(server.pid);
          await target.settle?.(server);
          rows.push({
            target: target.name,
            concurrency,
            direct: directResult,
            proxied: proxiedResult,
            added_p50_ms: round(proxiedResult.latency_ms.p50 - directResult.latency_ms.p50),
            added_p99_ms: round(proxiedResult.latency_ms.p99 - directResult.latency_ms.p99),
            added_ttft_p50_ms: round(proxiedResult.ttft_ms.p50 - directResult.ttft_ms.p50),
            throughput_ratio: round(proxiedResult.throughput_rps / Math.max(0.001, directResult.throughput_rps)),
            cpu_ms_per_request:
              cpuBefore === undefined || cpuAfter === undefined ? undefined : round((cpuAfter - cpuBefore) / Math.max(1, proxiedResult.requests)),
          });
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    engine.stop();
  }
  const table = [
    "| in front of the engine | streams | direct p50 / p99 (ms) | proxied p50 / p99 (ms) | added p50 / p99 (ms) | TTFT direct → proxied p50 (ms) | throughput direct → proxied (req/s) | ratio | CPU ms / request |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (row) =>
        `| ${row.target} | ${row.concurrency} | ${row.direct.latency_ms.p50} / ${row.direct.latency_ms.p99} | ${row.proxied.latency_ms.p50} / ${row.proxied.latency_ms.p99} | ${row.added_p50_ms} / ${row.added_p99_ms} | ${row.direct.ttft_ms.p50} → ${row.proxied.ttft_ms.p50} | ${row.direct.throughput_rps} → ${row.proxied.throughput_rps} | ${row.throughput_ratio}× | ${row.cpu_ms_per_request ?? "–"} |`,
    ),
  ].join("\n");
  return { name: "chat", rows, table };
}
