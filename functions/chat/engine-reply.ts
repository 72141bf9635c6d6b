import { AppError } from "../../shared/errors.js";

/**
 * What chat does when the engine misbehaves after accepting a request: a 200 whose body is not a
 * completion, a stream that breaks off, a reply that never comes. Each becomes an answer the
 * client's SDK understands (502/504 in OpenAI's error shape; in a stream, a final error event),
 * never a 500 or a silently truncated reply.
 */
export const engineBadReply = (what: string, cause?: unknown) =>
  new AppError({
    code: "engine_bad_response",
    status: 502,
    title: "Bad Gateway",
    detail: `The inference engine's answer to ${what} was not a valid reply`,
    expose: true,
    isRetryable: true,
    cause,
  });

export const engineTimeout = (timeoutMs: number) =>
  new AppError({
    code: "engine_timeout",
    status: 504,
    title: "Gateway Timeout",
    detail: `The inference engine did not answer within ${timeoutMs} ms (INFERENCE_REQUEST_TIMEOUT_MS)`,
    expose: true,
    isRetryable: true,
  });

/** Reads a JSON reply; anything else (an HTML page, half a body, a bare string) is a 502. */
export async function readEngineJson<T>(response: Response, what: string, isValid: (body: unknown) => boolean, signal: AbortSignal | undefined): Promise<T> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // Cut off by the caller's abort or the deadline: theirs to name. Otherwise the engine broke off.
    if (signal?.aborted) throw error;
    throw engineBadReply(what, error);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw engineBadReply(what, error);
  }
  if (!isValid(body)) throw engineBadReply(what);
  return body as T;
}

export const isChatCompletion = (body: unknown) =>
  typeof body === "object" && body !== null && Array.isArray((body as { choices?: unknown }).choices);

/**
 * The total deadline of a non-streamed request: the caller's abort and the deadline in one signal,
 * and `guard` turns a failure caused by the deadline into a 504.
 */
export function engineDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined) {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
  return {
    signal,
    async guard<T>(work: Promise<T>): Promise<T> {
      try {
        return await work;
      } catch (error) {
        if (deadline.aborted && !callerSignal?.aborted) throw engineTimeout(timeoutMs);
        throw error;
      }
    },
  };
}

/** The last event of a stream the engine broke off: OpenAI's SDKs raise it as an APIError. */
export const streamBrokenEvent = new TextEncoder().encode(
  `data: ${JSON.stringify({
    error: {
      message: "The inference engine stopped before the reply was complete; the reply above is truncated",
      type: "server_error",
      param: null,
      code: "engine_stream_broken",
    },
  })}\n\n`,
);
