/**
 * Reranking through the inference pool: a cross-encoder served at `/v1/rerank` (vLLM, Jina and
 * Cohere style: `{model, query, documents}` → `{results: [{index, relevance_score}]}`). Portable;
 * the request function is injected (the pool's in production).
 *
 * A reranker is an optional refinement, never a dependency of search: every failure (unreachable,
 * an error status, a malformed answer, the time budget spent) is reported as a rejected promise so
 * the caller keeps the order it already has.
 */
import { AppError } from "../errors.js";

export type RerankRequest = (path: string, init: { method: string; body: string; signal: AbortSignal }) => Promise<Response>;

export interface Reranker {
  readonly model: string;
  /** Relevance of each document to the query, by the documents' positions (higher = better). */
  rerank(query: string, documents: readonly string[], signal?: AbortSignal): Promise<number[]>;
}

export interface PoolRerankerOptions {
  request: RerankRequest;
  model: string;
  /** Budget of one call, from sending the request to the parsed answer. */
  timeoutMs: number;
}

const failure = (detail: string, cause?: unknown) =>
  new AppError({ code: "rerank_failed", status: 502, title: "Bad Gateway", detail: `Rerank: ${detail}`, expose: false, isRetryable: true, cause });

export function createPoolReranker(options: PoolRerankerOptions): Reranker {
  return {
    model: options.model,
    async rerank(query, documents, signal) {
      if (documents.length === 0) return [];
      const controller = new AbortController();
      const abort = () => controller.abort(signal?.reason);
      signal?.addEventListener("abort", abort, { once: true });
      const timer = setTimeout(() => controller.abort(failure(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      try {
        const response = await options.request("/v1/rerank", {
          method: "POST",
          body: JSON.stringify({ model: options.model, query, documents }),
          signal: controller.signal,
        });
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          throw failure(`the engine answered ${response.status}`);
        }
        const body: unknown = await response.json();
        return parseScores(body, documents.length);
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason ?? error;
        throw error instanceof AppError ? error : failure("the engine could not be reached", error);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
      }
    },
  };
}

/** One finite score per document, each index exactly once; anything else is not an answer. */
function parseScores(body: unknown, count: number): number[] {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length !== count) throw failure(`expected ${count} results`);
  const scores: (number | undefined)[] = new Array(count).fill(undefined);
  for (const result of results as { index?: unknown; relevance_score?: unknown }[]) {
    const { index, relevance_score: score } = result ?? {};
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count || scores[index] !== undefined) {
      throw failure("a result has a bad or repeated index");
    }
    if (typeof score !== "number" || !Number.isFinite(score)) throw failure("a result has no finite relevance_score");
    scores[index] = score;
  }
  return scores as number[];
}

/** The reranker RERANK_MODEL asks for, over the pool's request function; undefined when unset. */
export function createConfiguredReranker(
  settings: { model: string | undefined; timeoutMs: number },
  request: RerankRequest,
): Reranker | undefined {
  return settings.model ? createPoolReranker({ request, model: settings.model, timeoutMs: settings.timeoutMs }) : undefined;
}
