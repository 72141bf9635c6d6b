/**
 * TEST DOUBLE: a `fetch` that answers from per-origin handlers in memory and behaves like a real
 * one where the pool relies on it: a missing origin refuses the connection, an abort rejects the
 * pending call or errors the body, and a body counts as in flight until consumed or cancelled.
 * Used by gpu/*.test.ts; real-socket tests live in test/pool-*.test.ts.
 */
import type { InferencePoolConfig } from "./pool.js";

/** The pool settings gpu tests start from; a test overrides the deadlines it is about. */
export function testPoolConfig(overrides: Partial<InferencePoolConfig> = {}): InferencePoolConfig {
  return {
    apiKey: undefined,
    model: undefined,
    queueSize: 8,
    queueTimeoutMs: 2000,
    connectTimeoutMs: 500,
    firstTokenTimeoutMs: 500,
    probeIntervalMs: 1000,
    cooldownMs: 1000,
    ...overrides,
  };
}

export interface FakeCall {
  origin: string;
  path: string;
  method: string;
  headers: Headers;
  body: string | null;
  signal: AbortSignal;
  /** The response body was cancelled by the reader (how a proxy tells the engine to stop). */
  bodyCancelled: boolean;
}

export type FakeHandler = (call: FakeCall) => Response | Promise<Response>;

export interface FakeFetch {
  fetch: typeof fetch;
  calls: FakeCall[];
  handlers: Map<string, FakeHandler>;
  inFlight(origin: string): number;
  maxInFlight(origin: string): number;
}

const refused = () => new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });

export function createFakeFetch(handlers: Record<string, FakeHandler> = {}): FakeFetch {
  const table = new Map(Object.entries(handlers));
  const calls: FakeCall[] = [];
  const current = new Map<string, number>();
  const peak = new Map<string, number>();
  const change = (origin: string, delta: number) => {
    const value = (current.get(origin) ?? 0) + delta;
    current.set(origin, value);
    peak.set(origin, Math.max(peak.get(origin) ?? 0, value));
  };

  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const signal = init?.signal ?? new AbortController().signal;
    const handler = table.get(url.origin);
    if (!handler) throw refused();
    if (signal.aborted) throw signal.reason;
    const call: FakeCall = {
      origin: url.origin,
      path: url.pathname + url.search,
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? init.body : null,
      signal,
      bodyCancelled: false,
    };
    calls.push(call);
    change(url.origin, 1);
    let open = true;
    const close = () => {
      if (open) change(url.origin, -1);
      open = false;
    };

    let response: Response;
    try {
      response = await new Promise<Response>((resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        Promise.resolve()
          .then(() => handler(call))
          .then(resolve, reject);
      });
    } catch (error) {
      close();
      throw error;
    }
    if (!response.body) {
      close();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        signal.addEventListener(
          "abort",
          () => {
            if (!open) return;
            close();
            controller.error(signal.reason);
            void reader.cancel(signal.reason).catch(() => undefined);
          },
          { once: true },
        );
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (!open) return;
          if (done) {
            close();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          if (!open) return;
          close();
          controller.error(error);
        }
      },
      async cancel(reason) {
        call.bodyCancelled = true;
        close();
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  return {
    fetch: fakeFetch,
    calls,
    handlers: table,
    inFlight: (origin) => current.get(origin) ?? 0,
    maxInFlight: (origin) => peak.get(origin) ?? 0,
  };
}

/** A response whose body is produced chunk by chunk as the test decides. */
export function controlledStream(init: ResponseInit = { headers: { "content-type": "text/event-stream" } }) {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
    },
    cancel() {
      cancelled = true;
    },
  });
  return {
    response: new Response(body, init),
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    fail: (error: Error) => controller.error(error),
    get cancelled() {
      return cancelled;
    },
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
}

export const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

/**
 * A promise's outcome as it stands, for tests that step a fake clock: "has it settled yet?" is
 * then a question of event order, not of how fast the machine is.
 */
export interface Tracked<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const state: { settled: boolean; value: T | undefined; error: unknown } = { settled: false, value: undefined, error: undefined };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * What the pool's deadlines run on, for `vi.useFakeTimers(poolTimers)`: its timers and its clock
 * (`Date.now`). Streams and promises stay real, so a fake `fetch` still answers by itself.
 */
export const poolTimers: { toFake: ("setTimeout" | "clearTimeout" | "Date")[] } = { toFake: ["setTimeout", "clearTimeout", "Date"] };
