import type { Redis } from "ioredis";
import type { IdGenerator } from "../../shared/clock.js";
import type { MemoryConfig } from "./config.js";
import { AppError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { withLock } from "../../shared/redis-lock.js";
import { defaultEndUser } from "../chat/index.js";
import type { RequestScope } from "../request-scope.js";
import { archiveTenant, fromArchivedMemory, type ColdArchiveRunResult } from "./cold-archive-run.js";
import type { ColdStore } from "./cold-store.js";
import { memoryIdPattern } from "./identity.js";
import { coldPartitionFor, ownerOf, type MemoryOwner } from "./owner.js";
import { encodeRecord } from "./records.js";
import { runRestore } from "./store-scripts.js";
import { memoryKeysFor, openMemoryStore, vectorData, type MemoryStoreDeps } from "./store.js";

export interface ColdArchiveDeps extends MemoryStoreDeps {
  ids: IdGenerator;
  config: Pick<MemoryConfig, "archive">;
  logger: Logger;
  /** Absent where archival does not run (Workers): run, search and restore answer 501. */
  coldStore?: ColdStore | undefined;
  /** Memories per cold batch (default 500). */
  batchSize?: number;
  /** Life of a tenant's archive lock without a heartbeat: how soon a crashed owner's lock lapses (default 30 s). */
  lockTtlMs?: number;
}

export interface ColdArchiveStats {
  archived: number;
  cold_store: string | null;
  batches: number | null;
  pending_batches: number | null;
  oldest_created_at: string | null;
  newest_created_at: string | null;
  bytes: number | null;
  last_run: (ColdArchiveRunResult & { finished_at: string }) | null;
}

export interface ColdArchive {
  readonly available: boolean;
  run(scope: RequestScope, now: number): Promise<ColdArchiveRunResult & { tenant: string }>;
  /** Every (tenant, end user) that has memories; one whose run is already going is skipped. */
  runAll(redis: Redis, now: number): Promise<{ tenants: number; users: number; archived: number; skipped: number; failed: number }>;
  stats(scope: RequestScope): Promise<ColdArchiveStats>;
  restore(scope: RequestScope, ids: readonly string[]): Promise<{ restored: string[]; not_found: string[] }>;
}

export const coldArchiveUnavailable = () =>
  new AppError({
    code: "archive_unavailable",
    status: 501,
    title: "Not Implemented",
    detail:
      "Cold storage is not available on this runtime (Cloudflare Workers): archival, archive search and restore run on Node " +
      "(`npm start` or infra/node), which archive daily at ARCHIVE_HOUR. GET /memories/archive/stats works everywhere.",
  });

const coldArchiveBusy = (tenant: string) =>
  new AppError({
    code: "archive_busy",
    status: 409,
    title: "Conflict",
    detail: `An archive run or restore for "${tenant}" is in progress; try again when it is done`,
    isRetryable: true,
    headers: { "Retry-After": "5" },
  });

/**
 * An owner's archive lock lives this long without renewal. Renewed while its holder works, so a
 * holder that crashes loses it within one TTL and the next run or restore proceeds; no one waits
 * out a long TTL for a process that is gone. A live holder that loses it anyway (a pause longer
 * than the TTL) finds out at its next renewal inside the run (cold-archive-run.ts) and stops.
 */
export const defaultArchiveLockTtlMs = 30_000;

export function createColdArchive(deps: ColdArchiveDeps): ColdArchive {
  const lockTtlMs = deps.lockTtlMs ?? defaultArchiveLockTtlMs;

  const requireColdStore = (): ColdStore => {
    if (!deps.coldStore) throw coldArchiveUnavailable();
    return deps.coldStore;
  };

  /** Runs `work` holding the owner's archive lock, which also keeps restores out of a run's way. */
  const locked = async <Result>(redis: Redis, owner: MemoryOwner, work: (token: string) => Promise<Result>): Promise<Result | "busy"> => {
    const token = deps.ids.next();
    const outcome = await withLock(redis, memoryKeysFor(deps.keys, owner).lock, { ttlMs: lockTtlMs, token, renew: true }, () => work(token));
    return outcome.acquired ? outcome.result : "busy";
  };

  const runOwner = async (redis: Redis, owner: MemoryOwner, now: number) => {
    const coldStore = requireColdStore();
    return locked(redis, owner, async (token) => {
      const store = openMemoryStore(deps, redis, owner);
      const result = await archiveTenant({ ...deps, coldStore, lockTtlMs }, store, token, now);
      await redis.set(lastRunKey(owner), JSON.stringify({ ...result, finished_at: new Date(deps.clock.now()).toISOString() }));
      return result;
    });
  };
  const lastRunKey = (owner: MemoryOwner) => memoryKeysFor(deps.keys, owner).lastRun;

  return {
    available: deps.coldStore !== undefined,

    async run(scope, now) {
      const result = await runOwner(await scope.redis(), ownerOf(scope), now);
      if (result === "busy") throw coldArchiveBusy(scope.tenant);
      return { tenant: scope.tenant, ...result };
    },

    async runAll(redis, now) {
      requireColdStore();
      const tenants = await redis.smembers(deps.keys.global("memory", "tenants"));
      const totals = { tenants: tenants.length, users: 0, archived: 0, skipped: 0, failed: 0 };
      for (const tenant of tenants) {
        // Memories from before end users existed are the default user's, who is therefore always run.
        const users = new Set([defaultEndUser, ...(await redis.smembers(memoryKeysFor(deps.keys, { tenant, endUser: defaultEndUser }).users))]);
        for (const endUser of users) {
          totals.users += 1;
          try {
            const result = await runOwner(redis, { tenant, endUser }, now);
            if (result === "busy") totals.skipped += 1;
            else totals.archived += result.archived;
          } catch (error) {
            // One user's failure must not keep the others' memories from moving; the job reports it.
            totals.failed += 1;
            deps.logger.error("memory_archive_failed", { tenant, error });
          }
        }
      }
      return totals;
    },

    async stats(scope) {
      const owner = ownerOf(scope);
      const redis = await scope.redis();
      const store = openMemoryStore(deps, redis, owner);
      const [counts, lastRun, cold] = await Promise.all([store.counts(), redis.get(lastRunKey(owner)), deps.coldStore?.stats(coldPartitionFor(owner))]);
      const iso = (value: number | null | undefined) => (value === null || value === undefined ? null : new Date(value).toISOString());
      return {
        archived: counts.archived,
        cold_store: deps.coldStore?.kind ?? null,
        batches: cold?.committedBatches ?? null,
        pending_batches: cold?.pendingBatches ?? null,
        oldest_created_at: iso(cold?.oldestCreatedAt),
        newest_created_at: iso(cold?.newestCreatedAt),
        bytes: cold?.bytes ?? null,
        last_run: lastRun ? (JSON.parse(lastRun) as ColdArchiveStats["last_run"]) : null,
      };
    },

    async restore(scope, ids) {
      const coldStore = requireColdStore();
      const unique = [...new Set(ids)];
      const owner = ownerOf(scope);
      const partition = coldPartitionFor(owner);
      const redis = await scope.redis();
      const outcome = await locked(redis, owner, async () => {
        const store = openMemoryStore(deps, redis, owner);
        const candidates = unique.filter((id) => memoryIdPattern.test(id));
        const owners = candidates.length > 0 ? await redis.hmget(store.keys.archived, ...candidates) : [];
        const wanted = new Map(candidates.flatMap((id, position) => (owners[position] ? [[id, owners[position]] as const] : [])));
        const entries = (await coldStore.get(partition, [...wanted.keys()])).filter((entry) => wanted.get(entry.record.id) === entry.batchId);
        if (entries.length < wanted.size) deps.logger.error("memory_restore_missing", { missing: wanted.size - entries.length });
        // Vectors from another embedder would be noise next to the current ones: those are embedded again.
        const stale = entries.filter((entry) => entry.record.embedder !== deps.embedder.id);
        const fresh = stale.length > 0 ? await deps.embedder.embed(stale.map((entry) => entry.record.message), scope.signal) : [];
        const vectors = new Map(stale.map((entry, position) => [entry.record.id, fresh[position]]));
        const now = deps.clock.now();
        // Vector first, then the record: the same order as every write (see store-scripts.ts).
        await store.index.apply({
          upsert: entries.map(({ record }) => ({ id: record.id, vector: vectors.get(record.id) ?? record.embedding, data: vectorData(now, record) })),
        });
        const restored: { id: string; batchId: string }[] = [];
        for (const entry of entries) {
          const record = fromArchivedMemory(entry.record, now);
          const done = await runRestore(redis, store.keys, {
            id: record.id,
            batchId: entry.batchId,
            createdAt: record.createdAt,
            contentHash: record.contentHash,
            tenant: scope.tenant,
            endUser: owner.endUser,
            fields: encodeRecord(record),
          });
          if (done) restored.push({ id: record.id, batchId: entry.batchId });
        }
        // Last: until this returns, a crash leaves a hot memory plus a cold copy the archived index no longer names (ignored, then rewritten away).
        await coldStore.remove(partition, restored);
        return restored.map((entry) => entry.id);
      });
      if (outcome === "busy") throw coldArchiveBusy(scope.tenant);
      const restoredIds = new Set(outcome);
      return { restored: outcome, not_found: unique.filter((id) => !restoredIds.has(id)) };
    },
  };
}
