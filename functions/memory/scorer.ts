import type { Config } from "../../shared/config.js";
import { contentHash, memoryIdForTurn } from "./identity.js";
import { measurePerplexity, type PerplexityPool } from "./perplexity.js";
import type { MemoryRecord } from "./records.js";
import { noveltyFrom, surpriseScore } from "./scoring.js";
import type { RequestScope } from "../request-scope.js";
import { ownerOf } from "./owner.js";
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
  config: Pick<Config, "memory">;
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

  return async function scoreTurn(scope: RequestScope, turn: CaptureJobData): Promise<ScoreOutcome> {
    const { signal } = scope;
    const store = openMemoryStore(deps, await scope.redis(), ownerOf(scope));
    const id = await memoryIdForTurn(turn.turnId, turn.capturedAt);
    const hash = await contentHash(turn.message);
    // Cheap checks first: a retry of a stored turn, or words already remembered, need no GPU time.
    const existing = await store.findByContent(hash);
    if (existing?.id === id) return { stored: true, id, reason: "already_stored" };
    if (existing) return { stored: false, id: existing.id, reason: existing.state === "hot" ? "duplicate" : "archived_duplicate" };

    const [perplexity, [vector]] = await Promise.all([
      measurePerplexity(deps.pool, turn.message, { signal }),
      deps.embedder.embed([turn.message], signal),
    ]);
    if (!vector) throw new Error("the embedder returned no vector");
    // The turn's own vector may be in the index already (an attempt that crashed before listing it).
    const [nearest] = await store.index.search(vector, { topK: 1, filter: (candidate) => candidate !== id });
    const novelty = noveltyFrom(nearest?.similarity);
    const surprise = surpriseScore(perplexity, novelty, weights);
    if (weights.capture === "surprising" && surprise < weights.threshold) return { stored: false, perplexity, novelty, surprise, reason: "below_threshold" };

    const record: MemoryRecord = {
      id,
      message: turn.message,
      perplexity,
      surpriseScore: surprise,
      importance: surprise,
      answered: turn.answered ? turn.answered : null,
      createdAt: turn.capturedAt,
      sessionId: turn.sessionId === "" ? null : turn.sessionId,
      metadata: null,
      contentHash: hash,
      source: "chat",
      restoredAt: null,
    };
    const outcome = await store.persist(record, vector);
    if (outcome.status === "duplicate") return { stored: false, id: outcome.id, reason: "duplicate" };
    if (outcome.status === "archived") return { stored: false, id: outcome.id, reason: "archived_duplicate" };
    if (outcome.status === "exists") return { stored: true, id, reason: "already_stored" };
    scope.logger.debug("memory_stored", { memory_id: id, surprise, perplexity, novelty });
    return { stored: true, id, perplexity, novelty, surprise, reason: "stored" };
  };
}

export type TurnScorer = ReturnType<typeof createTurnScorer>;
