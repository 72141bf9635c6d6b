import type { Redis } from "ioredis";
import { normalizeVector } from "../embeddings/embedder.js";
import { AppError, badRequest } from "../errors.js";
import type { RedisKeys } from "../redis-keys.js";
import type { VectorReplicaCache } from "./replica-cache.js";
import { syncReplica, type Replica, type VectorFollower } from "./replica.js";
import { encodeVector } from "./replica-store.js";
import { runApply, type CollectionKeys } from "./scripts.js";
import { selectTopK } from "./top-k.js";

/**
 * A tenant's collection of vectors: stored in Redis (the truth), searched exactly in-process over
 * a replica that every read first brings up to date. Cheap to create — per request is fine.
 *
 * Similarity is reported as (1 + cosine) / 2, clamped to 0..1: higher is closer, 0.5 is unrelated,
 * and 1 − similarity is the cosine distance normalized to 0..1 (memory's novelty).
 */
export interface VectorIndexOptions {
  redis: Redis;
  keys: RedisKeys;
  tenant: string;
  /** Lowercase letters, digits, `_` and `-`, e.g. "memories", "library". */
  collection: string;
  /** What produced the vectors; pass the Embedder itself (its dimension may be learned late). */
  embedder: { readonly id: string; readonly dimension: number };
  replicas: VectorReplicaCache;
  /** Change-log entries kept in Redis (trimmed approximately); a replica further behind reloads. */
  maxChanges?: number;
}

export interface VectorUpsert {
  id: string;
  vector: Float32Array | readonly number[];
  /** Small text replicated with the vector (the library keeps chunk text here for BM25). */
  data?: string;
}

/** Removals are applied before upserts, so one apply can replace a document whose chunk ids repeat. */
export interface VectorChanges {
  upsert?: VectorUpsert[];
  remove?: string[];
}

export interface VectorSearchOptions {
  topK: number;
  minSimilarity?: number;
  filter?: (id: string, data: string | undefined) => boolean;
}

export interface VectorMatch {
  id: string;
  /** (1 + cosine) / 2 in 0..1; higher = closer. */
  similarity: number;
  cosine: number;
  data: string | undefined;
}

export interface VectorEntry {
  id: string;
  vector: Float32Array;
  data: string | undefined;
}

/** Synchronous reads of one up-to-date replica state; use it without awaiting in between. */
export interface VectorIndexView {
  readonly count: number;
  /** Embedder and dimension recorded for the collection; undefined before the first write. */
  readonly recorded: { embedder: string; dimension: number } | undefined;
  search(vector: Float32Array | readonly number[], options: VectorSearchOptions): VectorMatch[];
  get(id: string): VectorEntry | undefined;
  /** The follower registered under `name`, created and filled with every entry on first use. */
  follow<T extends VectorFollower>(name: string, create: () => T): T;
}

export interface VectorIndex {
  readonly collection: string;
  /** One atomic write: readers see all of it or none. Returns after Redis has it. */
  apply(changes: VectorChanges): Promise<void>;
  search(vector: Float32Array | readonly number[], options: VectorSearchOptions): Promise<VectorMatch[]>;
  /** The closest entry (for novelty), or undefined when the collection is empty. */
  nearest(vector: Float32Array | readonly number[]): Promise<VectorMatch | undefined>;
  count(): Promise<number>;
  get(id: string): Promise<VectorEntry | undefined>;
  view(): Promise<VectorIndexView>;
  /** Deletes the collection (vectors, data, recorded embedder); replicas everywhere empty on next read. */
  drop(): Promise<void>;
}

const collectionPattern = /^[a-z0-9_-]{1,64}$/;
export const maxApplySize = 20_000;
export const maxTopK = 10_000;
const maxIdLength = 512;
export const maxDataLength = 64 * 1024;

export function createVectorIndex(options: VectorIndexOptions): VectorIndex {
  const { redis, replicas, embedder, collection } = options;
  // Colons would let one collection name address another's keys.
  if (!collectionPattern.test(collection)) throw badRequest(`Invalid collection name "${collection}"`, "invalid_collection");
  const base = options.keys.tenant(options.tenant, "vec", collection);
  const keys: CollectionKeys = { meta: `${base}:meta`, vectors: `${base}:vectors`, data: `${base}:data`, changes: `${base}:changes` };
  const maxChanges = options.maxChanges ?? 10_000;

  const synced = async (): Promise<Replica> => {
    const replica = replicas.replica(base);
    await syncReplica(replica, redis, keys);
    replicas.enforceBudget(base);
    return replica;
  };

  const view = (replica: Replica): VectorIndexView => ({
    get count() {
      return replica.store?.count ?? 0;
    },
    recorded: replica.meta,
    search: (vector, searchOptions) => searchReplica(replica, collection, embedder, vector, searchOptions),
    get(id) {
      const vector = replica.store?.vector(id);
      return vector && { id, vector, data: replica.store?.data(id) };
    },
    follow<T extends VectorFollower>(name: string, create: () => T): T {
      const existing = replica.followers.get(name);
      // The name is the type's key: one name is always created by the same factory.
      if (existing) return existing as T;
      const follower = create();
      follower.reset();
      const store = replica.store;
      if (store) for (const id of store.ids()) follower.upsert(id, store.data(id));
      replica.followers.set(name, follower);
      return follower;
    },
  });

  return {
    collection,
    async apply(changes) {
      const remove = changes.remove ?? [];
      const upsert = changes.upsert ?? [];
      if (remove.length + upsert.length === 0) return;
      if (remove.length + upsert.length > maxApplySize) {
        throw badRequest(`One apply may change at most ${maxApplySize} ids; got ${remove.length + upsert.length}`, "apply_too_large");
      }
      const seen = new Set<string>();
      for (const id of [...remove, ...upsert.map((entry) => entry.id)]) assertId(id);
      for (const entry of upsert) {
        if (seen.has(entry.id)) throw badRequest(`Id "${entry.id}" is upserted twice in one apply`, "duplicate_id");
        seen.add(entry.id);
        // Every process holds every entry's data in memory; it is for snippets, not documents.
        if (entry.data !== undefined && entry.data.length > maxDataLength) {
          throw badRequest(`Data of "${entry.id}" is longer than ${maxDataLength} characters`, "data_too_long");
        }
      }
      const dimension = embedder.dimension || (upsert[0]?.vector.length ?? 0);
      const encoded = upsert.map((entry) => {
        if (entry.vector.length !== dimension) throw wrongLength(entry.vector.length, dimension, embedder.id);
        return { id: entry.id, bytes: encodeVector(normalizeVector(entry.vector)), data: entry.data };
      });
      const outcome = await runApply(redis, keys, {
        embedder: embedder.id,
        dimension,
        newEpoch: crypto.randomUUID(),
        maxChanges,
        remove,
        upsert: encoded,
      });
      if (outcome.status === "mismatch") throw embedderMismatch(collection, outcome, { embedder: embedder.id, dimension });
    },
    search: async (vector, searchOptions) => view(await synced()).search(vector, searchOptions),
    async nearest(vector) {
      const [match] = view(await synced()).search(vector, { topK: 1 });
      return match;
    },
    count: async () => (await synced()).store?.count ?? 0,
    get: async (id) => view(await synced()).get(id),
    view: async () => view(await synced()),
    async drop() {
      await redis.del(keys.meta, keys.vectors, keys.data, keys.changes);
    },
  };
}

function searchReplica(
  replica: Replica,
  collection: string,
  embedder: { readonly id: string; readonly dimension: number },
  vector: Float32Array | readonly number[],
  options: VectorSearchOptions,
): VectorMatch[] {
  if (!Number.isInteger(options.topK) || options.topK < 1 || options.topK > maxTopK) {
    throw badRequest(`top_k must be an integer from 1 to ${maxTopK}`, "invalid_top_k");
  }
  const minSimilarity = options.minSimilarity ?? 0;
  if (!(minSimilarity >= 0 && minSimilarity <= 1)) throw badRequest("min_similarity must be between 0 and 1", "invalid_min_similarity");
  const dimension = embedder.dimension || vector.length;
  if (vector.length !== dimension) throw wrongLength(vector.length, dimension, embedder.id);
  const query = normalizeVector(vector);
  const store = replica.store;
  if (!store || store.count === 0) return [];
  const recorded = replica.meta;
  // Vectors from another model live in another space: comparing them would rank noise.
  if (recorded && (recorded.embedder !== embedder.id || recorded.dimension !== dimension)) {
    throw embedderMismatch(collection, recorded, { embedder: embedder.id, dimension });
  }
  const { filter } = options;
  const scored = selectTopK({
    scores: store.scores(query),
    rows: store.count,
    k: options.topK,
    minScore: 2 * minSimilarity - 1,
    accept: filter && ((slot) => filter(store.idAt(slot), store.dataAt(slot))),
  });
  return scored
    .map(({ slot, score: cosine }) => ({
      id: store.idAt(slot),
      similarity: Math.min(1, Math.max(0, (1 + cosine) / 2)),
      cosine: Math.min(1, Math.max(-1, cosine)),
      data: store.dataAt(slot),
    }))
    .sort((left, right) => right.cosine - left.cosine || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
}

function assertId(id: string): void {
  if (typeof id !== "string" || id.length === 0 || id.length > maxIdLength) {
    throw badRequest(`Vector ids must be 1 to ${maxIdLength} characters`, "invalid_vector_id");
  }
}

function wrongLength(length: number, dimension: number, embedderId: string): AppError {
  return new AppError({
    code: "invalid_vector",
    status: 422,
    title: "Invalid Vector",
    detail: `A ${length}-d vector was given where embedder "${embedderId}" makes ${dimension}-d vectors`,
  });
}

export function embedderMismatch(
  collection: string,
  recorded: { embedder: string; dimension: number },
  current: { embedder: string; dimension: number },
): AppError {
  return new AppError({
    code: "embedder_mismatch",
    status: 409,
    title: "Embedder Mismatch",
    detail:
      `Collection "${collection}" holds vectors from embedder "${recorded.embedder}" (${recorded.dimension}-d), ` +
      `but this server embeds with "${current.embedder}" (${current.dimension}-d). Vectors from different models ` +
      `cannot be compared. Switch back to "${recorded.embedder}", or re-embed the collection with "${current.embedder}".`,
  });
}
