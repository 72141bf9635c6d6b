import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../shared/errors.js";
import { createFakeFetch, deferred, json, poolTimers, testPoolConfig, track, type Deferred, type FakeFetch } from "./fake-fetch.js";
import { createInferencePool } from "./pool.js";

const A = "http://engine-a:8000";
const B = "http://engine-b:8000";

const config = testPoolConfig();

/** Every request is held until the test releases it, so load is exactly what the test says. */
function holdingEngine(origins: string[]) {
  const held: { origin: string; answer: Deferred<Response> }[] = [];
  const fake: FakeFetch = createFakeFetch(
    Object.fromEntries(
      origins.map((origin) => [
        origin,
        () => {
          const answer = deferred<Response>();
          held.push({ origin, answer });
          return answer.promise;
        },
      ]),
    ),
  );
  return { fake, held };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("routing", () => {
  it("sends each request to the endpoint with the fewest outstanding requests", async () => {
    const { fake, held } = holdingEngine([A, B]);
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 4 }, { url: B, maxConcurrency: 4 }], config, fetch: fake.fetch });

    const first = [pool.request("/v1/x"), pool.request("/v1/x"), pool.request("/v1/x"), pool.request("/v1/x")];
    await settle();
    expect(held.map((entry) => entry.origin).sort()).toEqual([A, A, B, B]);

    // Finish both of A's: A now has 0 outstanding against B's 2, so the next two go to A.
    // (Requests are dispatched in call order, so first[i] is held[i].)
    for (const [index, entry] of held.entries()) {
      if (entry.origin !== A) continue;
      entry.answer.resolve(json({ ok: true }));
      await (await first[index]!).text();
    }
    const next = [pool.request("/v1/x"), pool.request("/v1/x")];
    await settle();
    expect(held.slice(4).map((entry) => entry.origin)).toEqual([A, A]);

    for (const entry of held) entry.answer.resolve(json({ ok: true }));
    const unread = [...first.filter((_, index) => held[index]?.origin === B), ...next];
    await Promise.all(unread.map(async (pending) => (await pending).text()));
    expect(pool.snapshot().in_flight).toBe(0);
  });

  it("never sends an endpoint more than its limit, queueing the rest in order", async () => {
    const fake = createFakeFetch({
      [A]: async (call) => {
        await new Promise((resolve) => setTimeout(resolve, 3));
        return json({ path: call.path });
      },
    });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 2 }], config: { ...config, queueSize: 50 }, fetch: fake.fetch });

    const bodies = await Promise.all(
      Array.from({ length: 30 }, async (_, index) => (await (await pool.request(`/v1/x?i=${index}`)).json()) as { path: string }),
    );
    expect(bodies).toHaveLength(30);
    expect(fake.maxInFlight(A)).toBe(2);
    // FIFO: the engine saw the requests in the order they were made.
    expect(fake.calls.map((call) => call.path)).toEqual(Array.from({ length: 30 }, (_, index) => `/v1/x?i=${index}`));
    expect(pool.snapshot()).toMatchObject({ in_flight: 0, queued: 0, rejected: 0 });
  });

  it("holds the slot until the body is consumed, not just until headers arrive", async () => {
    const fake = createFakeFetch({ [A]: () => json({ ok: true }) });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config, fetch: fake.fetch });
    const response = await pool.request("/v1/x");
    expect(pool.snapshot().in_flight).toBe(1);
    await response.json();
    expect(pool.snapshot().in_flight).toBe(0);
  });
});

describe("backpressure", () => {
  // Deadlines run on a fake clock the test steps: "at once" and "when the deadline passes" are
  // then statements about event order, and hold however loaded the machine is.
  beforeEach(() => {
    vi.useFakeTimers(poolTimers);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  /** Lets every pending promise run without moving the clock. */
  const settleNow = () => vi.advanceTimersByTimeAsync(0);

  it("rejects at once with 429 and Retry-After when the queue is full", async () => {
    const { fake, held } = holdingEngine([A]);
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config: { ...config, queueSize: 1 }, fetch: fake.fetch });

    const running = pool.request("/v1/x");
    await settleNow();
    const queued = pool.request("/v1/x");
    const rejected = track(pool.request("/v1/x"));
    // At once: without the clock moving at all (the queue deadline is 2 s away).
    await settleNow();
    expect(rejected.settled).toBe(true);
    const error = rejected.error;
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 429, code: "too_many_requests" });
    expect(Number((error as AppError).headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    expect(pool.snapshot()).toMatchObject({ in_flight: 1, queued: 1, rejected: 1 });

    held[0]?.answer.resolve(json({}));
    await (await running).text();
    await settleNow();
    held[1]?.answer.resolve(json({}));
    expect((await queued).status).toBe(200);
  });

  it("rejects with 429 when the wait deadline passes, and frees the queue place", async () => {
    const { fake, held } = holdingEngine([A]);
    const pool = createInferencePool({
      endpoints: [{ url: A, maxConcurrency: 1 }],
      config: { ...config, queueSize: 4, queueTimeoutMs: 60 },
      fetch: fake.fetch,
    });
    const running = pool.request("/v1/x");
    await settleNow();
    const waiting = track(pool.request("/v1/x"));
    await vi.advanceTimersByTimeAsync(59);
    expect(waiting.settled).toBe(false);
    expect(pool.snapshot()).toMatchObject({ queued: 1, rejected: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.error).toMatchObject({ status: 429 });
    expect((waiting.error as AppError).headers["Retry-After"]).toBeDefined();
    expect(pool.snapshot()).toMatchObject({ queued: 0, rejected: 1 });
    held[0]?.answer.resolve(json({}));
    await (await running).text();
  });

  it("answers 503 (not a queue slot) when every endpoint is cooling down", async () => {
    const fake = createFakeFetch(); // nothing answers
    const pool = createInferencePool({
      endpoints: [{ url: A, maxConcurrency: 2 }],
      config: { ...config, cooldownMs: 30_000 },
      fetch: fake.fetch,
      failureThreshold: 1,
    });
    await expect(pool.request("/v1/x")).rejects.toMatchObject({ status: 503 });
    const error = (await pool.request("/v1/x").catch((caught: unknown) => caught)) as AppError;
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/unhealthy/);
    expect(Number(error.headers["Retry-After"])).toBeGreaterThan(20);
    expect(fake.calls).toHaveLength(0); // refused connections never became calls; the second was not even tried
  });

  it("fails waiters with 503 at once when the endpoint they wait for turns unhealthy", async () => {
    const fake = createFakeFetch({ [A]: () => new Promise<Response>(() => undefined) }); // hangs: header timeout
    const pool = createInferencePool({
      endpoints: [{ url: A, maxConcurrency: 1 }],
      config: { ...config, queueTimeoutMs: 10_000, connectTimeoutMs: 40 },
      fetch: fake.fetch,
      failureThreshold: 1,
    });
    const requests = [track(pool.request("/v1/x")), track(pool.request("/v1/x"))];
    await vi.advanceTimersByTimeAsync(39);
    expect(requests.map((request) => request.settled)).toEqual([false, false]);
    // The header timeout turns A unhealthy; the waiter fails with it, not at the 10 s queue deadline.
    await vi.advanceTimersByTimeAsync(1);
    expect(requests.map((request) => (request.error as AppError | undefined)?.status)).toEqual([503, 503]);
    expect(fake.calls).toHaveLength(1);
  });
});
