import type { PoolFetch } from "./pool-types.js";
import { createTappedStream, type ChunkSource } from "./body-tap.js";

/**
 * One request to one endpoint, with the deadlines that keep a dead or stuck server from holding
 * a caller (and a slot) forever: response headers within `headerTimeoutMs`, the first body chunk
 * of a stream within `firstByteTimeoutMs`, and no gap between chunks longer than `idleTimeoutMs`.
 *
 * The caller learns which side of the "first byte" line a failure fell on: before it, nothing has
 * reached the client and the pool may retry elsewhere; after it, the response is committed.
 */
export type AttemptResult =
  | { kind: "success"; latencyMs: number; ttftMs: number | undefined }
  | { kind: "failure"; error: string }
  /** The caller went away: no verdict on the endpoint. */
  | { kind: "aborted" };

export type AttemptOutcome =
  | { ok: true; response: Response }
  | { ok: false; error: string; cause: unknown };

export interface AttemptOptions {
  fetch: PoolFetch;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer> | undefined;
  stream: boolean;
  signal: AbortSignal | undefined;
  headerTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  now: () => number;
  /** Called exactly once, when the endpoint is done with this request (body consumed, cancelled or failed). */
  onFinish(result: AttemptResult): void;
}

/** Headers that describe one hop's connection; forwarding them would corrupt the next hop. */
const hopByHop = ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"];

const timeoutError = (message: string) => new DOMException(message, "TimeoutError");

/** A human-readable reason for logs and metrics (undici hides the errno in `cause`). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const code = cause && typeof cause === "object" && "code" in cause ? ` (${String(cause.code)})` : "";
  return `${error.message}${code}`;
}

/**
 * Resolves with the response once it may be handed to the client, or with a retryable failure;
 * rejects only with the caller's abort reason.
 */
export async function sendAttempt(options: AttemptOptions): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const started = options.now();
  const signal = options.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (milliseconds: number, message: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(timeoutError(message)), milliseconds);
  };
  let finished = false;
  let committed = false;
  // The idle deadline of a committed stream (see below); declared here so `finish` stops it too.
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const onCallerAbort = () => {
    controller.abort(signal?.reason);
    // Once the response is out, a caller that aborts without cancelling the body must still free the slot.
    if (committed) finish({ kind: "aborted" });
  };
  const finish = (result: AttemptResult) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    clearTimeout(idleTimer);
    idleTimer = undefined;
    signal?.removeEventListener("abort", onCallerAbort);
    options.onFinish(result);
  };
  if (signal?.aborted) {
    finish({ kind: "aborted" });
    throw signal.reason;
  }
  signal?.addEventListener("abort", onCallerAbort, { once: true });
  const fail = (error: unknown): AttemptOutcome => {
    if (signal?.aborted) {
      finish({ kind: "aborted" });
      throw signal.reason;
    }
    const description = describeError(error);
    finish({ kind: "failure", error: description });
    return { ok: false, error: description, cause: error };
  };

  arm(options.headerTimeoutMs, `no response headers within ${options.headerTimeoutMs} ms`);
  let response: Response;
  try {
    response = await options.fetch(options.url, {
      method: options.method,
      headers: options.headers,
      body: options.body ?? null,
      signal: controller.signal,
    });
  } catch (error) {
    return fail(error);
  }

  if (response.status >= 500) {
    // Read the (small) error body: a consumed body returns the connection to the keep-alive pool.
    const text = await response.text().catch(() => "");
    return fail(new Error(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`));
  }

  const headers = new Headers(response.headers);
  for (const name of hopByHop) headers.delete(name);
  if (headers.has("content-encoding")) {
    // fetch already decoded the body; the original encoding and length no longer describe it.
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  const init = { status: response.status, statusText: response.statusText, headers };

  if (!response.ok || !response.body) {
    // A 4xx is the caller's to interpret (chat maps it). It is small: buffer it and free the slot now.
    let buffered: ArrayBuffer | null = null;
    try {
      if (response.body) buffered = await response.arrayBuffer();
    } catch (error) {
      return fail(error);
    }
    finish({ kind: "success", latencyMs: options.now() - started, ttftMs: undefined });
    return { ok: true, response: new Response(buffered, init) };
  }

  const reader = response.body.getReader();
  let first: ReadableStreamReadResult<Uint8Array> | undefined;
  let ttftMs: number | undefined;
  if (options.stream) {
    arm(options.firstByteTimeoutMs, `no first token within ${options.firstByteTimeoutMs} ms`);
    try {
      first = await reader.read();
    } catch (error) {
      return fail(error);
    }
    ttftMs = options.now() - started;
  }
  clearTimeout(timer);

  // From here on bytes may reach the client: no retry, only bookkeeping when the body ends.
  committed = true;
  if (first?.done) finish({ kind: "success", latencyMs: options.now() - started, ttftMs });
  let pending = first;
  // The idle deadline: one timer per quiet spell, not one per chunk (a reply is ~20 chunks, and
  // arming and clearing a timer for each costs more than the chunk itself). Each read only notes
  // when it started waiting; when the timer fires it re-arms for whatever is left of the deadline.
  // Only a pending read counts: a client that is slow to read is backpressure, not a stalled engine.
  let waitingSince = 0;
  let reading = false;
  const checkIdle = () => {
    idleTimer = undefined;
    if (!reading || finished) return;
    const quietFor = options.now() - waitingSince;
    if (quietFor >= options.idleTimeoutMs) controller.abort(timeoutError(`no data for ${options.idleTimeoutMs} ms`));
    else idleTimer = setTimeout(checkIdle, options.idleTimeoutMs - quietFor);
  };
  const stopIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  // The attempt is the source of the one stream chat and the router tap (see body-tap.ts); the
  // upstream is read only when the client reads: no buffering between the engine and the client.
  const source: ChunkSource = {
    async read() {
      if (pending) {
        const result = pending;
        pending = undefined;
        return result;
      }
      waitingSince = options.now();
      reading = true;
      if (!finished) idleTimer ??= setTimeout(checkIdle, options.idleTimeoutMs);
      try {
        const result = await reader.read();
        reading = false;
        if (result.done) {
          stopIdleTimer();
          finish({ kind: "success", latencyMs: options.now() - started, ttftMs });
        }
        return result;
      } catch (error) {
        reading = false;
        stopIdleTimer();
        if (signal?.aborted) finish({ kind: "aborted" });
        else finish({ kind: "failure", error: `stream broke off: ${describeError(error)}` });
        throw error;
      }
    },
    async cancel(reason) {
      stopIdleTimer();
      finish({ kind: "aborted" });
      // Cancelling the upstream body closes that one connection, which is how vLLM learns to stop.
      await reader.cancel(reason).catch(() => undefined);
    },
  };
  return { ok: true, response: new Response(createTappedStream(source), init) };
}
