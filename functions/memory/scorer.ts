import type { MemoryConfig } from "./config.js";
import { contentHash, memoryIdForTurn } from "./identity.js";
import { measurePerplexity, type PerplexityPool } from "./perplexity.js";
import type { RequestScope } from "../request-scope.js";
import { ownerOf } from "./owner.js";
import { remember, type MemoryDraft } from "./remember.js";
import { openMemoryStore, type MemoryStoreDeps } from "./store.js";

/** A captured user turn as it travels through the `memory-capture` queue. */
export interface CaptureJobData {
  tenant: string;
  /** Absent in jobs queued before end users existed: the default end user. */
  endUser?: string | undefined;
  sessionId: string;
  message: string;
  /** The assistant message the turn answered. */
  answered?: string | undefined;
  turnId: string;
  capturedAt: number;
}

export type ScoreOutcome =
  | { stored: true; id: string; perplexity: number | null; novelty: number; surprise: number; reason: "stored" }
  | { stored: true; id: string; reason: "already_stored" }
  | { stored: false; id: string; reason: "duplicate" | "archived_duplicate" }
  | { stored: false; perplexity: number | null; novelty: number; surprise: number; reason: "below_threshold" };

export interface TurnScorerDeps extends MemoryStoreDeps {
  config: Pick<MemoryConfig, "memory">;
  pool: PerplexityPool;
}

/**
 * Scores one captured turn and stores it — every turn with MEMORY_CAPTURE=all (its surprise is
 * its importance), only a turn whose surprise reaches the threshold with `surprising`. Every way of running it twice
 * ends with at most one memory: the id comes from the turn id (a retry rewrites the same id, and
 * the commit script leaves an existing one alone), and the content hash catches the same words
 * arriving as another turn. Errors from the engine or the embedder propagate so the job retries.
 * The scope is the turn's (tenant, end user) (see `jobScope`).
 */
export function createTurnScorer(deps: TurnScorerDeps) {
  const weights = deps.config.memory;
  const threshold = weights.capture === "surprising" ? weights.threshold : undefined;

  return async function scoreTurn(scope: RequestScope, turn: CaptureJobData): Promise<ScoreOutcome> {
    const { signal } = scope;
    const store = openMemoryStore(deps, await scope.redis(), ownerOf(scope));
    const id = await memoryIdForTurn(turn.turnId, turn.capturedAt);
    const draft: MemoryDraft = {
      id,
      message: turn.message,
      answered: turn.answered ? turn.answered : null,
      createdAt: turn.capturedAt,
      sessionId: turn.sessionId === "" ? null : turn.sessionId,
      metadata: null,
      contentHash: await contentHash(turn.message),
      source: "chat",
      restoredAt: null,
    };
    const perplexity = async () => ({ perplexity: await measurePerplexity(deps.pool, turn.message, { signal }), unavailable: false });
    const outcome = await remember({ embedder: deps.embedder, weights }, store, draft, { perplexity, signal, threshold });
    switch (outcome.status) {
      case "exists":
        return { stored: true, id, reason: "already_stored" };
      case "duplicate":
        return { stored: false, id: outcome.id, reason: "duplicate" };
      case "archived":
        return { stored: false, id: outcome.id, reason: "archived_duplicate" };
      case "below_threshold":
        return { stored: false, perplexity: outcome.perplexity, novelty: outcome.novelty, surprise: outcome.surprise, reason: "below_threshold" };
      case "stored": {
        const { perplexity: measured, novelty, surprise } = outcome;
        scope.logger.debug("memory_stored", { memory_id: id, surprise, perplexity: measured, novelty });
        return { stored: true, id, perplexity: measured, novelty, surprise, reason: "stored" };
      }
    }
  };
}

export type TurnScorer = ReturnType<typeof createTurnScorer>;
