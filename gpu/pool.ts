import { systemClock } from "../shared/clock.js";
import { createHistogram } from "../shared/histogram.js";
import { silentLogger } from "../shared/logger.js";
import { sendAttempt, type AttemptResult } from "./attempt.js";
import { isServiceable, pickEndpoint, recordFailure, recordSuccess, type Endpoint } from "./endpoint.js";
import { createStaticEndpointSource, type EndpointSource } from "./endpoint-source.js";
import { createEndpointRegistry } from "./endpoint-registry.js";
import { createGenerationWatch } from "./generation-watch.js";
import { probeGeneration, probeHealth } from "./health-probe.js";
import { backpressureRetryAfter, noAnswer, noEndpoint, poolClosed, queueFull, queueTimeout } from "./pool-errors.js";
import { createModelResolver } from "./model-discovery.js";
import { snapshotPool } from "./pool-snapshot.js";
import type { InferencePool, InferencePoolOptions, PoolFetch, PoolRequestInit } from "./pool-types.js";
import { createWaitQueue, type WaitQueue } from "./wait-queue.js";

export type { InferencePool, InferencePoolConfig, InferencePoolOptions, PoolFetch, PoolRequestInit } from "./pool-types.js";

interface WaitContext {
  exclude: ReadonlySet<Endpoint>;
}

/** The first try plus one retry on another endpoint, as long as no byte reached the caller. */
const attemptsPerRequest = 2;

/**
 * The persistent inference pool. "Persistent" means two things: the vLLM servers are long-lived
 * (no per-request cold start), and so are the connections to them. We never create an HTTP agent
 * per call (the original's bug): every request goes through one transport for the pool's life —
 * on Node the keep-alive agents of infra/node/http-transport.ts, on Workers the platform's
 * `fetch`. That reuse only holds if every body is read to the end or cancelled, which is
 * why each path below consumes or cancels it, and why a slot is released only when the body ends.
 */
export function createInferencePool(options: InferencePoolOptions): InferencePool {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ component: "inference-pool" });
  // Looked up per call, not captured: tests and instrumentation may replace globalThis.fetch.
  const fetchImpl: PoolFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const failureThreshold = options.failureThreshold ?? 3;
  const probeGenerations = options.generationProbe ?? true;
  const configured = options.endpoints;
  const source: EndpointSource = "list" in configured ? configured : createStaticEndpointSource(configured);
  const registry = createEndpointRegistry({
    source,
    clock,
    logger,
    refreshIntervalMs: options.refreshIntervalMs ?? 60_000,
    onChange: () => {
      failHopelessWaiters();
      drain();
    },
    initial: "list" in configured ? undefined : configured,
  });

  const totals = { rejected: 0, retries: 0, latency: createHistogram(), ttft: createHistogram(), queueWait: createHistogram() };
  const probes = new Map<Endpoint, Promise<void>>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const stopProbing = new Set<() => void>();
  let pickSequence = 0;
  let closed = false;

  const serviceableCount = (exclude: ReadonlySet<Endpoint> | undefined, now: number) => {
    let count = 0;
    for (const endpoint of registry.endpoints()) if (!exclude?.has(endpoint) && isServiceable(endpoint, now)) count++;
    return count;
  };

  const retryAfterSeconds = () =>
    backpressureRetryAfter({
      endpoints: registry.endpoints(),
      now: clock.now(),
      queued: queue.size,
      typicalLatencyMs: totals.latency.summary().p50,
      queueTimeoutMs: config.queueTimeoutMs,
    });
  const unavailable = (now: number) => noEndpoint(registry.endpoints(), now, source.name);

  const queue: WaitQueue<Endpoint, WaitContext> = createWaitQueue<Endpoint, WaitContext>({
    capacity: config.queueSize,
    now: () => clock.now(),
    onFull: () => {
      totals.rejected += 1;
      return queueFull(config.queueSize, retryAfterSeconds());
    },
    onTimeout: (waitedMs) => {
      totals.rejected += 1;
      return queueTimeout(waitedMs, retryAfterSeconds());
    },
  });

  const take = (endpoint: Endpoint) => {
    endpoint.inFlight += 1;
    endpoint.requests += 1;
    endpoint.lastPicked = ++pickSequence;
    if (endpoint.state === "cold") endpoint.state = "warming";
    return endpoint;
  };

  /** Hand freed capacity to waiters in order. Runs on every release, so it stops as soon as nothing is free. */
  const drain = () => {
    if (queue.size === 0) return;
    const now = clock.now();
    queue.serve(
      (waiter) => {
        const endpoint = pickEndpoint(registry.endpoints(), now, waiter.context.exclude);
        return endpoint && take(endpoint);
      },
      () => pickEndpoint(registry.endpoints(), now) !== undefined,
    );
  };

  /** After an endpoint is lost: fail at once the waiters nothing could serve any more (503, not a 429 later). */
  const failHopelessWaiters = () => {
    if (queue.size === 0) return;
    const now = clock.now();
    queue.rejectWhere((waiter) => (serviceableCount(waiter.context.exclude, now) === 0 ? unavailable(now) : undefined));
  };

  const later = (milliseconds: number, task: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      task();
    }, milliseconds);
    // Portable unref: Node's timers have it, Workers' do not need it.
    (timer as { unref?: () => void }).unref?.();
    timers.add(timer);
  };

  const markFailure = (endpoint: Endpoint, error: string, threshold = failureThreshold) => {
    const turned = recordFailure(endpoint, error, { now: clock.now(), failureThreshold: threshold, cooldownMs: config.cooldownMs });
    if (turned) {
      logger.warn("inference_endpoint_unhealthy", { url: endpoint.displayUrl, error, cooldown_ms: config.cooldownMs });
      failHopelessWaiters();
      // When the cooldown ends, waiters may use the endpoint's trial slot.
      later(config.cooldownMs, drain);
    }
  };

  const markSuccess = (endpoint: Endpoint) => {
    if (endpoint.state !== "ready") logger.info("inference_endpoint_ready", { url: endpoint.displayUrl, was: endpoint.state });
    recordSuccess(endpoint);
  };

  const settle = (endpoint: Endpoint, result: AttemptResult) => {
    endpoint.inFlight -= 1;
    if (result.kind === "success") {
      markSuccess(endpoint);
      endpoint.latency.record(result.latencyMs);
      totals.latency.record(result.latencyMs);
      if (result.ttftMs !== undefined) {
        endpoint.ttft.record(result.ttftMs);
        totals.ttft.record(result.ttftMs);
      }
    } else if (result.kind === "failure") {
      markFailure(endpoint, result.error);
    }
    registry.forgetIfRetired(endpoint);
    drain();
  };

  const acquire = async (exclude: ReadonlySet<Endpoint>, signal: AbortSignal | undefined): Promise<Endpoint | undefined> => {
    const now = clock.now();
    const picked = pickEndpoint(registry.endpoints(), now, exclude);
    if (picked) return take(picked);
    if (serviceableCount(exclude, now) === 0) {
      // A retry with nowhere else to go gives up quietly; the first failure is reported instead.
      if (exclude.size > 0) return undefined;
      throw unavailable(now);
    }
    const endpoint = await queue.wait({ context: { exclude }, timeoutMs: config.queueTimeoutMs, signal });
    totals.queueWait.record(clock.now() - now);
    return endpoint;
  };

  const headersFor = (endpoint: Endpoint, contentType: string | undefined, stream: boolean) => {
    const headers: Record<string, string> = { accept: stream ? "text/event-stream" : "application/json" };
    if (contentType) headers["content-type"] = contentType;
    const authorization = config.apiKey ? `Bearer ${config.apiKey}` : endpoint.basicAuth;
    if (authorization) headers.authorization = authorization;
    return headers;
  };

  const request = async (path: string, init: PoolRequestInit = {}): Promise<Response> => {
    if (closed) throw poolClosed();
    const listing = registry.ready();
    if (listing) await listing;
    const stream = init.stream === true;
    const method = init.method ?? (init.body === undefined ? "GET" : "POST");
    const raw = init.body === undefined || typeof init.body === "string" || init.body instanceof Uint8Array;
    const body = raw ? (init.body as string | Uint8Array<ArrayBuffer> | undefined) : JSON.stringify(init.body);
    const contentType = body === undefined ? undefined : (init.contentType ?? "application/json");
    const headerTimeoutMs =
      init.timeoutMs ??
      (stream || method === "GET" ? config.connectTimeoutMs : config.connectTimeoutMs + config.firstTokenTimeoutMs);

    const tried = new Set<Endpoint>();
    let lastFailure: { error: string; cause: unknown } | undefined;
    for (let attempt = 0; attempt < attemptsPerRequest; attempt++) {
      const endpoint = await acquire(tried, init.signal);
      if (!endpoint) break;
      tried.add(endpoint);
      if (attempt > 0) totals.retries += 1;
      const outcome = await sendAttempt({
        fetch: fetchImpl,
        url: endpoint.baseUrl + path,
        method,
        headers: headersFor(endpoint, contentType, stream),
        body,
        stream,
        signal: init.signal,
        headerTimeoutMs,
        firstByteTimeoutMs: config.firstTokenTimeoutMs,
        idleTimeoutMs: config.firstTokenTimeoutMs,
        now: () => clock.now(),
        onFinish: (result) => {
          if (method === "POST" && result.kind === "success") generation.generated(endpoint);
          settle(endpoint, result);
        },
      });
      if (outcome.ok) return outcome.response;
      lastFailure = outcome;
      logger.warn("inference_attempt_failed", { url: endpoint.displayUrl, path, attempt: attempt + 1, error: outcome.error });
    }
    throw noAnswer(lastFailure?.error, lastFailure?.cause);
  };

  const probe = (endpoint: Endpoint, timeoutMs: number): Promise<void> => {
    // A slow endpoint never gets a second probe stacked on the first; callers share the running one.
    const running = probes.get(endpoint);
    if (running) return running;
    const run = probeHealth({ fetch: fetchImpl, baseUrl: endpoint.baseUrl, headers: headersFor(endpoint, undefined, false), timeoutMs })
      .then((problem) => {
        if (problem !== undefined) markFailure(endpoint, problem);
        else if (!generation.isHung(endpoint)) markSuccess(endpoint);
      })
      .finally(() => {
        probes.delete(endpoint);
        drain();
      });
    probes.set(endpoint, run);
    return run;
  };

  const probeAll = async (timeoutMs: number) => {
    await registry.refreshIfStale().catch(() => undefined); // logged by the registry; keep probing what we know
    await Promise.all(Array.from(registry.endpoints(), (endpoint) => probe(endpoint, timeoutMs)));
  };

  const generation = createGenerationWatch({
    clock,
    send: (endpoint, name) => probeGeneration({ fetch: fetchImpl, baseUrl: endpoint.baseUrl, headers: headersFor(endpoint, "application/json", false), model: name, timeoutMs: config.firstTokenTimeoutMs }),
    model: () => models.model(),
    markSuccess,
    // One hung generation is decisive: clients would wait out their whole deadline on it.
    markFailure: (endpoint, problem) => markFailure(endpoint, problem, 1),
  });

  const models = createModelResolver({ configured: config.model, request, logger });

  const snapshot = () =>
    snapshotPool({
      endpoints: registry.endpoints(),
      now: clock.now(),
      source: source.name,
      queued: queue.size,
      queueCapacity: queue.capacity,
      totals,
    });

  return {
    request,

    model: models.model,

    modelInfo: models.info,

    async check(timeoutMs) {
      await probeAll(timeoutMs);
      return snapshot();
    },

    snapshot,

    startProbing() {
      const tick = () => {
        probeAll(config.connectTimeoutMs)
          .then(() => {
            if (probeGenerations) for (const endpoint of registry.endpoints()) generation.probe(endpoint);
          })
          .catch((error: unknown) => logger.error("inference_probe_failed", { error }));
      };
      tick();
      const interval = setInterval(tick, config.probeIntervalMs);
      // Probing alone must not keep a Node process alive.
      (interval as { unref?: () => void }).unref?.();
      const stop = () => {
        clearInterval(interval);
        stopProbing.delete(stop);
      };
      stopProbing.add(stop);
      return stop;
    },

    refresh: () => registry.refresh(),

    close() {
      closed = true;
      for (const stop of stopProbing) stop();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      queue.rejectWhere(poolClosed);
      source.close?.();
    },
  };
}
