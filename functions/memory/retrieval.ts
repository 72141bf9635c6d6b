import type { Config } from "../../shared/config.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { Retriever } from "../chat/index.js";
import { memoryIdForTurn } from "./identity.js";
import type { MemoryService } from "./service.js";

/**
 * Memories for chat: the user's own top memories above the similarity cutoff, as passages chat
 * quotes as data and cites by memory id. Tenant scoping comes from the store's keys, so another
 * user's memories are not merely filtered out — they are never read.
 */
export function createMemoryRetriever(deps: { service: MemoryService; embedder: Embedder; config: Pick<Config, "memory"> }): Retriever {
  const { retrievalTopK, retrievalMinSimilarity } = deps.config.memory;
  return {
    name: "memory",
    async retrieve(request) {
      if (retrievalTopK === 0 || request.query.trim() === "") return [];
      const [vector] = await deps.embedder.embed([request.query], request.signal);
      if (!vector) return [];
      // The memory this very turn may have become meanwhile is left out (one extra hit keeps top-k full).
      const ownMemory = request.turn ? await memoryIdForTurn(request.turn.turnId, request.turn.capturedAt) : undefined;
      const { memories } = await deps.service.searchVector(
        { tenant: request.tenant, redis: request.redis, signal: request.signal },
        vector,
        { topK: retrievalTopK + (ownMemory ? 1 : 0), minSimilarity: retrievalMinSimilarity },
      );
      const context = memories.filter((memory) => memory.id !== ownMemory).slice(0, retrievalTopK);
      return context.map((memory) => ({
        source: "memory" as const,
        id: memory.id,
        text: memory.message,
        similarity: memory.similarity ?? 0,
        citation: { memory_id: memory.id, created_at: memory.created_at },
      }));
    },
  };
}
