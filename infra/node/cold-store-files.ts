import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import {
  fromArchivedLine,
  toArchivedLine,
  type ArchivedLine,
  type ArchivedMemory,
  type ColdEntry,
  type ColdMatch,
  type ColdStore,
  type ColdStoreStats,
} from "../../functions/memory/index.js";
import { tenantPattern } from "../../shared/tenant.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Cold storage as files: `<dataDir>/archive/<tenant>/<batchId>.jsonl.gz` holds a batch's records
 * (gzip JSONL in the line format of functions/memory/archived-codec.ts, embeddings bit-exact) and `<batchId>.commit.json` lists the ids committed from it. A batch
 * without a commit file is pending. Every file is written to a temporary name, fsynced, renamed
 * into place and its directory fsynced: after a crash a file is either whole or absent.
 *
 * Several processes may share the directory (HTTP server and worker): records files never change
 * once written, and commit files are replaced atomically by rename. Writers (archive runs,
 * restores) are serialized per tenant by a lock in Redis (see functions/memory/cold-archive.ts).
 */
export interface FileColdStoreOptions {
  dataDir: string;
  /** Parsed batches kept in memory for search (default 256 MiB). */
  maxCacheBytes?: number;
}

/** The end user's segment of a partition (see functions/memory/owner.ts). */
const ownerSegmentPattern = /^u-[0-9a-f]{32}$/;
/** A tenant, or a tenant and an end user's segment: `<tenant>` or `<tenant>.u-<hash>`. */
const isPartition = (partition: string) => {
  const [tenant = "", segment, ...rest] = partition.split(".");
  return tenantPattern.test(tenant) && (segment === undefined || ownerSegmentPattern.test(segment)) && rest.length === 0;
};
const batchPattern = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const recordsSuffix = ".jsonl.gz";
const commitSuffix = ".commit.json";
const staleTempMs = 3600_000;

interface CachedBatch {
  records: Map<string, ArchivedMemory>;
  bytes: number;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temporary name → fsync → rename → fsync the directory: the file is whole or absent, even after a power cut. */
async function writeDurably(directory: string, name: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(directory, `.${name}.tmp-${randomUUID()}`);
  const handle = await open(temporary, "wx");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(directory, name));
  await syncDirectory(directory);
}

async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

export function createFileColdStore(options: FileColdStoreOptions): ColdStore {
  const root = join(options.dataDir, "archive");
  const maxCacheBytes = options.maxCacheBytes ?? 256 * 1024 ** 2;
  const cache = new Map<string, CachedBatch>();

  const directoryOf = (tenant: string) => {
    // Both become path segments: nothing but a plain name may get through.
    if (!isPartition(tenant)) throw new Error(`invalid tenant for cold storage: ${tenant}`);
    return join(root, tenant);
  };
  const checkBatch = (batchId: string) => {
    if (!batchPattern.test(batchId)) throw new Error(`invalid batch id: ${batchId}`);
    return batchId;
  };

  const ensureDirectory = async (directory: string) => {
    // A new directory's own entry must be durable too, or its files could vanish with it.
    if ((await mkdir(directory, { recursive: true })) === undefined) return;
    await syncDirectory(options.dataDir);
    await syncDirectory(root);
  };

  const listFiles = async (tenant: string) => {
    let names: string[];
    try {
      names = await readdir(directoryOf(tenant));
    } catch (error) {
      if (isMissing(error)) return { batches: [] as string[], committed: new Set<string>(), temporaries: [] as string[] };
      throw error;
    }
    const batches = names.filter((name) => name.endsWith(recordsSuffix)).map((name) => name.slice(0, -recordsSuffix.length)).filter((id) => batchPattern.test(id));
    const committed = new Set(names.filter((name) => name.endsWith(commitSuffix)).map((name) => name.slice(0, -commitSuffix.length)));
    return { batches: batches.sort(), committed, temporaries: names.filter((name) => name.startsWith(".") && name.includes(".tmp-")) };
  };

  const readBatch = async (tenant: string, batchId: string): Promise<CachedBatch> => {
    const path = join(directoryOf(tenant), `${batchId}${recordsSuffix}`);
    const cached = cache.get(path);
    if (cached) {
      // Re-inserting marks it recently used; records files never change, so a hit is always current.
      cache.delete(path);
      cache.set(path, cached);
      return cached;
    }
    const text = (await gunzipAsync(await readFile(path))).toString("utf8");
    const records = new Map<string, ArchivedMemory>();
    let bytes = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const record = fromArchivedLine(JSON.parse(line) as ArchivedLine);
      records.set(record.id, record);
      bytes += record.embedding.byteLength + record.message.length * 2 + 200;
    }
    const batch = { records, bytes };
    cache.set(path, batch);
    let total = 0;
    for (const entry of cache.values()) total += entry.bytes;
    for (const [key, entry] of cache) {
      if (total <= maxCacheBytes || key === path) break;
      cache.delete(key);
      total -= entry.bytes;
    }
    return batch;
  };

  const readCommit = async (tenant: string, batchId: string): Promise<string[]> => {
    try {
      return (JSON.parse(await readFile(join(directoryOf(tenant), `${batchId}${commitSuffix}`), "utf8")) as { ids: string[] }).ids;
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
  };

  /** id → the newest committed batch holding it (batch ids are ULIDs: they sort by time). */
  const committedOwners = async (tenant: string): Promise<Map<string, string>> => {
    const { batches, committed } = await listFiles(tenant);
    const owners = new Map<string, string>();
    for (const batchId of batches.filter((id) => committed.has(id))) {
      for (const id of await readCommit(tenant, batchId)) owners.set(id, batchId);
    }
    return owners;
  };

  const discard = async (tenant: string, batchId: string) => {
    const directory = directoryOf(tenant);
    // Commit first: a crash in between leaves a pending batch, which the next run discards again.
    await removeFile(join(directory, `${checkBatch(batchId)}${commitSuffix}`));
    await removeFile(join(directory, `${batchId}${recordsSuffix}`));
    cache.delete(join(directory, `${batchId}${recordsSuffix}`));
  };

  return {
    kind: "files",

    async append(tenant, batchId, records) {
      const directory = directoryOf(tenant);
      const name = `${checkBatch(batchId)}${recordsSuffix}`;
      await ensureDirectory(directory);
      const exists = await stat(join(directory, name)).then(() => true, (error: unknown) => (isMissing(error) ? false : Promise.reject(error)));
      if (exists) return;
      const text = records.map((record) => JSON.stringify(toArchivedLine(record))).join("\n");
      await writeDurably(directory, name, await gzipAsync(Buffer.from(`${text}\n`, "utf8")));
    },

    async commit(tenant, batchId, ids) {
      if (ids.length === 0) return discard(tenant, batchId);
      const directory = directoryOf(tenant);
      await stat(join(directory, `${checkBatch(batchId)}${recordsSuffix}`)); // committing what was never written is a bug: let it throw
      const body = JSON.stringify({ batch_id: batchId, ids: [...new Set(ids)], committed_at: new Date().toISOString() });
      await writeDurably(directory, `${batchId}${commitSuffix}`, Buffer.from(body, "utf8"));
    },

    discard,

    async pending(tenant) {
      const { batches, committed, temporaries } = await listFiles(tenant);
      // Only archive runs ask, under the tenant's lock: a temporary file older than any write is a crash's leftover.
      for (const name of temporaries) {
        const path = join(directoryOf(tenant), name);
        const info = await stat(path).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > staleTempMs) await removeFile(path);
      }
      const uncommitted = batches.filter((batchId) => !committed.has(batchId));
      return Promise.all(uncommitted.map(async (batchId) => ({ batchId, ids: [...(await readBatch(tenant, batchId)).records.keys()] })));
    },

    async list(tenant) {
      return [...(await committedOwners(tenant))].map(([id, batchId]) => ({ id, batchId }));
    },

    async get(tenant, ids) {
      const owners = await committedOwners(tenant);
      const entries: ColdEntry[] = [];
      for (const id of new Set(ids)) {
        const batchId = owners.get(id);
        const record = batchId && (await readBatch(tenant, batchId)).records.get(id);
        if (batchId && record) entries.push({ batchId, record });
      }
      return entries;
    },

    async remove(tenant, entries) {
      const directory = directoryOf(tenant);
      const byBatch = new Map<string, Set<string>>();
      for (const { id, batchId } of entries) byBatch.set(checkBatch(batchId), (byBatch.get(batchId) ?? new Set()).add(id));
      for (const [batchId, removed] of byBatch) {
        const kept = (await readCommit(tenant, batchId)).filter((id) => !removed.has(id));
        if (kept.length === 0) await discard(tenant, batchId);
        else await writeDurably(directory, `${batchId}${commitSuffix}`, Buffer.from(JSON.stringify({ batch_id: batchId, ids: kept, committed_at: new Date().toISOString() }), "utf8"));
      }
    },

    async search(tenant, query) {
      const owners = await committedOwners(tenant);
      const byBatch = new Map<string, string[]>();
      for (const [id, batchId] of owners) {
        const ids = byBatch.get(batchId);
        if (ids) ids.push(id);
        else byBatch.set(batchId, [id]);
      }
      const matches: ColdMatch[] = [];
      for (const [batchId, ids] of byBatch) {
        const { records } = await readBatch(tenant, batchId);
        for (const id of ids) {
          const record = records.get(id);
          if (!record || record.embedder !== query.embedder || record.embedding.length !== query.vector.length) continue;
          let cosine = 0;
          for (let index = 0; index < query.vector.length; index++) cosine += record.embedding[index]! * query.vector[index]!;
          matches.push({ batchId, record, similarity: Math.min(1, Math.max(0, (1 + cosine) / 2)) });
        }
      }
      return matches.sort((left, right) => right.similarity - left.similarity || (left.record.id < right.record.id ? -1 : 1)).slice(0, query.topK);
    },

    async stats(tenant): Promise<ColdStoreStats> {
      const { batches, committed } = await listFiles(tenant);
      const owners = await committedOwners(tenant);
      let oldest: number | null = null;
      let newest: number | null = null;
      let bytes = 0;
      for (const batchId of batches) {
        const info = await stat(join(directoryOf(tenant), `${batchId}${recordsSuffix}`)).catch(() => undefined);
        bytes += info?.size ?? 0;
      }
      for (const [id, batchId] of owners) {
        const createdAt = (await readBatch(tenant, batchId)).records.get(id)?.createdAt;
        if (createdAt === undefined) continue;
        oldest = oldest === null ? createdAt : Math.min(oldest, createdAt);
        newest = newest === null ? createdAt : Math.max(newest, createdAt);
      }
      const committedBatches = batches.filter((batchId) => committed.has(batchId)).length;
      return { memories: owners.size, committedBatches, pendingBatches: batches.length - committedBatches, oldestCreatedAt: oldest, newestCreatedAt: newest, bytes };
    },
  };
}
