import type { Completion, CompletionRequest } from "../../gpu/openai-types.js";
import type { InferencePool } from "../../gpu/pool.js";
import { AppError, isAppError } from "../../shared/errors.js";
import { LogprobsMissing, perplexityFromCompletion } from "./scoring.js";

export type PerplexityPool = Pick<InferencePool, "request" | "model">;

/**
 * Why a perplexity could not be measured. `isRetryable` is what the scoring job acts on: an
 * engine that is down, busy or overloaded will answer later (retry with backoff); an engine that
 * rejects this text will reject it again (give up on the turn).
 */
export class PerplexityUnavailable extends AppError {
  constructor(detail: string, isRetryable: boolean, cause?: unknown) {
    super({ code: "perplexity_unavailable", status: 503, title: "Service Unavailable", detail, expose: true, isRetryable, cause });
  }
}

/** Statuses after which the same request cannot succeed: the text itself is the problem. */
const rejectedInput = new Set([400, 413, 422]);

/**
 * Asks the pool for the prompt's own token logprobs (`/v1/completions`, `echo`, `logprobs: 1`,
 * one generated token that perplexityFromCompletion drops again) and returns the perplexity.
 */
export async function measurePerplexity(
  pool: PerplexityPool,
  text: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<number | null> {
  let response: Response;
  try {
    const model = await pool.model(options.signal);
    const body: CompletionRequest = { model, prompt: text, max_tokens: 1, echo: true, logprobs: 1, temperature: 0 };
    response = await pool.request("/v1/completions", { body, signal: options.signal, timeoutMs: options.timeoutMs });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    // The pool's own errors (429 backpressure, 503 no endpoint) are transient by definition.
    const retryable = !isAppError(error) || error.isRetryable || error.status >= 500;
    throw new PerplexityUnavailable("The inference pool could not score the message", retryable, error);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => "")).slice(0, 300);
    throw new PerplexityUnavailable(
      `The inference engine answered ${response.status} to the perplexity request${detail ? `: ${detail}` : ""}`,
      !rejectedInput.has(response.status),
    );
  }
  let completion: Completion;
  try {
    completion = (await response.json()) as Completion;
  } catch (error) {
    throw new PerplexityUnavailable("The inference engine's completion is not JSON", true, error);
  }
  try {
    return perplexityFromCompletion(completion, text);
  } catch (error) {
    // An engine without echo logprobs will never have them; retrying would only delay the verdict.
    if (error instanceof LogprobsMissing) throw new PerplexityUnavailable(`The engine returned no prompt logprobs (${error.message})`, false, error);
    throw error;
  }
}
