import type { MemoryConfig } from "./config.js";
import type { IdGenerator } from "../../shared/clock.js";
import { serviceUnavailable } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { extendLock } from "../../shared/redis-lock.js";
import type { VectorFollower } from "../../shared/vector-index/index.js";
import type { ArchivedMemory, ColdStore } from "./cold-store.js";
import type { MemoryRecord } from "./records.js";
import { runMoveToArchive } from "./store-scripts.js";
import { bumpArchivedRevision } from "./cold-search.js";
import { decodeEntryData, encodeEntryData } from "./lexical.js";
import { coldPartitionFor } from "./owner.js";
import type { MemoryStore } from "./store.js";

export interface ColdArchiveRunResult {
  archived: number;
  kept_in_redis: number;
  batches: number;
  /** Batches a crashed run had left pending: committed (their memories had left Redis) or discarded. */
  recovered: { committed: number; discarded: number };
  /** Cold copies Redis's archived index does not name (a restore that crashed before cleaning up), removed. */
  purged_copies: number;
  /** Vectors without a listed memory (left by a crash mid-write or mid-delete) that were removed. */
  swept_vectors: number;
  /** Memories written before lexical search whose search data was filled in (see lexical.ts). */
  reindexed: number;
}

export interface ColdArchiveRunDeps {
  ids: IdGenerator;
  config: Pick<MemoryConfig, "archive">;
  logger: Logger;
  coldStore: ColdStore;
  embedder: { readonly id: string; embed(texts: string[]): Promise<Float32Array[]> };
  /** Memories per cold batch (default 500). */
  batchSize?: number;
  lockTtlMs: number;
}

const dayMs = 24 * 3600 * 1000;
/** A vector this much older than its missing record is abandoned, not in the middle of being listed. */
const orphanGraceMs = 3600 * 1000;

/**
 * One (tenant, end user)'s archival, under their archive lock (`token`):
 * 1. settle batches a crashed run left pending (the archived index in Redis says which ids left);
 * 2. delete cold copies the archived index no longer names, sweep abandoned vectors, and give
 *    memories written before lexical search their search data;
 * 3. select: older than ARCHIVE_DAYS (and not restored within it) and not among the
 *    ARCHIVE_KEEP_RECENT newest — least important first, so a run cut short moved the least valuable;
 * 4. per batch: write to cold storage (durable, pending) → move out of Redis in one Lua step that
 *    records id → batch → remove the vectors → commit the batch with exactly the ids that moved.
 * A crash anywhere leaves either memories still hot (their pending batch is discarded next run)
 * or memories recorded as archived in a batch the next run commits: nothing lost, nothing twice.
 */
export async function archiveTenant(deps: ColdArchiveRunDeps, store: MemoryStore, token: string, now: number): Promise<ColdArchiveRunResult> {
  const { coldStore } = deps;
  const partition = coldPartitionFor(store.owner);
  const recovered = await settlePending(deps, store);
  const purged = await purgeUnnamedCopies(deps, store);
  const { swept, reindexed } = await sweepOrphanVectors(store, now);
  const candidates = await selectForArchive(deps, store, now);
  const batchSize = deps.batchSize ?? 500;
  let archived = 0;
  let batches = 0;
  for (let start = 0; start < candidates.length; start += batchSize) {
    if (!(await extendLock(store.redis, store.keys.lock, token, deps.lockTtlMs))) throw lockLost(store.tenant);
    const records = await toArchived(deps, store, candidates.slice(start, start + batchSize), now);
    if (records.length === 0) continue;
    const batchId = deps.ids.next();
    await coldStore.append(partition, batchId, records);
    const moved = await runMoveToArchive(store.redis, store.keys, { token, batchId, ids: records.map((record) => record.id) });
    if (moved === "lost_lock") throw lockLost(store.tenant);
    await store.index.apply({ remove: moved });
    await coldStore.commit(partition, batchId, moved);
    await bumpArchivedRevision(store);
    archived += moved.length;
    batches += 1;
  }
  const { hot } = await store.counts();
  deps.logger.info("memory_archive_run", { archived, batches, kept_in_redis: hot, recovered, purged_copies: purged, swept_vectors: swept, reindexed });
  return { archived, kept_in_redis: hot, batches, recovered, purged_copies: purged, swept_vectors: swept, reindexed };
}

const lockLost = (tenant: string) =>
  serviceUnavailable(`The archive run for "${tenant}" lost its lock (it ran longer than the lock lives); run it again`, { code: "archive_lock_lost" });

async function settlePending(deps: ColdArchiveRunDeps, store: MemoryStore): Promise<ColdArchiveRunResult["recovered"]> {
  const recovered = { committed: 0, discarded: 0 };
  const partition = coldPartitionFor(store.owner);
  for (const batch of await deps.coldStore.pending(partition)) {
    const owners = batch.ids.length === 0 ? [] : await store.redis.hmget(store.keys.archived, ...batch.ids);
    const moved = batch.ids.filter((_, position) => owners[position] === batch.batchId);
    if (moved.length === 0) {
      await deps.coldStore.discard(partition, batch.batchId);
      recovered.discarded += 1;
    } else {
      await store.index.apply({ remove: moved });
      await deps.coldStore.commit(partition, batch.batchId, moved);
      await bumpArchivedRevision(store);
      recovered.committed += 1;
    }
  }
  if (recovered.committed + recovered.discarded > 0) deps.logger.warn("memory_archive_recovered", recovered);
  return recovered;
}

async function purgeUnnamedCopies(deps: ColdArchiveRunDeps, store: MemoryStore): Promise<number> {
  const partition = coldPartitionFor(store.owner);
  const entries = await deps.coldStore.list(partition);
  const unnamed: { id: string; batchId: string }[] = [];
  for (let start = 0; start < entries.length; start += 1000) {
    const chunk = entries.slice(start, start + 1000);
    const owners = await store.redis.hmget(store.keys.archived, ...chunk.map((entry) => entry.id));
    chunk.forEach((entry, position) => {
      if (owners[position] !== entry.batchId) unnamed.push(entry);
    });
  }
  if (unnamed.length > 0) await deps.coldStore.remove(partition, unnamed);
  return unnamed.length;
}

/**
 * Follows the replica to know every vector id, its write stamp (the index has no id listing) and
 * whether its data predates lexical search (no indexed text).
 */
function createStampTracker(): VectorFollower & { stamps: Map<string, number>; legacy: Set<string> } {
  const stamps = new Map<string, number>();
  const legacy = new Set<string>();
  return {
    stamps,
    legacy,
    reset: () => {
      stamps.clear();
      legacy.clear();
    },
    upsert: (id, data) => {
      const entry = decodeEntryData(data);
      stamps.set(id, entry?.w ?? 0);
      if (entry?.x === undefined) legacy.add(id);
      else legacy.delete(id);
    },
    remove: (id) => {
      stamps.delete(id);
      legacy.delete(id);
    },
  };
}

async function sweepOrphanVectors(store: MemoryStore, now: number): Promise<{ swept: number; reindexed: number }> {
  const view = await store.index.view();
  const tracker = view.follow("memory-vector-stamps", createStampTracker);
  const reindexed = await reindexLegacy(store, [...tracker.legacy], now);
  const old = [...tracker.stamps].filter(([, stamp]) => stamp < now - orphanGraceMs).map(([id]) => id);
  const orphans: string[] = [];
  for (let start = 0; start < old.length; start += 1000) {
    const chunk = old.slice(start, start + 1000);
    const scores = await store.redis.zmscore(store.keys.timeline, ...chunk);
    chunk.forEach((id, position) => {
      if (scores[position] === null) orphans.push(id);
    });
  }
  for (let start = 0; start < orphans.length; start += 5000) await store.index.apply({ remove: orphans.slice(start, start + 5000) });
  return { swept: orphans.length, reindexed };
}

/** Rewrites old-format vector data from the records (same vectors), so those memories are found lexically too. */
async function reindexLegacy(store: MemoryStore, ids: readonly string[], now: number): Promise<number> {
  let reindexed = 0;
  for (let start = 0; start < ids.length; start += 1000) {
    const chunk = ids.slice(start, start + 1000);
    const [records, view] = await Promise.all([store.read(chunk), store.index.view()]);
    const upsert = records.flatMap((record) => {
      const entry = record && view.get(record.id);
      return entry ? [{ id: entry.id, vector: entry.vector, data: encodeEntryData(now, record) }] : [];
    });
    if (upsert.length > 0) await store.index.apply({ upsert });
    reindexed += upsert.length;
  }
  return reindexed;
}

/**
 * Least important first (then oldest). Only the first (total − keepRecent) ranks by time can
 * qualify, so the newest K never do.
 */
async function selectForArchive(deps: ColdArchiveRunDeps, store: MemoryStore, now: number): Promise<string[]> {
  const { days, keepRecent } = deps.config.archive;
  const cutoff = now - days * dayMs;
  const eligible = (await store.redis.zcard(store.keys.timeline)) - keepRecent;
  const selected: { id: string; importance: number; order: number }[] = [];
  const pageSize = 1000;
  for (let offset = 0; offset < eligible; offset += pageSize) {
    const ids = await store.redis.zrangebyscore(store.keys.timeline, "-inf", `(${cutoff}`, "LIMIT", offset, Math.min(pageSize, eligible - offset));
    if (ids.length === 0) break;
    const pipeline = store.redis.pipeline();
    for (const id of ids) pipeline.hmget(store.keys.record(id), "restored_at", "importance", "surprise");
    const fields = (await pipeline.exec()) ?? [];
    ids.forEach((id, position) => {
      const [restoredAt, importance, surprise] = (fields[position]?.[1] as (string | null)[] | undefined) ?? [];
      // A restored memory was asked for again: it stays hot for ARCHIVE_DAYS from its restore.
      if (restoredAt && Number(restoredAt) >= cutoff) return;
      selected.push({ id, importance: Number(importance || surprise || 0), order: selected.length });
    });
    if (ids.length < pageSize) break;
  }
  return selected.sort((left, right) => left.importance - right.importance || left.order - right.order).map((entry) => entry.id);
}

export function toArchivedMemory(record: MemoryRecord, embedder: string, embedding: Float32Array, archivedAt: number): ArchivedMemory {
  return {
    id: record.id,
    message: record.message,
    perplexity: record.perplexity,
    surpriseScore: record.surpriseScore,
    createdAt: record.createdAt,
    sessionId: record.sessionId,
    metadata: record.metadata,
    contentHash: record.contentHash,
    source: record.source,
    restoredAt: record.restoredAt,
    importance: record.importance,
    answered: record.answered,
    archivedAt,
    embedder,
    embedding,
  };
}

export function fromArchivedMemory(archived: ArchivedMemory, restoredAt: number): MemoryRecord {
  return {
    id: archived.id,
    message: archived.message,
    perplexity: archived.perplexity,
    surpriseScore: archived.surpriseScore,
    createdAt: archived.createdAt,
    sessionId: archived.sessionId,
    metadata: archived.metadata,
    contentHash: archived.contentHash,
    source: archived.source,
    restoredAt,
    importance: archived.importance,
    answered: archived.answered,
  };
}

/** Records with the exact vectors the index holds; a listed memory without one (never expected) is re-embedded. */
async function toArchived(deps: ColdArchiveRunDeps, store: MemoryStore, ids: readonly string[], now: number): Promise<ArchivedMemory[]> {
  const [records, view] = await Promise.all([store.read(ids), store.index.view()]);
  const present = records.filter((record): record is MemoryRecord => record !== undefined);
  const embedderId = view.recorded?.embedder ?? deps.embedder.id;
  const missing = present.filter((record) => view.get(record.id) === undefined);
  const embedded = missing.length > 0 ? await deps.embedder.embed(missing.map((record) => record.message)) : [];
  const fresh = new Map(missing.map((record, position) => [record.id, embedded[position]]));
  return present.flatMap((record) => {
    const vector = view.get(record.id)?.vector ?? fresh.get(record.id);
    return vector ? [toArchivedMemory(record, fresh.has(record.id) ? deps.embedder.id : embedderId, vector, now)] : [];
  });
}
