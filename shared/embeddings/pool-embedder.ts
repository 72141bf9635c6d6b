import { AppError, isAppError } from "../errors.js";
import { assertEmbeddableTexts, normalizeVector, type EmbeddedTexts, type Embedder } from "./embedder.js";

/**
 * The alternative embedder: the inference pool's OpenAI-compatible `/v1/embeddings`. Portable (Web
 * APIs only). The request function is injected — in production it is the pool's, which already
 * routes, retries and applies backpressure — so this file only speaks the wire format and refuses
 * anything that is not a well-formed answer.
 */
export type PoolRequest = (
  path: string,
  init: { method: string; body: string; signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;

export interface PoolEmbedderOptions {
  request: PoolRequest;
  model: string;
  /** Known dimension; otherwise learned from the first answer, and every later answer must match it. */
  dimension?: number;
  /** Inputs per request; OpenAI caps a request at 2048, engines often lower. */
  maxBatchSize?: number;
}

interface EmbeddingsResponse {
  data: { index?: number; embedding: number[] }[];
  usage?: { prompt_tokens?: unknown };
}

export function createPoolEmbedder(options: PoolEmbedderOptions): Embedder & Required<Pick<Embedder, "embedWithUsage">> {
  let dimension = options.dimension ?? 0;
  const maxBatchSize = options.maxBatchSize ?? 256;
  const id = `pool:${options.model}`;

  const failure = (detail: string, isRetryable: boolean, cause?: unknown) =>
    new AppError({
      code: "embedder_unavailable",
      status: 503,
      title: "Service Unavailable",
      detail: `Embeddings from model "${options.model}": ${detail}`,
      expose: true,
      isRetryable,
      cause,
    });

  const embedBatch = async (input: string[], signal?: AbortSignal): Promise<{ vectors: Float32Array[]; tokens: number | undefined }> => {
    let response: Response;
    try {
      response = await options.request("/v1/embeddings", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: options.model, input }),
        signal,
      });
    } catch (error) {
      // The pool's own errors (429 with Retry-After, 503) are already classified; a caller's abort
      // is the caller's. Anything else is a transport failure.
      if (isAppError(error) || signal?.aborted) throw error;
      throw failure("the engine could not be reached", true, error);
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => "")).slice(0, 300);
      // Timeouts, throttling and server errors pass; a rejected request or unknown model will not.
      const isRetryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw failure(`the engine answered ${response.status}${detail ? `: ${detail}` : ""}`, isRetryable);
    }
    const body: unknown = await response.json().catch((error: unknown) => {
      throw failure("the answer is not JSON", false, error);
    });
    const rows = parseRows(body, input.length);
    if (typeof rows === "string") throw failure(rows, false);
    const reported = (body as Partial<EmbeddingsResponse>).usage?.prompt_tokens;
    const tokens = typeof reported === "number" && Number.isInteger(reported) && reported >= 0 ? reported : undefined;
    const vectors = rows.map((row) => normalizeVector(row));
    for (const vector of vectors) {
      if (dimension === 0) dimension = vector.length;
      if (vector.length !== dimension) {
        throw failure(`got a ${vector.length}-d vector where ${dimension}-d vectors were expected`, false);
      }
    }
    return { vectors, tokens };
  };

  const embedAll = async (texts: string[], signal?: AbortSignal) => {
    assertEmbeddableTexts(texts);
    const vectors: Float32Array[] = [];
    let tokens: number | undefined = 0;
    for (let start = 0; start < texts.length; start += maxBatchSize) {
      const batch = await embedBatch(texts.slice(start, start + maxBatchSize), signal);
      vectors.push(...batch.vectors);
      tokens = tokens === undefined || batch.tokens === undefined ? undefined : tokens + batch.tokens;
    }
    return { vectors, tokens };
  };

  return {
    id,
    get dimension() {
      return dimension;
    },
    async embed(texts, signal) {
      return (await embedAll(texts, signal)).vectors;
    },
    async embedWithUsage(texts, signal): Promise<EmbeddedTexts> {
      const { vectors, tokens } = await embedAll(texts, signal);
      // vLLM and OpenAI always report it. Memory and library do without; a usage report cannot.
      if (tokens === undefined) throw failure("the answer has no `usage.prompt_tokens`", false);
      return { vectors, tokens };
    },
  };
}

/** The embeddings in input order, or why the body is not a usable answer. */
function parseRows(body: unknown, expected: number): number[][] | string {
  const data = (body as Partial<EmbeddingsResponse> | null)?.data;
  if (!Array.isArray(data)) return "the answer has no `data` list";
  if (data.length !== expected) return `the answer has ${data.length} embeddings for ${expected} inputs`;
  const rows = new Array<number[] | undefined>(expected);
  for (const [position, item] of data.entries()) {
    // Engines may answer out of order; `index` says which input a row belongs to.
    const index = typeof item?.index === "number" ? item.index : position;
    const embedding: unknown = item?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((value) => typeof value === "number")) {
      return `embedding ${index} is not a list of numbers (base64 answers are not requested and not accepted)`;
    }
    if (index < 0 || index >= expected || rows[index]) return `embedding index ${index} is out of place`;
    rows[index] = embedding as number[];
  }
  return rows as number[][];
}
