import type { Redis } from "ioredis";
import { localEmbedderId } from "../../../infra/node/embeddings/local-embedder.js";
import { createRandomVectors } from "../../../shared/vector-index/random-vectors.js";
import { seedLibraryChunks } from "../library.js";
import { memoryFor, randomEmbedder, seedMemories } from "../memory.js";
import { deploymentKeys } from "./requests.js";

/**
 * What the searches run over: `memories` memories of the default user and `chunks` library
 * chunks of the default tenant (auth off), written the way the bench suites write them (records
 * and vectors through the index's own apply, random unit vectors under the local model's id, so
 * the HTTP process's real query embeddings search them).
 */
export async function seedCorpus(redis: Redis, sizes: { memories: number; chunks: number }): Promise<void> {
  const random = createRandomVectors(5);
  const embedder = { ...randomEmbedder, id: localEmbedderId };
  await seedMemories(redis, memoryFor(redis, deploymentKeys, { embedder }), "default", sizes.memories, random);
  await seedLibraryChunks(redis, deploymentKeys, "default", sizes.chunks, embedder, random);
}
