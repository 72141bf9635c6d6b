import { AppError, badRequest } from "../errors.js";

/**
 * Turns texts into vectors. Every vector is L2-normalized, so cosine similarity is a plain dot
 * product (the vector index relies on this). `id` names the model; the index records it next to
 * `dimension` so vectors from different models are never compared.
 */
export interface Embedder {
  readonly id: string;
  /** Length of every vector; 0 while a remote embedder has not answered yet and none was configured. */
  readonly dimension: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /**
   * `embed`, plus how many tokens the model read: what `/v1/embeddings` reports as usage. The
   * embedders Archive ships have it; a stand-in without it cannot serve that route.
   */
  embedWithUsage?(texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts>;
}

export interface EmbeddedTexts {
  vectors: Float32Array[];
  /** Tokens the model read, counted by its own tokenizer. */
  tokens: number;
}

/**
 * Rejects input no model can embed meaningfully (the local model even crashes on ""), before it
 * reaches a batch where it would fail everyone else's texts too.
 */
export function assertEmbeddableTexts(texts: readonly string[]): void {
  texts.forEach((text, index) => {
    if (typeof text !== "string" || text.trim() === "") {
      throw badRequest(`Text ${index} is empty; there is nothing to embed`, "empty_text");
    }
  });
}

/** Scales `values` to unit length. A zero or non-finite vector has no direction, so it is an error. */
export function normalizeVector(values: ArrayLike<number>): Float32Array {
  let sumOfSquares = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] ?? Number.NaN;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new AppError({
      code: "invalid_vector",
      status: 422,
      title: "Invalid Vector",
      detail: `A vector of length ${values.length} is ${norm === 0 ? "all zeros" : "not finite"}; it has no direction to compare`,
    });
  }
  const unit = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) unit[index] = (values[index] ?? 0) / norm;
  return unit;
}
