import type { MemoryRecord } from "./records.js";

/**
 * Cold storage for archived memories, behind an interface so another store (object storage, a
 * database) can replace the files the Node runtimes use (`infra/node/cold-store-files.ts`).
 * Workers have none: archival runs where a cold store is composed.
 *
 * The archive protocol is a two-phase commit whose decision record lives in Redis (see
 * cold-archive-run.ts): a batch is first written durably but *pending*, then the memories leave Redis in
 * one atomic step that records "id → batch" in the tenant's archived index, then the batch is
 * committed with exactly the ids that left. A store never needs to talk to Redis: cold-archive-run.ts
 * commits or discards pending batches after a crash by reading that index.
 */

/** A memory record as it left Redis, with the vector it had in the index. */
export interface ArchivedMemory extends MemoryRecord {
  /** Epoch ms the batch was written. */
  archivedAt: number;
  /** Embedder that made `embedding`; search and restore only trust vectors from the current one. */
  embedder: string;
  /** Unit length, exactly as the vector index held it. */
  embedding: Float32Array;
}

export interface ColdMatch {
  batchId: string;
  record: ArchivedMemory;
  /** (1 + cosine) / 2 in 0..1, the vector index's scale. */
  similarity: number;
}

export interface ColdEntry {
  batchId: string;
  record: ArchivedMemory;
}

export interface ColdStoreStats {
  /** Committed memories (an id counts once). */
  memories: number;
  committedBatches: number;
  pendingBatches: number;
  /** Epoch ms of the oldest / newest `createdAt`; null when empty. */
  oldestCreatedAt: number | null;
  newestCreatedAt: number | null;
  bytes: number;
}

export interface ColdStore {
  /** Human-readable kind for stats ("files"). */
  readonly kind: string;
  /**
   * Writes a batch durably (on disk, fsynced) as pending: invisible to get/search/stats until
   * committed. Writing the same batch id again is a no-op.
   */
  append(tenant: string, batchId: string, records: readonly ArchivedMemory[]): Promise<void>;
  /** Makes `ids` of a pending batch visible; the batch's other records are dropped. Idempotent. */
  commit(tenant: string, batchId: string, ids: readonly string[]): Promise<void>;
  /** Deletes a pending batch. Idempotent. */
  discard(tenant: string, batchId: string): Promise<void>;
  /** Pending batches with the ids they hold (what a crashed run left behind). */
  pending(tenant: string): Promise<{ batchId: string; ids: string[] }[]>;
  /** Every committed (id, batch) pair, without the records: what consistency checks compare with Redis. */
  list(tenant: string): Promise<{ id: string; batchId: string }[]>;
  /** Committed records of `ids`; an id in several batches comes from the newest batch. */
  get(tenant: string, ids: readonly string[]): Promise<ColdEntry[]>;
  /**
   * Removes ids from the named batches (after a restore). Removal is per batch on purpose: a copy
   * written by a later archive run of the same id is a different entry and must survive.
   */
  remove(tenant: string, entries: readonly { id: string; batchId: string }[]): Promise<void>;
  /** Exact cosine top-k over committed records made by `embedder`; one entry per id. */
  search(tenant: string, query: { vector: Float32Array; embedder: string; topK: number }): Promise<ColdMatch[]>;
  stats(tenant: string): Promise<ColdStoreStats>;
}
