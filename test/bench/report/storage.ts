import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { createHistoryStore } from "../../../functions/chat/history.js";
import { readRedisMemory } from "../../../functions/health/redis-memory-metrics.js";
import { createInferencePool } from "../../../gpu/pool.js";
import { createFileColdStore } from "../../../infra/node/cold-store-files.js";
import { systemClock } from "../../../shared/clock.js";
import { loadConfig } from "../../../functions/compose.js";
import { localEmbedderId } from "../../../infra/node/embeddings/local-embedder.js";
import { silentLogger } from "../../../shared/logger.js";
import { memoryQueues } from "../../../functions/memory/index.js";
import { jobScope } from "../../../functions/request-scope.js";
import { openQueue } from "../../../shared/queues.js";
import { createRedisKeys } from "../../../shared/redis-keys.js";
import { createRandomVectors } from "../../../shared/vector-index/random-vectors.js";
import { makeProse } from "../../fixtures/make-pdfs.js";
import { buildSystem } from "../library.js";
import { round } from "../load.js";
import { createSentences, memoryFor, randomEmbedder } from "../memory.js";

/** Bytes one item costs, measured as Redis `used_memory` after writing `count` of them minus before. */
export interface ItemCost {
  item: string;
  count: number;
  bytes_per_item: number;
  /** What one item held, so the figure can be scaled to other sizes. */
  detail: string;
}

export interface StorageResult {
  items: ItemCost[];
  /** Library: chunks per kB of source text, to turn documents into chunks. */
  chunks_per_source_kb: number;
  /** Cold store (files) bytes per archived memory, and Redis bytes freed per archived memory. */
  cold_bytes_per_memory: number;
  redis_freed_per_archived_memory: number;
  mem_fragmentation_ratio: number;
}

const parallel = async (count: number, width: number, task: (index: number) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
};

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * Writes items of each kind through the code that writes them in service (the memory service's
 * add, the history store, capture's enqueue, the library's ingestion job, archival to the file
 * cold store) into a Redis nobody else writes to, and reads `used_memory` around each. Vectors
 * are random (the model's would take minutes to compute and are the same 512 floats). Counts are
 * in the thousands: small collections use Redis's compact encodings and would understate the cost.
 */
export async function measureStorage(redis: Redis, redisUrl: string, engineUrl: string, options: { memories: number; log(line: string): void }): Promise<StorageResult> {
  const used = async () => (await readRedisMemory(redis)).used_memory_bytes;
  const keys = createRedisKeys(`storage-${crypto.randomUUID().slice(0, 8)}`);
  const coldDir = await mkdtemp(join(tmpdir(), "archive-cold-"));
  const random = createRandomVectors(11);
  // The HTTP tier's embedder id, so the index is the one a deployment writes.
  const embedder = { ...randomEmbedder, id: localEmbedderId, embed: async (texts: string[]) => texts.map(() => random(512)) };
  const config = loadConfig({ INFERENCE_ENDPOINTS: engineUrl });
  const pool = createInferencePool({ endpoints: config.inference.endpoints, config: config.inference, logger: silentLogger });
  const sentence = createSentences(3);
  const items: ItemCost[] = [];
  const measure = async (item: string, count: number, detail: string, write: () => Promise<unknown>) => {
    const before = await used();
    await write();
    const bytes = (await used()) - before;
    items.push({ item, count, bytes_per_item: Math.round(bytes / count), detail });
    options.log(`  storage: ${item} ${Math.round(bytes / count)} B each (${count})`);
  };
  try {
    const memory = memoryFor(redis, keys, { embedder, pool, coldStore: createFileColdStore({ dataDir: coldDir }), env: { ARCHIVE_DAYS: "0", ARCHIVE_KEEP_RECENT: "0" } });
    const count = options.memories;
    const scope = jobScope(redis, "storage", { logger: silentLogger });
    const turn = (index: number) => ({ message: `${sentence(18)} (${index})`, answered: sentence(60) });
    const sample = turn(0);
    const sizes = `message ${sample.message.length} chars, the assistant reply it answered ${sample.answered.length} chars, 512-d vector`;
    await measure("memory (hot, in Redis)", count, sizes, () =>
      parallel(count, 16, (index) => memory.service.add(scope, turn(index))),
    );

    const history = createHistoryStore({ keys, clock: systemClock, maxMessages: config.chat.historyMessages });
    const exchanges = count / 2;
    const user = sentence(25);
    const reply = sentence(100);
    await measure("chat history message", exchanges * 2, `user ${user.length} / assistant ${reply.length} chars, sessions of ${config.chat.historyMessages} messages`, () =>
      parallel(exchanges, 16, (index) =>
        history.append(redis, { tenant: "storage", endUser: "default" }, `session-${Math.floor(index / (config.chat.historyMessages / 2))}`, [{ role: "user", content: user }, { role: "assistant", content: reply }]),
      ),
    );

    await measure("queued capture job (memory-capture, waiting)", count, sizes.replace(", 512-d vector", ""), () =>
      parallel(count, 16, (index) =>
        memory.capture.capture({ tenant: "storage", endUser: "default", sessionId: "", ...turn(count + index), turnId: crypto.randomUUID().replaceAll("-", ""), capturedAt: Date.now() }, redis),
      ),
    );
    const captureQueue = openQueue(memoryQueues.capture, redis, keys);
    await captureQueue.obliterate({ force: true });
    await captureQueue.close();

    const beforeArchive = await used();
    const archived = await memory.coldArchive.run(scope, Date.now() + 2 * 86_400_000);
    const freed = beforeArchive - (await used());
    const coldBytes = await directoryBytes(coldDir);
    options.log(`  storage: archived ${archived.archived}, cold ${Math.round(coldBytes / Math.max(1, archived.archived))} B each`);

    const library = buildSystem(redisUrl, embedder, keys);
    await library.startWorkers();
    const documents = 4;
    let chunks = 0;
    let sourceBytes = 0;
    const beforeLibrary = await used();
    for (let document = 0; document < documents; document++) {
      const text = new TextEncoder().encode(makeProse(1200, 100 + document));
      sourceBytes += text.length;
      const submitted = await library.library.service.submit(jobScope(library.redis, "storage", { logger: silentLogger }), { origin: "upload", filename: `doc-${document}.txt` }, text);
      if (submitted.status !== "queued") throw new Error("expected an ingestion job");
      for (;;) {
        const status = await library.library.service.jobStatus(jobScope(library.redis, "storage", { logger: silentLogger }), submitted.jobId);
        if (status.state === "failed") throw new Error(`ingestion failed: ${JSON.stringify(status.error)}`);
        if (status.state === "completed") {
          chunks += status.progress.chunks_total;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    const libraryBytes = (await used()) - beforeLibrary;
    await library.close();
    items.push({
      item: "library chunk (with its share of the document record)",
      count: chunks,
      bytes_per_item: Math.round(libraryBytes / chunks),
      detail: `${documents} text documents of ${Math.round(sourceBytes / documents / 1024)} kB, ${Math.round(chunks / documents)} chunks each (~250 tokens), 512-d vectors`,
    });
    options.log(`  storage: library chunk ${Math.round(libraryBytes / chunks)} B each (${chunks})`);

    return {
      items,
      chunks_per_source_kb: round(chunks / (sourceBytes / 1024)),
      cold_bytes_per_memory: Math.round(coldBytes / Math.max(1, archived.archived)),
      redis_freed_per_archived_memory: Math.round(freed / Math.max(1, archived.archived)),
      mem_fragmentation_ratio: (await readRedisMemory(redis)).mem_fragmentation_ratio,
    };
  } finally {
    pool.close();
    await rm(coldDir, { recursive: true, force: true });
    // The deployment measured next starts from an empty Redis.
    await redis.flushall();
  }
}
