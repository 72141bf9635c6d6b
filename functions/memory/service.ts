import type { IdGenerator } from "../../shared/clock.js";
import type { MemoryConfig } from "./config.js";
import { AppError, notFound } from "../../shared/errors.js";
import type { RequestScope } from "../request-scope.js";
import { syncColdDocuments } from "./cold-search.js";
import type { ColdStore } from "./cold-store.js";
import { contentHash, memoryIdPattern } from "./identity.js";
import { createMemoryFollower, followerName } from "./lexical.js";
import { ownerOf } from "./owner.js";
import { measurePerplexity, PerplexityUnavailable, type PerplexityPool } from "./perplexity.js";
import { toMemoryItem, type MemoryItem, type MemoryRecord } from "./records.js";
import { remember, type MemoryDraft, type PerplexityReading } from "./remember.js";
import { fromArchivedMemory } from "./cold-archive-run.js";
import { coldPrefix } from "./lexical.js";
import { maxAnsweredChars } from "./schema.js";
import { rankMemories } from "./search.js";
import { openMemoryStore, type MemoryStore, type MemoryStoreDeps } from "./store.js";

export interface MemoryServiceDeps extends MemoryStoreDeps {
  ids: IdGenerator;
  config: Pick<MemoryConfig, "memory" | "archive">;
  pool: PerplexityPool;
  /** How long an explicit add waits for its perplexity before storing it unscored (default 5 s). */
  addScoringTimeoutMs?: number;
  /** Where archived memories live (Node); deleting one also removes its cold copy right away. */
  coldStore?: ColdStore | undefined;
}

export interface AddMemoryInput {
  message: string;
  metadata?: Record<string, unknown> | undefined;
  sessionId?: string | undefined;
  /** The assistant message this one answered (context, indexed for search). */
  answered?: string | undefined;
}

export interface SearchOptions {
  topK: number;
  minSimilarity?: number | undefined;
  /** Only memories captured in (or added to) this session. */
  sessionId?: string | undefined;
  /** Epoch ms: only memories said at or after / before this time. */
  after?: number | undefined;
  before?: number | undefined;
  /** A memory id to leave out (chat: the turn being answered). */
  exclude?: string | undefined;
  /** Only one tier (archive search); default both. */
  tier?: "hot" | "cold" | undefined;
}

/** A search hit: the memory, which tier it came from, and how it ranked. */
export type MemoryHit = MemoryItem & {
  similarity: number;
  score: number;
  /** BM25 score relative to the query's best lexical hit: 1 = the best, 0 = no word matched. */
  lexical: number;
  tier: "hot" | "cold";
  archived_at?: string;
};

export interface MemoryStats {
  hot: number;
  archived: number;
  total: number;
  /** MEMORY_CAPTURE: `all`, or only `surprising` turns (surprise ≥ threshold). */
  capture: "all" | "surprising";
  threshold: number;
  weights: { perplexity: number; novelty: number };
  embedder: string;
  dimension: number | null;
  archival: { days: number; keep_recent: number; hour_utc: number };
}

export interface MemoryService {
  list(scope: RequestScope, page: { limit: number; offset: number }): Promise<{ memories: MemoryItem[]; total: number }>;
  get(scope: RequestScope, id: string): Promise<MemoryItem>;
  /** Deletes a hot or an archived memory. */
  remove(scope: RequestScope, id: string): Promise<void>;
  /** Always stores (unless it is an exact duplicate, which answers the existing memory with `created: false`). */
  add(scope: RequestScope, input: AddMemoryInput): Promise<{ memory: MemoryItem; created: boolean }>;
  /** Hybrid search over hot and (where a cold store exists) archived memories. */
  search(scope: RequestScope, query: string, options: SearchOptions): Promise<{ memories: MemoryHit[]; total: number }>;
  /** The same with the query's vector already in hand (the benchmark embeds apart). */
  searchWith(scope: RequestScope, query: { text: string; vector: Float32Array }, options: SearchOptions): Promise<{ memories: MemoryHit[]; total: number }>;
  stats(scope: RequestScope): Promise<MemoryStats>;
  /** The (tenant, end user)'s store on the scope's Redis (for jobs, tests and the benchmark). */
  open(scope: Pick<RequestScope, "tenant" | "endUser" | "redis">): Promise<MemoryStore>;
}

export const memoryNotFound = (id: string) => notFound(`No memory with id "${id}"`, "memory_not_found");

export const memoryArchived = (id: string) =>
  new AppError({
    code: "memory_archived",
    status: 409,
    title: "Conflict",
    detail: `This exact message is already remembered as memory "${id}", which is in cold storage; bring it back with POST /memories/archive/restore {"ids": ["${id}"]}`,
  });

/** Orphaned vectors (see store-scripts.ts) are skipped after the search, so a few extra are read. */
const searchSlack = 8;

export function createMemoryService(deps: MemoryServiceDeps): MemoryService {
  const { config } = deps;
  const weights = config.memory;
  const open: MemoryService["open"] = async (scope) => openMemoryStore(deps, await scope.redis(), ownerOf(scope));

  const readOne = async (store: MemoryStore, id: string): Promise<MemoryRecord> => {
    // An id that cannot exist, or another tenant's id: both are simply not found here.
    if (!memoryIdPattern.test(id)) throw memoryNotFound(id);
    const [record] = await store.read([id]);
    if (!record) throw memoryNotFound(id);
    return record;
  };

  /** An explicit add waits only so long for its perplexity; then it is stored unscored. */
  const perplexityForAdd = async (scope: RequestScope, message: string): Promise<PerplexityReading> => {
    try {
      const timeout = AbortSignal.timeout(deps.addScoringTimeoutMs ?? 5000);
      const signal = scope.signal ? AbortSignal.any([scope.signal, timeout]) : timeout;
      return { perplexity: await measurePerplexity(deps.pool, message, { signal }), unavailable: false };
    } catch (error) {
      if (scope.signal?.aborted) throw error;
      if (!(error instanceof PerplexityUnavailable) && !(error instanceof DOMException)) throw error;
      scope.logger.warn("memory_add_unscored", { tenant: scope.tenant, error });
      return { perplexity: null, unavailable: true };
    }
  };

  const searchWith: MemoryService["searchWith"] = async (scope, query, options) => {
    const store = await open(scope);
    const view = await store.index.view();
    const follower = view.follow(followerName, createMemoryFollower);
    await syncColdDocuments(deps.coldStore, deps.embedder, store, follower);
    const ranked = rankMemories(
      view,
      follower,
      { ...options, text: query.text, vector: query.vector },
      { lexicalWeight: weights.lexicalWeight, importanceWeight: weights.importanceWeight },
    ).filter((hit) => hit.similarity >= (options.minSimilarity ?? 0));
    const head = ranked.slice(0, options.topK + searchSlack);
    const records = await store.read(head.filter((hit) => hit.tier === "hot").map((hit) => hit.id));
    const hot = new Map(records.flatMap((record) => (record ? [[record.id, record] as const] : [])));
    const memories: MemoryHit[] = [];
    for (const hit of head) {
      if (memories.length === options.topK) break;
      const rounded = { score: Math.round(hit.score * 1e6) / 1e6, lexical: Math.round(hit.lexical * 1e6) / 1e6, tier: hit.tier };
      if (hit.tier === "hot") {
        // A vector whose record is gone (deleted or archived meanwhile, or a crash's orphan) is skipped.
        const record = hot.get(hit.id);
        if (!record) continue;
        const item = toMemoryItem(record, hit.similarity);
        memories.push({ ...item, similarity: item.similarity!, ...rounded });
        continue;
      }
      const cold = follower.cold(coldPrefix + hit.id);
      if (!cold) continue;
      const item = toMemoryItem(fromArchivedMemory(cold.record, cold.record.restoredAt ?? 0), hit.similarity);
      memories.push({ ...item, similarity: item.similarity!, ...rounded, archived_at: new Date(cold.record.archivedAt).toISOString() });
    }
    return { memories, total: memories.length };
  };

  return {
    open,
    searchWith,

    async list(scope, page) {
      const store = await open(scope);
      const { ids, total } = await store.page(page.offset, page.limit);
      const records = await store.read(ids);
      // A memory archived or deleted between the two reads is simply left out.
      return { memories: records.filter((record) => record !== undefined).map((record) => toMemoryItem(record)), total };
    },

    async get(scope, id) {
      return toMemoryItem(await readOne(await open(scope), id));
    },

    async remove(scope, id) {
      if (!memoryIdPattern.test(id)) throw memoryNotFound(id);
      const store = await open(scope);
      if (await store.remove(id)) return;
      // Not hot: perhaps archived. Forgetting must not depend on this runtime having the cold store.
      const batchId = await store.forgetArchived(id);
      if (batchId === null) throw memoryNotFound(id);
      try {
        await deps.coldStore?.remove(scope.tenant, [{ id, batchId }]);
      } catch (error) {
        // Already forgotten (unnamed copies are never served); the next archive run deletes the copy.
        scope.logger.warn("memory_cold_copy_left", { error });
      }
    },

    async add(scope, input) {
      const store = await open(scope);
      const draft: MemoryDraft = {
        id: deps.ids.next(),
        message: input.message,
        answered: input.answered ? input.answered.slice(-maxAnsweredChars) : null,
        createdAt: deps.clock.now(),
        sessionId: input.sessionId ?? null,
        metadata: input.metadata ?? null,
        contentHash: await contentHash(input.message),
        source: "api",
        restoredAt: null,
      };
      const outcome = await remember({ embedder: deps.embedder, weights }, store, draft, { perplexity: () => perplexityForAdd(scope, input.message), signal: scope.signal });
      if (outcome.status === "stored") return { memory: toMemoryItem(outcome.record), created: true };
      if (outcome.status === "archived") throw memoryArchived(outcome.id);
      // Remembered already, perhaps by a request with the same text at the same moment: that one is the memory.
      return { memory: toMemoryItem(await readOne(store, outcome.id)), created: false };
    },

    async search(scope, query, options) {
      const [vector] = await deps.embedder.embed([query], scope.signal);
      if (!vector) throw new Error("the embedder returned no vector");
      return searchWith(scope, { text: query, vector }, options);
    },

    async stats(scope) {
      const store = await open(scope);
      const [counts, view] = await Promise.all([store.counts(), store.index.view()]);
      return {
        hot: counts.hot,
        archived: counts.archived,
        total: counts.hot + counts.archived,
        capture: weights.capture,
        threshold: weights.threshold,
        weights: { perplexity: weights.weightPerplexity, novelty: weights.weightNovelty },
        embedder: view.recorded?.embedder ?? deps.embedder.id,
        dimension: view.recorded?.dimension ?? (deps.embedder.dimension || null),
        archival: { days: config.archive.days, keep_recent: config.archive.keepRecent, hour_utc: config.archive.hour },
      };
    },
  };
}
