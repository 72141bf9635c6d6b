import type { Logger } from "../../shared/logger.js";
import type { Retriever } from "../chat/index.js";
import { jobScope } from "../request-scope.js";
import { limits } from "./schema.js";
import type { LibraryService } from "./service.js";

/**
 * Library passages for chat, through chat's retrieval seam (no HTTP self-call). Ranking is the
 * search's hybrid one; a passage is only added when its embedding is at least `minSimilarity` to
 * the message, because every chat turn retrieves and "hello" must not drag a random page into the
 * prompt. 0.6 is cosine 0.2 on (1 + cos) / 2, about where USE-lite stops relating texts.
 */
export interface LibraryRetrieverOptions {
  topK: number;
  minSimilarity?: number;
  /** For the reranker's warnings (chat's retrieval request brings no logger of its own). */
  logger: Logger;
}

export const defaultMinRetrievalSimilarity = 0.6;

export function createLibraryRetriever(service: LibraryService, options: LibraryRetrieverOptions): Retriever {
  const minSimilarity = options.minSimilarity ?? defaultMinRetrievalSimilarity;
  return {
    name: "library",
    async retrieve(request) {
      const query = request.query.slice(0, limits.queryChars);
      if (options.topK === 0 || query.trim() === "") return [];
      // A few extra candidates, so passages below the cutoff do not leave the answer short.
      const scope = jobScope(request.redis, request.tenant, { endUser: request.endUser, signal: request.signal, logger: options.logger });
      const hits = await service.searchHits(scope, { query, topK: Math.min(limits.topK, options.topK * 3) });
      return hits
        .filter((hit) => hit.similarity >= minSimilarity)
        .slice(0, options.topK)
        .map((hit) => ({
          source: "library" as const,
          id: hit.id,
          text: hit.chunk.text,
          similarity: hit.similarity,
          citation: {
            document_id: hit.chunk.document_id,
            filename: hit.filename,
            page: hit.chunk.page,
            chunk_index: hit.chunk.chunk_index,
            char_start: hit.chunk.char_start,
            char_end: hit.chunk.char_end,
          },
        }));
    },
  };
}
