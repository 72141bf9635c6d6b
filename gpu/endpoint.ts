import { createHistogram, type Histogram } from "../shared/histogram.js";
import type { InferenceEndpointConfig } from "../shared/config.js";
import { redactUrl } from "../shared/redact.js";

/**
 * One inference server and everything the pool knows about it. State moves on evidence only:
 *   cold ──request sent──▶ warming ──answer──▶ ready      (a failed first request: back to cold)
 *   cold/warming/ready ──successful /health probe──▶ ready
 *   any ──N failures in a row──▶ unhealthy, skipped for `cooldownMs`, then one trial request;
 *   unhealthy ──answer or successful probe──▶ ready
 * An answer is any status below 500 (a 4xx is the caller's mistake, not the server's).
 */
export type EndpointState = "cold" | "warming" | "ready" | "unhealthy";

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface EndpointSnapshot {
  /** Credentials stripped. */
  url: string;
  state: EndpointState;
  in_flight: number;
  max_concurrency: number;
  requests: number;
  failures: number;
  consecutive_failures: number;
  /** Milliseconds until an unhealthy endpoint is tried again (0 when not cooling down). */
  cooldown_remaining_ms: number;
  last_error: string | null;
  /** Dispatch to last byte of the response. */
  latency_ms: Percentiles;
  /** Dispatch to first byte of a streamed response. */
  ttft_ms: Percentiles;
}

export interface Endpoint {
  /** Base URL used for requests: credentials removed (fetch refuses URLs that carry them). */
  readonly baseUrl: string;
  /** What logs and metrics show. */
  readonly displayUrl: string;
  /** `Basic …` from credentials in the configured URL, if any. */
  readonly basicAuth: string | undefined;
  maxConcurrency: number;
  state: EndpointState;
  inFlight: number;
  requests: number;
  failures: number;
  consecutiveFailures: number;
  cooldownUntil: number;
  lastError: string | undefined;
  /** Removed from the source: takes no new work, forgotten once its last request ends. */
  retired: boolean;
  /** Sequence number of the last time it was picked: equal loads go round-robin. */
  lastPicked: number;
  readonly latency: Histogram;
  readonly ttft: Histogram;
}

/** btoa only takes Latin-1; credentials may be any Unicode, so encode their UTF-8 bytes. */
const base64 = (text: string) => btoa(Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join(""));

export function createEndpoint(config: InferenceEndpointConfig): Endpoint {
  const parsed = new URL(config.url);
  const basicAuth =
    parsed.username || parsed.password
      ? `Basic ${base64(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`)}`
      : undefined;
  parsed.username = "";
  parsed.password = "";
  return {
    baseUrl: parsed.toString().replace(/\/+$/, ""),
    // redactUrl re-serializes, which appends a "/" the configured URL did not have.
    displayUrl: config.url.endsWith("/") ? redactUrl(config.url) : redactUrl(config.url).replace(/\/$/, ""),
    basicAuth,
    maxConcurrency: config.maxConcurrency,
    state: "cold",
    inFlight: 0,
    requests: 0,
    failures: 0,
    consecutiveFailures: 0,
    cooldownUntil: 0,
    lastError: undefined,
    retired: false,
    lastPicked: 0,
    latency: createHistogram(),
    ttft: createHistogram(),
  };
}

export function recordSuccess(endpoint: Endpoint): void {
  endpoint.state = "ready";
  endpoint.consecutiveFailures = 0;
  endpoint.cooldownUntil = 0;
}

/** Returns true when this failure turned the endpoint unhealthy (worth a log line). */
export function recordFailure(
  endpoint: Endpoint,
  error: string,
  options: { now: number; failureThreshold: number; cooldownMs: number },
): boolean {
  endpoint.failures += 1;
  endpoint.consecutiveFailures += 1;
  endpoint.lastError = error;
  // An unhealthy endpoint whose trial failed cools down again; otherwise wait for the threshold.
  if (endpoint.state === "unhealthy" || endpoint.consecutiveFailures >= options.failureThreshold) {
    const turned = endpoint.state !== "unhealthy";
    endpoint.state = "unhealthy";
    endpoint.cooldownUntil = options.now + options.cooldownMs;
    return turned;
  }
  // It did not wake up: back to "not known to answer", still tried before nothing at all.
  if (endpoint.state === "warming") endpoint.state = "cold";
  return false;
}

/** Could this endpoint take work now or later (given free slots)? Unhealthy ones only after cooldown. */
export function isServiceable(endpoint: Endpoint, now: number): boolean {
  if (endpoint.retired) return false;
  return endpoint.state !== "unhealthy" || now >= endpoint.cooldownUntil;
}

/**
 * The endpoint to send the next request to, or undefined when every candidate is full.
 * Order: ready endpoints by fewest outstanding requests (those with a recent failure last);
 * then cold/warming ones (nothing ready has room); then one trial request to an unhealthy
 * endpoint whose cooldown is over (the "half-open" state of a circuit breaker).
 */
export function pickEndpoint(
  endpoints: Iterable<Endpoint>,
  now: number,
  exclude?: ReadonlySet<Endpoint>,
): Endpoint | undefined {
  let best: Endpoint | undefined;
  let bestTier = Number.POSITIVE_INFINITY;
  for (const endpoint of endpoints) {
    if (endpoint.retired || endpoint.inFlight >= endpoint.maxConcurrency || exclude?.has(endpoint)) continue;
    let tier: number;
    if (endpoint.state === "ready") tier = endpoint.consecutiveFailures === 0 ? 0 : 1;
    else if (endpoint.state === "cold" || endpoint.state === "warming") tier = 2;
    else if (now >= endpoint.cooldownUntil && endpoint.inFlight === 0) tier = 3;
    else continue;
    if (best === undefined || tier < bestTier || (tier === bestTier && lessLoaded(endpoint, best))) {
      best = endpoint;
      bestTier = tier;
    }
  }
  return best;
}

/** Fewer outstanding requests wins; then more spare capacity; then whoever waited longest since its last pick. */
function lessLoaded(candidate: Endpoint, current: Endpoint): boolean {
  if (candidate.inFlight !== current.inFlight) return candidate.inFlight < current.inFlight;
  const candidateLoad = candidate.inFlight / candidate.maxConcurrency;
  const currentLoad = current.inFlight / current.maxConcurrency;
  if (candidateLoad !== currentLoad) return candidateLoad < currentLoad;
  return candidate.lastPicked < current.lastPicked;
}

export const percentilesOf = (histogram: Histogram): Percentiles => {
  const { p50, p95, p99 } = histogram.summary();
  return { p50, p95, p99 };
};

export function snapshotEndpoint(endpoint: Endpoint, now: number): EndpointSnapshot {
  return {
    url: endpoint.displayUrl,
    state: endpoint.state,
    in_flight: endpoint.inFlight,
    max_concurrency: endpoint.maxConcurrency,
    requests: endpoint.requests,
    failures: endpoint.failures,
    consecutive_failures: endpoint.consecutiveFailures,
    cooldown_remaining_ms: endpoint.state === "unhealthy" ? Math.max(0, endpoint.cooldownUntil - now) : 0,
    last_error: endpoint.lastError ?? null,
    latency_ms: percentilesOf(endpoint.latency),
    ttft_ms: percentilesOf(endpoint.ttft),
  };
}
