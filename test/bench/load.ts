import { createHistogram, type LatencySummary } from "../../shared/histogram.js";

export interface LoadResult {
  concurrency: number;
  requests: number;
  failures: number;
  seconds: number;
  throughput_rps: number;
  latency_ms: LatencySummary;
  ttft_ms: LatencySummary;
}

/** One request of the load: resolves with its time to first token (ms from start), throws on failure. */
export type StreamRequest = (started: number) => Promise<number>;

/** `concurrency` closed-loop clients issuing requests back to back for `durationMs`. */
export async function runLoad(concurrency: number, durationMs: number, request: StreamRequest): Promise<LoadResult> {
  const latency = createHistogram();
  const ttft = createHistogram();
  let requests = 0;
  let failures = 0;
  const begin = performance.now();
  const end = begin + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        try {
          const firstToken = await request(started);
          latency.record(performance.now() - started);
          ttft.record(firstToken);
          requests += 1;
        } catch {
          failures += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  return {
    concurrency,
    requests,
    failures,
    seconds: round(seconds),
    throughput_rps: round(requests / seconds),
    latency_ms: latency.summary(),
    ttft_ms: ttft.summary(),
  };
}

/** Reads an SSE response to the end; returns ms from `started` to the first non-empty content delta. */
export async function consumeStream(response: Response, started: number): Promise<number> {
  if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let firstToken = -1;
  let seen = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen = (seen + decoder.decode(value, { stream: true })).slice(-4096);
    if (firstToken < 0 && /"content":"[^"]/.test(seen)) firstToken = performance.now() - started;
  }
  if (!seen.includes("[DONE]")) throw new Error("stream ended without [DONE]");
  return firstToken < 0 ? performance.now() - started : firstToken;
}

export const round = (value: number) => Math.round(value * 100) / 100;
