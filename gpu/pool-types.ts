import type { ModelInfo } from "./model-discovery.js";
import type { Clock } from "../shared/clock.js";
import type { CoreConfig, InferenceEndpointConfig } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import type { EndpointSource } from "./endpoint-source.js";
import type { PoolSnapshot } from "./pool-snapshot.js";

/** The pool's contract, apart from its implementation (pool.ts) so consumers can depend on types only. */
export interface PoolRequestInit {
  method?: string;
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown;
  /** The body's media type when it is not JSON (e.g. a multipart upload to `/v1/audio/transcriptions`). */
  contentType?: string;
  /** The client's disconnect: aborts the wait in the queue or the upstream request. */
  signal?: AbortSignal;
  /** Streamed response: resolve only after the first body chunk (time to first token). */
  stream?: boolean;
  /**
   * Deadline for response headers. Default: `connectTimeoutMs`; for a non-streamed POST, which
   * vLLM answers only when generation is done, `connectTimeoutMs + firstTokenTimeoutMs`.
   */
  timeoutMs?: number;
}

export interface InferencePool {
  /**
   * Send an OpenAI-API request (path like "/v1/chat/completions") through routing, limits and
   * retries. Resolves once headers (and for streams the first chunk) arrived, with a 2xx or the
   * engine's 4xx; throws AppError 429 (backpressure) / 503 (no endpoint answered) or the caller's
   * abort reason. The endpoint slot is released when the body is fully read or cancelled.
   */
  request(path: string, init?: PoolRequestInit): Promise<Response>;
  /** Model to use: the configured one, else the first id of an endpoint's `GET /v1/models` (cached). */
  model(signal?: AbortSignal): Promise<string>;
  /** The model and its context window (`max_model_len` of `GET /v1/models`, same cached answer). */
  modelInfo(signal?: AbortSignal): Promise<ModelInfo>;
  /** Probe every endpoint's `GET /health` now; returns the snapshot afterwards. */
  check(timeoutMs: number): Promise<PoolSnapshot>;
  snapshot(): PoolSnapshot;
  /** Periodic probes for long-lived runtimes; returns stop. Workers skip it: live traffic moves states. */
  startProbing(): () => void;
  /** Ask the endpoint source again now. */
  refresh(): Promise<void>;
  close(): void;
}

export type InferencePoolConfig = Pick<
  CoreConfig["inference"],
  "apiKey" | "model" | "queueSize" | "queueTimeoutMs" | "connectTimeoutMs" | "firstTokenTimeoutMs" | "probeIntervalMs" | "cooldownMs"
>;

/**
 * What the pool needs of an HTTP client: the global `fetch` fits, and so does a runtime's own
 * transport (infra/node/http-transport.ts). A streamed body must error when `signal` aborts.
 */
export type PoolFetch = (
  url: string,
  init: { method?: string; headers: Record<string, string>; body?: string | Uint8Array<ArrayBuffer> | null; signal?: AbortSignal },
) => Promise<Response>;

export interface InferencePoolOptions {
  endpoints: EndpointSource | readonly InferenceEndpointConfig[];
  config: InferencePoolConfig;
  /** Default: the global `fetch`. */
  fetch?: PoolFetch;
  clock?: Clock;
  logger?: Logger;
  /** Failures in a row that make an endpoint unhealthy. Default 3. */
  failureThreshold?: number;
  /** How often the source is listed again (Modal URLs may move). Default 60 s. */
  refreshIntervalMs?: number;
  /**
   * Whether probing also asks an idle endpoint for a one-token chat completion (generation-watch.ts).
   * Default true; false for pools of servers without a chat route (speech in and out).
   */
  generationProbe?: boolean;
}
