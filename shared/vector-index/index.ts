export { createVectorReplicaCache, type VectorReplicaCache, type VectorReplicaCacheOptions } from "./replica-cache.js";
export { createDotKernel, scoresModuleBytes, type DotKernel, type DotKernelOptions } from "./dot-kernel.js";
export type { VectorFollower } from "./replica.js";
export {
  createVectorIndex,
  embedderMismatch,
  maxApplySize,
  maxDataLength,
  maxTopK,
  type VectorChanges,
  type VectorEntry,
  type VectorIndex,
  type VectorIndexOptions,
  type VectorIndexView,
  type VectorMatch,
  type VectorSearchOptions,
  type VectorUpsert,
} from "./vector-index.js";
