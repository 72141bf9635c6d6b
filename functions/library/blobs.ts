import type { Redis } from "ioredis";
import type { LibraryKeys } from "./records.js";

/**
 * Uploaded bytes between the request that accepted them and the job that ingests them — which may
 * run in another process, so they go through Redis, not the file system. Each upload has its own
 * key (by job id) and a TTL, so bytes of a job that never runs cannot pile up; the job deletes them
 * when it is done. Uploads are at most LIBRARY_MAX_UPLOAD_BYTES (25 MiB by default) each, held in
 * Redis memory only while queued or being ingested.
 */
export interface BlobStore {
  put(redis: Redis, tenant: string, jobId: string, bytes: Uint8Array): Promise<void>;
  /** Undefined once deleted or expired. */
  get(redis: Redis, tenant: string, jobId: string): Promise<Uint8Array | undefined>;
  delete(redis: Redis, tenant: string, jobId: string): Promise<void>;
}

/** A job waiting longer than this fails with `upload_expired` instead of holding memory forever. */
export const defaultBlobTtlSeconds = 24 * 60 * 60;

export function createRedisBlobStore(options: { keys: LibraryKeys; ttlSeconds?: number }): BlobStore {
  const ttlSeconds = options.ttlSeconds ?? defaultBlobTtlSeconds;
  return {
    async put(redis, tenant, jobId, bytes) {
      await redis.set(options.keys.blob(tenant, jobId), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), "EX", ttlSeconds);
    },
    async get(redis, tenant, jobId) {
      const buffer = await redis.getBuffer(options.keys.blob(tenant, jobId));
      return buffer ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : undefined;
    },
    async delete(redis, tenant, jobId) {
      await redis.del(options.keys.blob(tenant, jobId));
    },
  };
}
