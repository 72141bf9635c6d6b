import type { StorageResult } from "./storage.js";

export interface GrowthRow {
  what: string;
  redis_mb: number;
  /** Resident memory of the Redis server at the fragmentation measured with the seeded corpus (at least 1). */
  redis_rss_mb: number;
  cold_mb?: number;
}

export interface GrowthTable {
  memories: GrowthRow[];
  documents: GrowthRow[];
  /** Bytes of one document of `document_kb` kB of text, chunks included. */
  document_kb: number;
  document_bytes: number;
  /** How many fit in a Redis of each size (maxmemory, with 10 % kept free for queues, history and peaks). */
  redis_full: { maxmemory_gb: number; memories: number; documents: number }[];
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * The seed's growth projection, computed from this run's per-item costs instead of assumed: Redis
 * grows linearly in memories and chunks once collections are past Redis's compact encodings (the
 * counts measured are). `fragmentation` is Redis's RSS / used with the capacity corpus loaded (a
 * near-empty Redis's ratio is its fixed overhead, not the allocator's); `documentKb` sets the
 * document size the library rows assume.
 */
export function computeGrowth(storage: StorageResult, options: { fragmentation: number; documentKb?: number }): GrowthTable {
  const documentKb = options.documentKb ?? 100;
  const cost = (prefix: string) => storage.items.find((item) => item.item.startsWith(prefix))?.bytes_per_item ?? 0;
  const memory = cost("memory");
  const chunk = cost("library chunk");
  const fragmentation = Math.max(1, options.fragmentation);
  const documentBytes = Math.round(chunk * storage.chunks_per_source_kb * documentKb);
  const row = (what: string, bytes: number, cold?: number): GrowthRow => ({
    what,
    redis_mb: mb(bytes),
    redis_rss_mb: mb(bytes * fragmentation),
    ...(cold === undefined ? {} : { cold_mb: mb(cold) }),
  });
  const usable = (gb: number) => gb * 2 ** 30 * 0.9;
  return {
    memories: [1_000, 10_000, 100_000, 1_000_000].map((count) => row(`${count.toLocaleString("en")} memories`, count * memory, count * storage.cold_bytes_per_memory)),
    documents: [1, 100, 10_000].map((count) => row(`${count.toLocaleString("en")} document${count === 1 ? "" : "s"} of ${documentKb} kB`, count * documentBytes)),
    document_kb: documentKb,
    document_bytes: documentBytes,
    redis_full: [1, 4, 16, 64].map((gb) => ({
      maxmemory_gb: gb,
      memories: memory > 0 ? Math.floor(usable(gb) / memory) : 0,
      documents: documentBytes > 0 ? Math.floor(usable(gb) / documentBytes) : 0,
    })),
  };
}
