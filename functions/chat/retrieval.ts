import type { Logger } from "../../shared/logger.js";
import type { RetrievalRequest, RetrievedPassage, Retriever } from "./hooks.js";

/** Retrieval for one chat turn: every retriever at once, inside a time budget. */
export interface RetrievalOptions {
  retrievers: readonly Retriever[];
  request: Omit<RetrievalRequest, "signal">;
  /** The client's signal: a client that left needs no context. */
  signal: AbortSignal | undefined;
  budgetMs: number;
  logger: Logger;
}

/**
 * Asks every retriever at once and waits at most `budgetMs`. A retriever that is slow or fails is
 * skipped and logged: retrieval improves an answer, it must never cost one.
 */
export async function retrievePassages(options: RetrievalOptions): Promise<RetrievedPassage[]> {
  const { retrievers, budgetMs, logger } = options;
  if (retrievers.length === 0) return [];
  const budget = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, budget.signal]) : budget.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), budgetMs);
  });
  try {
    const results = await Promise.all(
      retrievers.map(async (retriever) => {
        const started = performance.now();
        try {
          const outcome = await Promise.race([retriever.retrieve({ ...options.request, signal }), deadline]);
          if (outcome === "timeout") {
            logger.warn("chat_retriever_skipped", { retriever: retriever.name, reason: "timeout", budget_ms: budgetMs });
            return [];
          }
          return outcome;
        } catch (error) {
          logger.warn("chat_retriever_skipped", {
            retriever: retriever.name,
            reason: "error",
            error,
            elapsed_ms: Math.round(performance.now() - started),
          });
          return [];
        }
      }),
    );
    return results.flat();
  } finally {
    clearTimeout(timer);
    // Tell the stragglers their answer is no longer wanted.
    budget.abort(new DOMException(`retrieval budget of ${budgetMs} ms spent`, "TimeoutError"));
  }
}
