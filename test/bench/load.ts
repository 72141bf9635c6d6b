import { Agent, request as httpRequest } from "node:http";
import type { LatencySummary } from "../../shared/histogram.js";

export interface LoadResult {
  concurrency: number;
  requests: number;
  failures: number;
  /** Failures by reason (`status 429`, `stream broke off`, ...). */
  failure_reasons: Record<string, number>;
  seconds: number;
  throughput_rps: number;
  latency_ms: LatencySummary;
  ttft_ms: LatencySummary;
}

/** One request of the load: resolves with its time to first token (ms from start), throws on failure. */
export type StreamRequest = (started: number) => Promise<number>;

/** `concurrency` closed-loop clients issuing requests back to back for `durationMs`. */
/**
 * `concurrency` loops sending `request` for `durationMs`; with `minRequests`, longer (up to
 * `maxMs`) until that many have been answered, so a slow low-concurrency step still has enough
 * samples for its p99 to be more than its single slowest request.
 */
export async function runLoad(concurrency: number, durationMs: number, request: StreamRequest, until?: { minRequests: number; maxMs: number }): Promise<LoadResult> {
  // Every sample is kept: the shared histogram's ~4 % buckets are 3 ms wide at 80 ms, too coarse
  // to tell a 1 ms difference between two runs from none at all.
  const latency: number[] = [];
  const ttft: number[] = [];
  let failures = 0;
  const reasons: Record<string, number> = {};
  const begin = performance.now();
  const end = begin + durationMs;
  const hardEnd = begin + Math.max(durationMs, until?.maxMs ?? 0);
  const going = () => {
    const now = performance.now();
    return now < end || (until !== undefined && latency.length + failures < until.minRequests && now < hardEnd);
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (going()) {
        const started = performance.now();
        try {
          const firstToken = await request(started);
          latency.push(performance.now() - started);
          ttft.push(firstToken);
        } catch (error) {
          failures += 1;
          const reason = error instanceof Error ? error.message : String(error);
          reasons[reason] = (reasons[reason] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  return {
    concurrency,
    requests: latency.length,
    failures,
    failure_reasons: reasons,
    seconds: round(seconds),
    throughput_rps: round(latency.length / seconds),
    latency_ms: summarize(latency),
    ttft_ms: summarize(ttft),
  };
}

/** Exact nearest-rank percentiles. */
export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (fraction: number) => round(sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? 0) };
}

const firstContent = /"content":"[^"]/;
/** Enough of the previous chunk's end to see a marker split across two chunks. */
const carry = 32;

/**
 * A streaming POST that resolves with ms from `started` to the first non-empty content delta once
 * the SSE body ended with `[DONE]`. The client runs on the same two cores as the servers it
 * measures, so it is plain node:http (a keep-alive agent, string chunks, one scan per chunk): the
 * web fetch + ReadableStream client cost about twice the CPU per request, taken from both sides.
 */
export function createSseClient(url: string, body: string, headers: Record<string, string> = {}): StreamRequest {
  const target = new URL(url);
  const agent = keepAliveAgent();
  const requestHeaders = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers };
  return (started) =>
    new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: requestHeaders },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new Error(`status ${response.statusCode}`));
            return;
          }
          response.setEncoding("utf8");
          let firstToken = -1;
          let tail = "";
          response.on("data", (chunk: string) => {
            const text = tail + chunk;
            if (firstToken < 0 && firstContent.test(text)) firstToken = performance.now() - started;
            tail = text.slice(-carry);
          });
          response.on("end", () => {
            if (tail.includes("[DONE]")) resolve(firstToken < 0 ? performance.now() - started : firstToken);
            else reject(new Error("stream ended without [DONE]"));
          });
          // A connection that dies mid-body emits "aborted"/"close" without "end".
          response.on("close", () => reject(new Error("stream broke off")));
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
}

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** One plain node:http request (see createSseClient for why not fetch), the whole body read. */
export function sendRequest(agent: Agent, url: string, init: { method?: string; body?: Uint8Array | string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const body = init.body ?? "";
  const headers = { "content-length": String(Buffer.byteLength(body)), ...init.headers };
  return new Promise((resolve, reject) => {
    const request = httpRequest({ agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: init.method ?? "POST", headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

export const keepAliveAgent = () => new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

/**
 * A request/response call of the load (no stream): resolves with ms from `started` to the last
 * byte, rejects with `status <code>` on anything but 2xx. `next` gives each call its request.
 */
export function createHttpClient(url: string, next: () => { body?: Uint8Array | string; headers?: Record<string, string>; method?: string }): StreamRequest {
  const agent = keepAliveAgent();
  return async (started) => {
    const answer = await sendRequest(agent, url, next());
    if (answer.status < 200 || answer.status > 299) throw new Error(`status ${answer.status}`);
    return performance.now() - started;
  };
}

export const round = (value: number) => Math.round(value * 100) / 100;
