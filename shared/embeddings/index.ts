// Portable exports only. The local (Node-only, TensorFlow.js) embedder lives in
// infra/node/embeddings/, imported by Node composition roots, so a Workers bundle never pulls it in.
export { assertEmbeddableTexts, normalizeVector, type EmbeddedTexts, type Embedder } from "./embedder.js";
export { createMicroBatcher, type MicroBatcher, type MicroBatcherOptions } from "./micro-batcher.js";
export { createPoolEmbedder, type PoolEmbedderOptions, type PoolRequest } from "./pool-embedder.js";
