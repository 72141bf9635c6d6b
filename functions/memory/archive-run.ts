import type { Config } from "../../shared/config.js";
import type { IdGenerator } from "../../shared/clock.js";
import { serviceUnavailable } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import type { VectorFollower } from "../../shared/vector-index/index.js";
import type { ArchivedMemory, ColdStore } from "./cold-store.js";
import type { MemoryRecord } from "./records.js";
import { extendLock, runMoveToArchive } from "./store-scripts.js";
import { stampTime, type MemoryStore } from "./store.js";

export interface ArchiveRunResult {
  archived: number;
  kept_in_redis: number;
  batches: number;
  /** Batches a crashed run had left pending: committed (their memories had left Redis) or discarded. */
  recovered: { committed: number; discarded: number };
  /** Cold copies Redis's archived index does not name (a restore that crashed before cleaning up), removed. */
  purged_copies: number;
  /** Vectors without a listed memory (left by a crash mid-write or mid-delete) that were removed. */
  swept_vectors: number;
}

export interface ArchiveRunDeps {
  ids: IdGenerator;
  config: Pick<Config, "archive">;
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
 * One tenant's archival, under the tenant's archive lock (`token`):
 * 1. settle batches a crashed run left pending (the archived index in Redis says which ids left);
 * 2. delete cold copies the archived index no longer names, and sweep abandoned vectors;
 * 3. select: older than ARCHIVE_DAYS (and not restored within it) and not among the
 *    ARCHIVE_KEEP_RECENT newest;
 * 4. per batch: write to cold storage (durable, pending) → move out of Redis in one Lua step that
 *    records id → batch → remove the vectors → commit the batch with exactly the ids that moved.
 * A crash anywhere leaves either memories still hot (their pending batch is discarded next run)
 * or memories recorded as archived in a batch the next run commits: nothing lost, nothing twice.
 */
export async function archiveTenant(deps: ArchiveRunDeps, store: MemoryStore, token: string, now: number): Promise<ArchiveRunResult> {
  const { coldStore } = deps;
  const recovered = await settlePending(deps, store);
  const purged = await purgeUnnamedCopies(deps, store);
  const swept = await sweepOrphanVectors(store, now);
  const candidates = await selectForArchive(deps, store, now);
  const batchSize = deps.batchSize ?? 500;
  let archived = 0;
  let batches = 0;
  for (let start = 0; start < candidates.length; start += batchSize) {
    if (!(await extendLock(store.redis, store.keys.lock, token, deps.lockTtlMs))) throw lockLost(store.tenant);
    const records = await toArchived(deps, store, candidates.slice(start, start + batchSize), now);
    if (records.length === 0) continue;
    const batchId = deps.ids.next();
    await coldStore.append(store.tenant, batchId, records);
    const moved = await runMoveToArchive(store.redis, store.keys, { token, batchId, ids: records.map((record) => record.id) });
    if (moved === "lost_lock") throw lockLost(store.tenant);
    await store.index.apply({ remove: moved });
    await coldStore.commit(store.tenant, batchId, moved);
    archived += moved.length;
    batches += 1;
  }
  const { hot } = await store.counts();
  deps.logger.info("memory_archive_run", { archived, batches, kept_in_redis: hot, recovered, purged_copies: purged, swept_vectors: swept });
  return { archived, kept_in_redis: hot, batches, recovered, purged_copies: purged, swept_vectors: swept };
}

const lockLost = (tenant: string) =>
  serviceUnavailable(`The archive run for "${tenant}" lost its lock (it ran longer than the lock lives); run it again`, { code: "archive_lock_lost" });

async function settlePending(deps: ArchiveRunDeps, store: MemoryStore): Promise<ArchiveRunResult["recovered"]> {
  const recovered = { committed: 0, discarded: 0 };
  for (const batch of await deps.coldStore.pending(store.tenant)) {
    const owners = batch.ids.length === 0 ? [] : await store.redis.hmget(store.keys.archived, ...batch.ids);
    const moved = batch.ids.filter((_, position) => owners[position] === batch.batchId);
    if (moved.length === 0) {
      await deps.coldStore.discard(store.tenant, batch.batchId);
      recovered.discarded += 1;
    } else {
      await store.index.apply({ remove: moved });
      await deps.coldStore.commit(store.tenant, batch.batchId, moved);
      recovered.committed += 1;
    }
  }
  if (recovered.committed + recovered.discarded > 0) deps.logger.warn("memory_archive_recovered", recovered);
  return recovered;
}

async function purgeUnnamedCopies(deps: ArchiveRunDeps, store: MemoryStore): Promise<number> {
  const entries = await deps.coldStore.list(store.tenant);
  const unnamed: { id: string; batchId: string }[] = [];
  for (let start = 0; start < entries.length; start += 1000) {
    const chunk = entries.slice(start, start + 1000);
    const owners = await store.redis.hmget(store.keys.archived, ...chunk.map((entry) => entry.id));
    chunk.forEach((entry, position) => {
      if (owners[position] !== entry.batchId) unnamed.push(entry);
    });
  }
  if (unnamed.length > 0) await deps.coldStore.remove(store.tenant, unnamed);
  return unnamed.length;
}

/** Follows the replica to know every vector id and its write stamp (the index has no id listing). */
function createStampTracker(): VectorFollower & { stamps: Map<string, number> } {
  const stamps = new Map<string, number>();
  return {
    stamps,
    reset: () => stamps.clear(),
    upsert: (id, data) => stamps.set(id, stampTime(data)),
    remove: (id) => stamps.delete(id),
  };
}

async function sweepOrphanVectors(store: MemoryStore, now: number): Promise<number> {
  const view = await store.index.view();
  const tracker = view.follow("memory-vector-stamps", createStampTracker);
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
  return orphans.length;
}

/** Oldest first. Only the first (total − keepRecent) ranks can qualify, so the newest K never do. */
async function selectForArchive(deps: ArchiveRunDeps, store: MemoryStore, now: number): Promise<string[]> {
  const { days, keepRecent } = deps.config.archive;
  const cutoff = now - days * dayMs;
  const eligible = (await store.redis.zcard(store.keys.timeline)) - keepRecent;
  const selected: string[] = [];
  const pageSize = 1000;
  for (let offset = 0; offset < eligible; offset += pageSize) {
    const ids = await store.redis.zrangebyscore(store.keys.timeline, "-inf", `(${cutoff}`, "LIMIT", offset, Math.min(pageSize, eligible - offset));
    if (ids.length === 0) break;
    const pipeline = store.redis.pipeline();
    for (const id of ids) pipeline.hget(store.keys.record(id), "restored_at");
    const restored = (await pipeline.exec()) ?? [];
    ids.forEach((id, position) => {
      const value = restored[position]?.[1];
      // A restored memory was asked for again: it stays hot for ARCHIVE_DAYS from its restore.
      if (typeof value === "string" && value !== "" && Number(value) >= cutoff) return;
      selected.push(id);
    });
    if (ids.length < pageSize) break;
  }
  return selected;
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
  };
}

/** Records with the exact vectors the index holds; a listed memory without one (never expected) is re-embedded. */
async function toArchived(deps: ArchiveRunDeps, store: MemoryStore, ids: readonly string[], now: number): Promise<ArchivedMemory[]> {
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
