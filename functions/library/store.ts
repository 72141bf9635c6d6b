/**
 * Every write to the library's documents, sources and chunks, each under the tenant's commit lock.
 *
 * Ordering is what keeps readers consistent without a transaction spanning the vector index:
 * - a new version: its record is written first (state `committing`), then ONE vector apply adds its
 *   chunks and removes the replaced version's, then the records flip (ready, source repointed, old
 *   record gone). Search shows a chunk only while its document record exists, so it sees the old
 *   version or the new one, never a mix, and a crash between steps leaves nothing visible half-done.
 * - a deletion: chunks first, records after; a crash in between leaves a listed document with no
 *   chunks, which the next DELETE finishes.
 */
import type { ChainableCommander, Redis } from "ioredis";
import type { Clock } from "../../shared/clock.js";
import { serviceUnavailable } from "../../shared/errors.js";
import { withLock } from "../../shared/redis-lock.js";
import type { VectorIndex, VectorUpsert } from "../../shared/vector-index/index.js";
import { chunkIds } from "./chunk-data.js";
import type { LibraryFileType } from "./extract.js";
import { decodeRecord, encodeRecord, filenameOfSource, type DocumentRecord, type LibraryKeys } from "./records.js";

export interface NewDocument {
  documentId: string;
  contentHash: string;
  source: string;
  fileType: LibraryFileType;
  sizeBytes: number;
  pages: number | null;
  chunks: VectorUpsert[];
  /** The chunks carry placeholder vectors; fillVectors brings the real ones. */
  vectorsPending: boolean;
}

export type CommitOutcome = "ingested" | "attached" | "superseded";
export type AttachOutcome = "attached" | "superseded" | "missing";

export interface LibraryStore {
  read(redis: Redis, tenant: string, id: string): Promise<DocumentRecord | undefined>;
  sourcesOf(redis: Redis, tenant: string, id: string): Promise<string[]>;
  /** Records the newest intent for a source; an older job for it will then commit nothing. */
  markPending(redis: Redis, tenant: string, source: string, jobId: string): Promise<void>;
  commit(redis: Redis, index: VectorIndex, tenant: string, document: NewDocument, jobId: string): Promise<CommitOutcome>;
  /**
   * Points `source` at an existing ready document. With `jobId`, only if that job is still the
   * newest intent for the source.
   */
  attach(redis: Redis, index: VectorIndex, tenant: string, documentId: string, source: string, jobId?: string): Promise<AttachOutcome>;
  /** Forgets a failed job's intent, unless a newer one replaced it meanwhile. */
  clearPending(redis: Redis, tenant: string, source: string, jobId: string): Promise<void>;
  /** The source is gone: unmap it and delete its document if nothing else points to it. */
  detach(redis: Redis, index: VectorIndex, tenant: string, source: string): Promise<void>;
  /**
   * Replaces placeholder vectors of a ready document's chunks with real ones (`last`: the final
   * batch, the document is then fully hybrid). False, writing nothing, when the document is gone
   * or was replaced meanwhile, so a late batch never brings deleted chunks back.
   */
  fillVectors(redis: Redis, index: VectorIndex, tenant: string, documentId: string, chunks: VectorUpsert[], last: boolean): Promise<boolean>;
  /** Deletes a document, its chunks and every source pointing to it; its chunk count, or undefined. */
  remove(redis: Redis, index: VectorIndex, tenant: string, documentId: string): Promise<number | undefined>;
}

/** What happens to the document a source pointed to before it is repointed or dropped. */
interface Release {
  removeChunks: string[];
  write(transaction: ChainableCommander): void;
}

export interface LibraryStoreDeps {
  keys: LibraryKeys;
  clock: Clock;
  /** Longest to wait for a tenant's commit lock before answering 503 (default 20 s). */
  lockWaitMs?: number;
}

/** Longest a holder may keep the commit lock before it is presumed dead (a commit takes well under a second). */
const commitLockTtlMs = 30_000;

export function createLibraryStore(deps: LibraryStoreDeps): LibraryStore {
  const { keys, clock } = deps;
  const lockWait = { ms: deps.lockWaitMs ?? 20_000, clock };

  /**
   * The tenant's mutex around the short commit steps (repoint a source, replace or delete a
   * document's chunks, update records): it makes "read which document a source points to, then
   * replace it" safe when two jobs, a DELETE and the drop folder race. Embedding and extraction
   * happen outside it.
   */
  const locked = async <Result>(redis: Redis, tenant: string, work: () => Promise<Result>): Promise<Result> => {
    const outcome = await withLock(redis, keys.lock(tenant), { ttlMs: commitLockTtlMs, wait: lockWait }, work);
    if (!outcome.acquired) throw serviceUnavailable("The library is busy committing another change; try again", { code: "library_busy", retryAfterSeconds: 1 });
    return outcome.result;
  };

  const read = async (redis: Redis, tenant: string, id: string) => decodeRecord(await redis.hgetall(keys.doc(tenant, id)));

  const dropStats = (transaction: ChainableCommander, tenant: string, record: DocumentRecord) => {
    if (record.state !== "ready") return;
    transaction
      .hincrby(keys.stats(tenant), "documents", -1)
      .hincrby(keys.stats(tenant), "chunks", -record.chunks)
      .hincrby(keys.stats(tenant), record.fileType, -1);
  };

  const deleteRecords = (transaction: ChainableCommander, tenant: string, record: DocumentRecord) => {
    transaction.del(keys.doc(tenant, record.id), keys.docSources(tenant, record.id)).zrem(keys.docs(tenant), record.id);
    dropStats(transaction, tenant, record);
  };

  /** Plans releasing `source` from the document it points to (unless that is `keep`). Lock held. */
  async function planRelease(redis: Redis, tenant: string, source: string, keep?: string): Promise<Release | undefined> {
    const previous = await redis.hget(keys.sources(tenant), source);
    if (!previous || previous === keep) return undefined;
    const [record, members] = await Promise.all([read(redis, tenant, previous), redis.smembers(keys.docSources(tenant, previous))]);
    const remaining = members.filter((member) => member !== source).sort();
    if (!record) return { removeChunks: [], write: (transaction) => transaction.srem(keys.docSources(tenant, previous), source) };
    if (remaining.length === 0) {
      return { removeChunks: chunkIds(record.id, record.chunks), write: (transaction) => deleteRecords(transaction, tenant, record) };
    }
    return {
      removeChunks: [],
      write(transaction) {
        transaction.srem(keys.docSources(tenant, previous), source);
        // The document keeps its content but must not keep citing a name that no longer exists.
        if (record.nameSource === source) {
          const next = remaining[0]!;
          transaction.hset(keys.doc(tenant, previous), { filename: filenameOfSource(next), name_source: next, updated_at: String(clock.now()) });
        }
      },
    };
  }

  const pointSource = (transaction: ChainableCommander, tenant: string, source: string, id: string) =>
    transaction.sadd(keys.docSources(tenant, id), source).hset(keys.sources(tenant), source, id).hdel(keys.pending(tenant), source);

  async function attachLocked(redis: Redis, index: VectorIndex, tenant: string, record: DocumentRecord, source: string) {
    const release = await planRelease(redis, tenant, source, record.id);
    if (release && release.removeChunks.length > 0) await index.apply({ remove: release.removeChunks });
    const transaction = pointSource(redis.multi(), tenant, source, record.id);
    release?.write(transaction);
    await execute(transaction);
  }

  /**
   * Whether `jobId` is still the newest intent for `source`: its pending marker, or no marker and
   * the source already pointing at its document, which is how the job's own keyword commit leaves
   * it (pointSource clears the marker). A job restarted or retried after that commit resumes
   * filling the vectors in; a newer upload or a removal since then sets another marker or moves
   * the source, and the job stands down.
   */
  async function stillNewest(redis: Redis, tenant: string, documentId: string, source: string, jobId: string): Promise<boolean> {
    const [pending, current] = await Promise.all([redis.hget(keys.pending(tenant), source), redis.hget(keys.sources(tenant), source)]);
    return pending === jobId || (pending === null && current === documentId);
  }

  async function removeLocked(redis: Redis, index: VectorIndex, tenant: string, record: DocumentRecord) {
    const members = await redis.smembers(keys.docSources(tenant, record.id));
    const pointers = members.length > 0 ? await redis.hmget(keys.sources(tenant), ...members) : [];
    await index.apply({ remove: chunkIds(record.id, record.chunks) });
    const transaction = redis.multi();
    members.forEach((member, position) => {
      if (pointers[position] === record.id) transaction.hdel(keys.sources(tenant), member);
    });
    deleteRecords(transaction, tenant, record);
    await execute(transaction);
  }

  return {
    read,
    sourcesOf: (redis, tenant, id) => redis.smembers(keys.docSources(tenant, id)),

    async markPending(redis, tenant, source, jobId) {
      await redis.hset(keys.pending(tenant), source, jobId);
    },

    commit: (redis, index, tenant, document, jobId) =>
      locked(redis, tenant, async (): Promise<CommitOutcome> => {
        if ((await redis.hget(keys.pending(tenant), document.source)) !== jobId) return "superseded";
        const existing = await read(redis, tenant, document.documentId);
        if (existing?.state === "ready") {
          await attachLocked(redis, index, tenant, existing, document.source);
          return "attached";
        }
        const now = clock.now();
        const record: DocumentRecord = {
          id: document.documentId,
          filename: filenameOfSource(document.source),
          nameSource: document.source,
          fileType: document.fileType,
          sizeBytes: document.sizeBytes,
          contentHash: document.contentHash,
          pages: document.pages,
          chunks: document.chunks.length,
          state: "committing",
          vectorsPending: document.vectorsPending,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        };
        await redis.hset(keys.doc(tenant, record.id), encodeRecord(record));
        const release = await planRelease(redis, tenant, document.source, record.id);
        try {
          await index.apply({ upsert: document.chunks, remove: release?.removeChunks ?? [] });
        } catch (error) {
          // It never became visible and nothing points to it: leave no trace of the attempt.
          await redis.del(keys.doc(tenant, record.id));
          throw error;
        }
        const transaction = redis
          .multi()
          .hset(keys.doc(tenant, record.id), { state: "ready" })
          .zadd(keys.docs(tenant), record.createdAt, record.id)
          .hincrby(keys.stats(tenant), "documents", 1)
          .hincrby(keys.stats(tenant), "chunks", record.chunks)
          .hincrby(keys.stats(tenant), record.fileType, 1);
        pointSource(transaction, tenant, document.source, record.id);
        release?.write(transaction);
        await execute(transaction);
        return "ingested";
      }),

    attach: (redis, index, tenant, documentId, source, jobId) =>
      locked(redis, tenant, async (): Promise<AttachOutcome> => {
        if (jobId !== undefined && !(await stillNewest(redis, tenant, documentId, source, jobId))) return "superseded";
        const record = await read(redis, tenant, documentId);
        if (record?.state !== "ready") return "missing";
        await attachLocked(redis, index, tenant, record, source);
        return "attached";
      }),

    fillVectors: (redis, index, tenant, documentId, chunks, last) =>
      locked(redis, tenant, async () => {
        const record = await read(redis, tenant, documentId);
        if (record?.state !== "ready") return false;
        if (chunks.length > 0) await index.apply({ upsert: chunks });
        if (last) await redis.hset(keys.doc(tenant, documentId), { vectors_pending: "0", updated_at: String(clock.now()) });
        return true;
      }),

    async clearPending(redis, tenant, source, jobId) {
      await redis.eval(clearPendingScript, 1, keys.pending(tenant), source, jobId);
    },

    detach: (redis, index, tenant, source) =>
      locked(redis, tenant, async () => {
        await redis.hdel(keys.pending(tenant), source);
        const release = await planRelease(redis, tenant, source);
        if (!release) return;
        if (release.removeChunks.length > 0) await index.apply({ remove: release.removeChunks });
        const transaction = redis.multi().hdel(keys.sources(tenant), source);
        release.write(transaction);
        await execute(transaction);
      }),

    remove: (redis, index, tenant, documentId) =>
      locked(redis, tenant, async () => {
        const record = await read(redis, tenant, documentId);
        if (!record) return undefined;
        await removeLocked(redis, index, tenant, record);
        return record.chunks;
      }),
  };
}

const clearPendingScript = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

/** MULTI/EXEC reports per-command errors in its result; any of them fails the whole step loudly. */
async function execute(transaction: ChainableCommander): Promise<void> {
  const results = await transaction.exec();
  if (!results) throw new Error("The library transaction was aborted");
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}
