import { describe, expect, it, vi } from "vitest";
import { controlledStream, createFakeFetch, json, poolTimers, testPoolConfig, track } from "./fake-fetch.js";
import { createInferencePool } from "./pool.js";

const A = "http://engine-a:8000";
const B = "http://engine-b:8000";

const config = testPoolConfig({ connectTimeoutMs: 100, firstTokenTimeoutMs: 100 });

const both = [
  { url: A, maxConcurrency: 4 },
  { url: B, maxConcurrency: 4 },
];
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
const never = () => new Promise<Response>(() => undefined);

describe("retry before the first byte", () => {
  it("retries a refused connection on the other endpoint", async () => {
    const fake = createFakeFetch({ [B]: () => json({ from: "b" }) });
    const pool = createInferencePool({ endpoints: both, config, fetch: fake.fetch });
    for (let index = 0; index < 4; index++) expect(await (await pool.request("/v1/x")).json()).toEqual({ from: "b" });
    const snapshot = pool.snapshot();
    expect(snapshot.retries).toBeGreaterThanOrEqual(1);
    expect(snapshot.endpoints.find((endpoint) => endpoint.url === A)?.failures).toBeGreaterThanOrEqual(1);
    expect(snapshot.endpoints.find((endpoint) => endpoint.url === A)?.state).not.toBe("ready");
    expect(snapshot.endpoints.find((endpoint) => endpoint.url === B)).toMatchObject({ state: "ready", failures: 0 });
  });

  it.each([
    ["a 5xx", () => json({ error: { message: "engine fell over" } }, 500), 0],
    ["no response headers in time", never, 50],
  ])("retries %s on the other endpoint", async (_, answerOfA, retryAfterMs) => {
    vi.useFakeTimers(poolTimers);
    try {
      const fake = createFakeFetch({ [A]: answerOfA, [B]: () => json({ from: "b" }) });
      const pool = createInferencePool({ endpoints: both, config, fetch: fake.fetch });
      // Both are cold and equally loaded: A, listed first, is tried first.
      const answer = track(pool.request("/v1/chat/completions", { body: {}, timeoutMs: 50 }));
      if (retryAfterMs > 0) {
        await vi.advanceTimersByTimeAsync(retryAfterMs - 1);
        expect(fake.calls.map((call) => call.origin)).toEqual([A]);
      }
      // The retry comes as soon as A has failed (at once, or at the request's own header deadline),
      // not after the pool's longer connect timeout or the queue deadline.
      await vi.advanceTimersByTimeAsync(retryAfterMs === 0 ? 0 : 1);
      expect(fake.calls.map((call) => call.origin)).toEqual([A, B]);
      expect(answer.settled).toBe(true);
      expect(await answer.value?.json()).toEqual({ from: "b" });
      expect(pool.snapshot()).toMatchObject({ retries: 1, in_flight: 0 });
      expect(pool.snapshot().endpoints[0]).toMatchObject({ failures: 1, last_error: expect.stringMatching(/HTTP 500|no response headers/) });
    } finally {
      vi.useRealTimers();
    }
  });

  it("passes a 4xx through untouched: no retry, no mark against the endpoint", async () => {
    const fake = createFakeFetch({ [A]: () => json({ error: { message: "max_tokens too large" } }, 400), [B]: () => json({ from: "b" }) });
    const pool = createInferencePool({ endpoints: both, config, fetch: fake.fetch });
    const response = await pool.request("/v1/chat/completions", { body: {} });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { message: "max_tokens too large" } });
    expect(fake.calls.map((call) => call.origin)).toEqual([A]);
    expect(pool.snapshot().endpoints[0]).toMatchObject({ state: "ready", failures: 0, in_flight: 0 });
  });

  it("gives up with 503 after one retry when both endpoints fail", async () => {
    const fake = createFakeFetch({ [A]: () => json({}, 502), [B]: () => json({}, 503) });
    const pool = createInferencePool({ endpoints: both, config, fetch: fake.fetch });
    const error = await pool.request("/v1/x").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: "inference_unavailable" });
    expect(fake.calls).toHaveLength(2);
  });

  it("retries a stream whose first token does not come in time", async () => {
    const late = controlledStream();
    const fake = createFakeFetch({
      [A]: () => late.response, // headers at once, then silence
      [B]: () => {
        const stream = controlledStream();
        stream.send(chunk("hi"));
        stream.send("data: [DONE]\n\n");
        stream.end();
        return stream.response;
      },
    });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }, { url: B, maxConcurrency: 1 }], config, fetch: fake.fetch });
    // Occupy nothing: A is picked first (ties go to the first listed), times out, B answers.
    const response = await pool.request("/v1/chat/completions", { body: {}, stream: true });
    expect(await response.text()).toContain("[DONE]");
    expect(late.cancelled).toBe(true); // the silent upstream was cancelled, not left open
    expect(pool.snapshot().retries).toBe(1);
    expect(pool.snapshot().endpoints[1]?.ttft_ms.p50).toBeGreaterThanOrEqual(0);
  });

  it("does not retry once bytes have reached the caller: the body errors instead", async () => {
    const stream = controlledStream();
    const fake = createFakeFetch({ [A]: () => stream.response, [B]: () => json({ from: "b" }) });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch });
    stream.send(chunk("partial"));
    const response = await pool.request("/v1/chat/completions", { body: {}, stream: true });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("partial");
    stream.fail(new Error("engine crashed"));
    await expect(reader.read()).rejects.toThrow(/engine crashed/);
    expect(fake.calls.filter((call) => call.origin === B)).toHaveLength(0);
    expect(pool.snapshot().endpoints[0]).toMatchObject({ in_flight: 0, failures: 1 });
  });
});

describe("a stream that stalls after its first bytes", () => {
  it("errors once no data came for the idle deadline, but not while the client is merely slow to read", async () => {
    // The idle deadline runs on a fake clock the test steps, so a busy machine cannot make a
    // chunk "late" (real timers here would race the engine's chunks against the deadline).
    vi.useFakeTimers(poolTimers);
    try {
      const idleMs = config.firstTokenTimeoutMs;
      const stream = controlledStream();
      stream.send(chunk("one"));
      const fake = createFakeFetch({ [A]: () => stream.response });
      const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch });
      const response = await pool.request("/v1/chat/completions", { body: {}, stream: true });
      const reader = response.body!.getReader();
      await reader.read();
      // Three idle deadlines without reading: backpressure, not a stall.
      await vi.advanceTimersByTimeAsync(3 * idleMs);
      stream.send(chunk("two"));
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("two");
      // Chunks just inside the deadline keep the stream alive however long it runs.
      for (let index = 0; index < 4; index++) {
        const next = reader.read();
        await vi.advanceTimersByTimeAsync(idleMs - 1);
        stream.send(chunk(`more ${index}`));
        expect(new TextDecoder().decode((await next).value)).toContain(`more ${index}`);
      }
      // Now the engine goes quiet while the client waits: the read fails at the deadline, not before.
      const last = track(reader.read());
      await vi.advanceTimersByTimeAsync(idleMs - 1);
      expect(last.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(String(last.error)).toMatch(/no data for 100 ms/);
      expect(pool.snapshot().endpoints[0]).toMatchObject({ in_flight: 0, failures: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("cooldown and recovery", () => {
  it("marks an endpoint unhealthy after N failures, skips it, and takes it back when it answers again", async () => {
    let now = 10_000;
    const fake = createFakeFetch({ [B]: () => json({ from: "b" }) });
    // B takes one request at a time, so each pair of concurrent requests sends one to A.
    const endpoints = [{ url: A, maxConcurrency: 4 }, { url: B, maxConcurrency: 1 }];
    const pool = createInferencePool({ endpoints, config, fetch: fake.fetch, clock: { now: () => now }, failureThreshold: 2 });
    const pair = () => Promise.all([pool.request("/v1/x"), pool.request("/v1/x")].map(async (pending) => (await pending).json()));

    expect(await pair()).toEqual([{ from: "b" }, { from: "b" }]);
    expect(pool.snapshot().endpoints[0]).toMatchObject({ url: A, state: "cold", consecutive_failures: 1 });
    expect(await pair()).toEqual([{ from: "b" }, { from: "b" }]);
    expect(pool.snapshot().endpoints[0]).toMatchObject({ url: A, state: "unhealthy", consecutive_failures: 2 });
    expect(pool.snapshot().status).toBe("degraded");

    // A comes back, but stays skipped during its cooldown…
    fake.handlers.set(A, () => json({ from: "a" }));
    expect(await pair()).toEqual([{ from: "b" }, { from: "b" }]);
    // …then gets one trial request, which succeeds and makes it ready again.
    now += config.cooldownMs;
    expect(await pair()).toContainEqual({ from: "a" });
    expect(pool.snapshot().endpoints[0]).toMatchObject({ state: "ready", consecutive_failures: 0, cooldown_remaining_ms: 0 });
    expect(pool.snapshot().status).toBe("healthy");
    expect(pool.snapshot().rejected).toBe(0);
  });

  it("check() probes /health: down endpoints turn unhealthy, recovered ones ready", async () => {
    let healthy = false;
    const fake = createFakeFetch({
      [A]: (call) => (call.path === "/health" ? (healthy ? new Response(null) : new Response("loading", { status: 503 })) : json({})),
    });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch, failureThreshold: 2 });
    expect(pool.snapshot().endpoints[0]?.state).toBe("cold");
    await pool.check(50);
    const snapshot = await pool.check(50);
    expect(snapshot.endpoints[0]).toMatchObject({ state: "unhealthy", last_error: "health check: HTTP 503" });
    expect(snapshot.status).toBe("unhealthy");
    healthy = true;
    expect((await pool.check(50)).endpoints[0]?.state).toBe("ready");
  });
});

describe("client abort", () => {
  it("aborts the upstream request mid-stream and frees the slot", async () => {
    const stream = controlledStream();
    stream.send(chunk("one"));
    const fake = createFakeFetch({ [A]: () => stream.response });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch });
    const client = new AbortController();
    const response = await pool.request("/v1/chat/completions", { body: {}, stream: true, signal: client.signal });
    await response.body!.getReader().read();
    client.abort(new DOMException("client went away", "AbortError"));
    expect(fake.calls[0]?.signal.aborted).toBe(true);
    expect(fake.inFlight(A)).toBe(0);
    expect(pool.snapshot().endpoints[0]).toMatchObject({ in_flight: 0, failures: 0 });
  });

  it("cancelling the body cancels the upstream body", async () => {
    const stream = controlledStream();
    stream.send(chunk("one"));
    const fake = createFakeFetch({ [A]: () => stream.response });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch });
    const response = await pool.request("/v1/chat/completions", { body: {}, stream: true });
    await response.body!.cancel();
    expect(fake.calls[0]?.bodyCancelled).toBe(true);
    expect(pool.snapshot().in_flight).toBe(0);
  });

  it("an abort while queued leaves the queue without reaching any engine", async () => {
    const fake = createFakeFetch({ [A]: never });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch });
    void pool.request("/v1/x").catch(() => undefined);
    const client = new AbortController();
    const queued = pool.request("/v1/x", { signal: client.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pool.snapshot().queued).toBe(1);
    client.abort(new DOMException("gone", "AbortError"));
    await expect(queued).rejects.toMatchObject({ name: "AbortError" });
    expect(pool.snapshot().queued).toBe(0);
    expect(fake.calls).toHaveLength(1);
    pool.close();
  });
});
