import type { MemoryConfig } from "./config.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { Logger } from "../../shared/logger.js";
import type { Retriever } from "../chat/index.js";
import { jobScope } from "../request-scope.js";
import { memoryIdForTurn } from "./identity.js";
import type { MemoryService } from "./service.js";

/**
 * Memories for chat: the end user's own best memories from both tiers (hybrid search), as passages
 * chat quotes as data and cites by memory id. A memory qualifies by meaning (similarity at least
 * MEMORY_RETRIEVAL_MIN_SIMILARITY) or by words (at least half the best lexical score of the
 * query): an exact name or number should reach the model even when the embedding misses it. The
 * store's keys are the (tenant, end user)'s, so another user's memories are never even read.
 */
export function createMemoryRetriever(deps: { service: MemoryService; embedder: Embedder; config: Pick<MemoryConfig, "memory">; logger: Logger }): Retriever {
  const { retrievalTopK, retrievalMinSimilarity } = deps.config.memory;
  return {
    name: "memory",
    async retrieve(request) {
      if (retrievalTopK === 0 || request.query.trim() === "") return [];
      const [vector] = await deps.embedder.embed([request.query], request.signal);
      if (!vector) return [];
      // The memory this very turn may have become meanwhile is not context.
      const ownMemory = request.turn ? await memoryIdForTurn(request.turn.turnId, request.turn.capturedAt) : undefined;
      const { memories } = await deps.service.searchWith(
        jobScope(request.redis, request.tenant, { endUser: request.endUser, signal: request.signal, logger: deps.logger }),
        { text: request.query, vector },
        { topK: retrievalTopK * 3, exclude: ownMemory, after: request.window?.after, before: request.window?.before },
      );
      const context = memories.filter((memory) => memory.similarity >= retrievalMinSimilarity || memory.lexical >= 0.5).slice(0, retrievalTopK);
      return context.map((memory) => ({
        source: "memory" as const,
        id: memory.id,
        text: memory.message,
        similarity: memory.similarity,
        citation: { memory_id: memory.id, created_at: memory.created_at, tier: memory.tier },
      }));
    },
  };
}
