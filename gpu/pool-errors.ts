import { serviceUnavailable, tooManyRequests, type AppError } from "../shared/errors.js";
import { isServiceable, type Endpoint } from "./endpoint.js";

/**
 * The errors the pool answers with, and their Retry-After: 429 when Archive itself is at its
 * limit (the client should slow down), 503 when no engine can answer (the client should wait).
 * Both carry `code` values chat maps onto OpenAI's error body.
 */
export const inferenceUnavailable = "inference_unavailable";

/** An honest guess of when capacity frees up: typical latency times the waves ahead, within the queue deadline. */
export function backpressureRetryAfter(options: {
  endpoints: Iterable<Endpoint>;
  now: number;
  queued: number;
  typicalLatencyMs: number;
  queueTimeoutMs: number;
}): number {
  let capacity = 0;
  for (const endpoint of options.endpoints) if (isServiceable(endpoint, options.now)) capacity += endpoint.maxConcurrency;
  const waves = (options.queued + 1) / Math.max(1, capacity);
  const typical = options.typicalLatencyMs || 1000;
  return Math.min(Math.ceil(options.queueTimeoutMs / 1000), Math.max(1, Math.ceil((typical * (1 + waves)) / 1000)));
}

export const queueFull = (queueSize: number, retryAfterSeconds: number): AppError =>
  tooManyRequests(`The inference queue is full (${queueSize} waiting)`, retryAfterSeconds);

export const queueTimeout = (waitedMs: number, retryAfterSeconds: number): AppError =>
  tooManyRequests(`No inference endpoint was free within ${Math.round(waitedMs)} ms`, retryAfterSeconds);

/** Nothing to send to: no endpoint listed, or all cooling down (Retry-After: when the first cooldown ends). */
export function noEndpoint(endpoints: Iterable<Endpoint>, now: number, sourceName: string): AppError {
  let listed = 0;
  let soonest = Number.POSITIVE_INFINITY;
  for (const endpoint of endpoints) {
    if (endpoint.retired) continue;
    listed++;
    soonest = Math.min(soonest, endpoint.cooldownUntil - now);
  }
  const detail = listed === 0 ? `No inference endpoint is configured (${sourceName})` : "Every inference endpoint is unhealthy";
  const retryAfterSeconds = Number.isFinite(soonest) ? Math.max(1, Math.ceil(soonest / 1000)) : 5;
  return serviceUnavailable(detail, { code: inferenceUnavailable, retryAfterSeconds });
}

export const poolClosed = (): AppError => serviceUnavailable("The inference pool is shut down", { code: inferenceUnavailable });

export const noAnswer = (error: string | undefined, cause: unknown): AppError =>
  serviceUnavailable(`The inference engine did not answer (${error ?? "no endpoint"})`, {
    code: inferenceUnavailable,
    cause,
    retryAfterSeconds: 1,
  });
