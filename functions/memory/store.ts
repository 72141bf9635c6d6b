import type { Redis } from "ioredis";
import type { Clock } from "../../shared/clock.js";
import type { Embedder } from "../../shared/embeddings/embedder.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { createVectorIndex, type VectorIndex, type VectorReplicaCache } from "../../shared/vector-index/index.js";
import { encodeEntryData } from "./lexical.js";
import { memoryCollectionFor, ownerKeyParts, type MemoryOwner } from "./owner.js";
import { decodeRecord, encodeRecord, type MemoryRecord } from "./records.js";
import { runCommit, runDelete, runForgetArchived, type CommitOutcome, type MemoryKeys } from "./store-scripts.js";

export interface MemoryStoreDeps {
  keys: RedisKeys;
  clock: Clock;
  embedder: Embedder;
  replicas: VectorReplicaCache;
}

/** One (tenant, end user)'s memories on one Redis client. Cheap to open: per request or per job. */
export interface MemoryStore {
  readonly tenant: string;
  readonly owner: MemoryOwner;
  readonly keys: MemoryKeys;
  readonly index: VectorIndex;
  readonly redis: Redis;
  /**
   * Writes the vector, then lists the memory (one Lua step that also claims the content hash).
   * A duplicate's vector is taken back out. Safe to repeat with the same id.
   */
  persist(record: MemoryRecord, vector: Float32Array): Promise<CommitOutcome>;
  /** Unlists and deletes the record, then removes its vector. False when it was not there. */
  remove(id: string): Promise<boolean>;
  /**
   * Forgets an archived memory: Redis stops naming its cold copy, which makes the copy invisible at
   * once (every cold read is checked against the archived index) and garbage for the next archive
   * run. The content hash entry goes stale, so the same words may be remembered again. Returns
   * the batch that held it, or null when it was not archived.
   */
  forgetArchived(id: string): Promise<string | null>;
  read(ids: readonly string[]): Promise<(MemoryRecord | undefined)[]>;
  /** Ids newest first. */
  page(offset: number, limit: number): Promise<{ ids: string[]; total: number }>;
  /** The live memory (hot, or archived) holding this exact text, if any. */
  findByContent(contentHash: string): Promise<{ id: string; state: "hot" | "archived" } | undefined>;
  counts(): Promise<{ hot: number; archived: number }>;
}

/** The default end user's keys are the ones memory used before end users existed (see owner.ts). */
export function memoryKeysFor(keys: RedisKeys, owner: MemoryOwner): MemoryKeys {
  const { tenant } = owner;
  const parts = ownerKeyParts(owner.endUser);
  return {
    record: (id) => keys.tenant(tenant, ...parts, "memory", id),
    timeline: keys.tenant(tenant, ...parts, "memories"),
    hashes: keys.tenant(tenant, ...parts, "memory-hashes"),
    archived: keys.tenant(tenant, ...parts, "memory-archived"),
    archivedRevision: keys.tenant(tenant, ...parts, "memory-archived-rev"),
    lock: keys.tenant(tenant, ...parts, "memory-archive-lock"),
    lastRun: keys.tenant(tenant, ...parts, "memory-archive-last-run"),
    tenants: keys.global("memory", "tenants"),
    users: keys.tenant(tenant, "memory-users"),
  };
}

/**
 * Vector data, replicated with each vector (see lexical.ts): when it was written (so a sweep can
 * tell an abandoned vector from one whose record is being listed right now), its session, its
 * importance and the text lexical search indexes.
 */
export const vectorData = encodeEntryData;

export function openMemoryStore(deps: MemoryStoreDeps, redis: Redis, owner: MemoryOwner): MemoryStore {
  const { tenant } = owner;
  const keys = memoryKeysFor(deps.keys, owner);
  const index = createVectorIndex({ redis, keys: deps.keys, tenant, collection: memoryCollectionFor(owner.endUser), embedder: deps.embedder, replicas: deps.replicas });

  const read: MemoryStore["read"] = async (ids) => {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.record(id));
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((id, position) => {
      const [error, fields] = replies[position] ?? [new Error("no reply"), undefined];
      if (error) throw error;
      return decodeRecord(id, fields as Record<string, string>);
    });
  };

  return {
    tenant,
    owner,
    keys,
    index,
    redis,
    read,

    async persist(record, vector) {
      await index.apply({ upsert: [{ id: record.id, vector, data: vectorData(deps.clock.now(), record) }] });
      const outcome = await runCommit(redis, keys, {
        id: record.id,
        contentHash: record.contentHash,
        createdAt: record.createdAt,
        tenant,
        endUser: owner.endUser,
        fields: encodeRecord(record),
      });
      if (outcome.status === "duplicate" || outcome.status === "archived") await index.apply({ remove: [record.id] });
      return outcome;
    },

    async remove(id) {
      const removed = await runDelete(redis, keys, id);
      // A vector without a record is what a crash between the two steps of an earlier delete leaves.
      if (removed || (await index.get(id)) !== undefined) await index.apply({ remove: [id] });
      return removed;
    },

    forgetArchived: (id) => runForgetArchived(redis, keys, id),

    async page(offset, limit) {
      const [ids, total] = await Promise.all([redis.zrevrange(keys.timeline, offset, offset + limit - 1), redis.zcard(keys.timeline)]);
      return { ids, total };
    },

    async findByContent(contentHash) {
      const id = await redis.hget(keys.hashes, contentHash);
      if (!id) return undefined;
      const [score, archived] = await Promise.all([redis.zscore(keys.timeline, id), redis.hexists(keys.archived, id)]);
      if (score !== null) return { id, state: "hot" };
      if (archived === 1) return { id, state: "archived" };
      return undefined;
    },

    async counts() {
      const [hot, archived] = await Promise.all([redis.zcard(keys.timeline), redis.hlen(keys.archived)]);
      return { hot, archived };
    },
  };
}
