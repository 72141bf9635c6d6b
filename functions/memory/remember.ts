import type { MemoryConfig } from "./config.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { MemoryRecord } from "./records.js";
import { noveltyFrom, surpriseScore } from "./scoring.js";
import type { MemoryStore } from "./store.js";

/** A message on its way into memory: its record but for what scoring decides. */
export type MemoryDraft = Omit<MemoryRecord, "perplexity" | "surpriseScore" | "importance">;

/** How the message's perplexity came out; `unavailable`: the engine could not be asked, so no score is claimed. */
export interface PerplexityReading {
  perplexity: number | null;
  unavailable: boolean;
}

export interface Scores {
  perplexity: number | null;
  novelty: number;
  surprise: number;
}

export type StoredMemory = { status: "stored"; record: MemoryRecord } & Scores;
/** The words are remembered already: as this very id (a retried job), or as another memory, hot or archived. */
export type KnownMemory = { status: "exists" | "duplicate" | "archived"; id: string };
export type BelowThreshold = { status: "below_threshold" } & Scores;

export interface RememberDeps {
  embedder: Embedder;
  weights: MemoryConfig["memory"];
}

export interface RememberOptions {
  /** Measured while the message is embedded. */
  perplexity: () => Promise<PerplexityReading>;
  signal: AbortSignal | undefined;
}

/**
 * Score → persist → outcome, for a captured turn (scorer.ts) and an explicit add (service.ts)
 * alike: words already remembered cost no GPU time; then perplexity and embedding together, novelty
 * against the nearest other memory, surprise from both; then one atomic commit, which may still
 * find the same words arriving at the same moment. With a `threshold`, a less surprising message
 * is not stored (MEMORY_CAPTURE=surprising).
 */
export function remember(deps: RememberDeps, store: MemoryStore, draft: MemoryDraft, options: RememberOptions & { threshold: number | undefined }): Promise<StoredMemory | KnownMemory | BelowThreshold>;
export function remember(deps: RememberDeps, store: MemoryStore, draft: MemoryDraft, options: RememberOptions): Promise<StoredMemory | KnownMemory>;
export async function remember(
  deps: RememberDeps,
  store: MemoryStore,
  draft: MemoryDraft,
  options: RememberOptions & { threshold?: number | undefined },
): Promise<StoredMemory | KnownMemory | BelowThreshold> {
  const existing = await store.findByContent(draft.contentHash);
  if (existing) return { status: existing.id === draft.id ? "exists" : existing.state === "hot" ? "duplicate" : "archived", id: existing.id };

  const [reading, [vector]] = await Promise.all([options.perplexity(), deps.embedder.embed([draft.message], options.signal)]);
  if (!vector) throw new Error("the embedder returned no vector");
  // The draft's own vector may be in the index already (an attempt that crashed before listing it).
  const [nearest] = await store.index.search(vector, { topK: 1, filter: (candidate) => candidate !== draft.id });
  const novelty = noveltyFrom(nearest?.similarity);
  const { perplexity } = reading;
  // Unscored, the formula's own rule for a missing perplexity: it adds nothing to the importance.
  const surprise = surpriseScore(perplexity, novelty, deps.weights);
  if (options.threshold !== undefined && surprise < options.threshold) return { status: "below_threshold", perplexity, novelty, surprise };

  const record: MemoryRecord = { ...draft, perplexity, surpriseScore: reading.unavailable ? null : surprise, importance: surprise };
  const outcome = await store.persist(record, vector);
  if (outcome.status !== "stored") return { status: outcome.status, id: outcome.id };
  return { status: "stored", record, perplexity, novelty, surprise };
}
