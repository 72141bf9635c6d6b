/**
 * Library figures: ingesting a ~1 MB PDF through the real job (extract → chunk → embed → commit) and
 * hybrid search latency at 10k and 100k chunks, against a real redis-server (private, or REDIS_URL).
 *
 *   npm run bench -- library            (or: npx tsx test/bench/library.ts)
 *   LIBRARY_BENCH_PAGES=100 LIBRARY_BENCH_SIZES=10000 npm run bench -- library   (quicker)
 *   EMBEDDINGS_THREADS=1 ...   (the local model on one thread; default min(2, cores))
 *   LIBRARY_BENCH_QUERIES=0 ...   (no query embeddings alongside ingestion: the pipeline alone)
 *
 * Search: synthetic chunks of ~1 kB of varied prose (plus a unique reference id each) with random
 * 512-d vectors; queries use random vectors too, so the figure is search alone. The local model's
 * query embedding is measured separately and adds to an API search.
 */
import { Redis } from "ioredis";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startRedisServer } from "../../emulator/redis-launcher.js";
import { composeModules, loadConfig } from "../../functions/compose.js";
import { libraryFunction } from "../../functions/library/index.js";
import { countTokens } from "../../functions/library/tokens.js";
import { createInferencePool } from "../../gpu/pool.js";
import { startJobWorkers } from "../../infra/node/job-workers.js";
import { createPdfExtraction } from "../../infra/node/pdf-extraction.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { createPoolEmbedder, type Embedder } from "../../shared/embeddings/index.js";
import { createLocalEmbedder, defaultLocalEmbedderThreads } from "../../infra/node/embeddings/local-embedder.js";
import { createHistogram } from "../../shared/histogram.js";
import { silentLogger } from "../../shared/logger.js";
import { createQueueProvider } from "../../shared/queues.js";
import { createRedisKeys, type RedisKeys } from "../../shared/redis-keys.js";
import { createRandomVectors } from "../../shared/vector-index/random-vectors.js";
import { createVectorIndex, createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { startEngineServer } from "../engine-server.js";
import { makeLargePdf, makeProse } from "../fixtures/make-pdfs.js";
import { benchPlatform } from "./platform.js";
import { jobScope } from "../../functions/request-scope.js";

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

// A real collection before measuring the heap, without asking for `node --expose-gc`.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
const heapBytes = () => {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const key = "bench-key-0123456789";

/** One "process": its own Redis client and replica cache over the given key prefix. */
export function buildSystem(url: string, embedder: Embedder, keys = createRedisKeys(`bench-${crypto.randomUUID().slice(0, 8)}`)) {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const config = loadConfig({ ARCHIVE_API_KEYS: `${key}:bench`, LIBRARY_MAX_UPLOAD_BYTES: String(64 << 20) });
  const ids = createIdGenerator(systemClock);
  // As on Node: PDFs are read on the extraction thread, off the event loop being measured, and the
  // chunker's tokenizer is built before serving (infra/node/compose.ts).
  countTokens("warm-up");
  const extraction = createPdfExtraction({ timeoutMs: config.library.extractTimeoutMs });
  const composition = composeModules([libraryFunction], benchPlatform({ config, redis, keys, embedder }), { library: { extractPdf: extraction.extract } }, { serviceUrls: {} });
  const library = composition.functions.library;
  let workers: { close(): Promise<void> } | undefined;
  return {
    library,
    redis,
    keys,
    async startWorkers() {
      const started = startJobWorkers({ redisUrl: url, keys, logger: silentLogger, clock: systemClock, specs: composition.jobs, workerId: ids.next() });
      await started.ready;
      workers = started;
    },
    async close() {
      await workers?.close();
      await extraction.close();
      await redis.quit();
    },
  };
}

/**
 * What a search or chat pays for its query embedding while ingestion runs: one short query every
 * 250 ms until `signal` aborts (none with LIBRARY_BENCH_QUERIES=0). Timed from when the query was
 * due, not from when our timer got to run: a request arriving while the event loop is blocked
 * waits for the block too.
 */
async function probeQueryEmbeddings(embedder: Embedder, signal: AbortSignal) {
  const latency = createHistogram();
  while (!signal.aborted && process.env.LIBRARY_BENCH_QUERIES !== "0") {
    const due = performance.now() + 250;
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (signal.aborted) break;
    await embedder.embed([`where did I leave the broken compass ${latency.summary().count}`]);
    latency.record(performance.now() - due);
  }
  return latency.summary();
}

/** Uploads the PDF through the service and times each stage from the job's progress. */
async function benchIngestion(url: string, label: string, embedder: Embedder, pdf: Uint8Array, threads: number | string) {
  const system = buildSystem(url, embedder);
  await system.startWorkers();
  try {
    await embedder.embed(["warm up the model"]);
    // In the emulator, HTTP shares this event loop with the job: how long is it ever blocked?
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const stopProbe = new AbortController();
    const probe = probeQueryEmbeddings(embedder, stopProbe.signal);
    const started = performance.now();
    const submitted = await system.library.service.submit(jobScope(system.redis, "bench", { logger: silentLogger }), { origin: "upload", filename: "large.pdf" }, pdf);
    if (submitted.status !== "queued") throw new Error("expected a job");
    const stageStarts = new Map<string, number>();
    for (;;) {
      const status = await system.library.service.jobStatus(jobScope(system.redis, "bench", { logger: silentLogger }), submitted.jobId);
      if (!stageStarts.has(status.progress.stage)) stageStarts.set(status.progress.stage, performance.now());
      if (status.state === "failed") throw new Error(`ingestion failed: ${JSON.stringify(status.error)}`);
      if (status.state === "completed") {
        loop.disable();
        const seconds = (performance.now() - started) / 1000;
        stopProbe.abort();
        const queries = await probe;
        const at = (stage: string) => stageStarts.get(stage) ?? performance.now();
        return {
          embedder: label,
          threads,
          pdf_bytes: pdf.length,
          pages: status.progress.pages ?? 0,
          chunks: status.progress.chunks_total,
          total_s: round(seconds),
          // A small document's keyword commit can be over between two polls.
          extract_and_chunk_s: round(((stageStarts.get("indexing") ?? at("embedding")) - started) / 1000),
          // Progressive ingestion: the keyword commit is done when the job moves on to embedding.
          keyword_searchable_s: round((at("embedding") - started) / 1000),
          embed_s: round((at("completed") - at("embedding")) / 1000),
          pages_per_s: round((status.progress.pages ?? 0) / seconds),
          chunks_per_s: round(status.progress.chunks_total / seconds),
          event_loop_max_block_ms: round(loop.max / 1e6),
          query_embedding_during_ingestion_p50_ms: round(queries.p50),
          query_embedding_during_ingestion_max_ms: round(queries.max),
          query_embeddings_during_ingestion: queries.count,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await system.close();
  }
}

/**
 * Wall time per chunk of the local model at a few call sizes, one call at a time: a call of 1 runs
 * on one thread, bigger calls spread one chunk per model call over every thread.
 */
async function benchBatchSizes(embedder: Embedder) {
  const texts = makeProse(1200, 3).match(/(?:[^.]+\.){12}/g)!.slice(0, 64);
  const rows: Record<string, number> = {};
  for (const size of [1, 2, 8, 64]) {
    const started = performance.now();
    for (let start = 0; start < texts.length; start += size) await embedder.embed(texts.slice(start, start + size));
    rows[`batch_${size}_ms_per_chunk`] = round((performance.now() - started) / texts.length);
  }
  const query = createHistogram();
  for (let round = 0; round < 50; round++) {
    const started = performance.now();
    await embedder.embed([`where is the ${round} broken compass`]);
    query.record(performance.now() - started);
  }
  return { ...rows, query_embedding_p50_ms: round(query.summary().p50) };
}

/**
 * `size` synthetic chunks of ~1 kB of varied prose (plus a unique reference id each), 100 per
 * document, with random vectors, written through the library's vector index, and their document
 * records: a corpus to search, without paying for embedding it.
 */
export async function seedLibraryChunks(redis: Redis, keys: RedisKeys, tenant: string, size: number, embedder: Embedder, random: (dimension: number) => Float32Array) {
  const index = createVectorIndex({ redis, keys, tenant, collection: "library", embedder, replicas: createVectorReplicaCache() });
  const perDocument = 100;
  for (let start = 0; start < size; start += 5000) {
    const upsert = Array.from({ length: Math.min(5000, size - start) }, (_, offset) => {
      const position = start + offset;
      const documentId = (Math.floor(position / perDocument) + 1).toString(16).padStart(32, "0");
      const text = `${makeProse(12, position + 1)} Reference REF-${position}.`;
      const chunk = { document_id: documentId, file_type: "txt", page: null, chunk_index: position % perDocument, char_start: 0, char_end: text.length, total_chunks: perDocument, text };
      return { id: `${documentId}:${position % perDocument}`, vector: random(512), data: JSON.stringify(chunk) };
    });
    await index.apply({ upsert });
  }
  const pipeline = redis.pipeline();
  for (let document = 1; document <= size / perDocument; document++) {
    const id = document.toString(16).padStart(32, "0");
    pipeline.hset(keys.tenant(tenant, "library", "doc", id), { id, filename: `doc-${document}.txt`, state: "ready" });
  }
  await pipeline.exec();
}

async function benchSearch(url: string, size: number, queries: number) {
  const random = createRandomVectors(size);
  const embedder: Embedder = { id: "bench-random-512", dimension: 512, embed: async (texts) => texts.map(() => random(512)) };
  const writer = buildSystem(url, embedder);
  const tenant = "bench";
  let reader: ReturnType<typeof buildSystem> | undefined;
  try {
    const loadStarted = performance.now();
    await seedLibraryChunks(writer.redis, writer.keys, tenant, size, embedder, random);
    const loadS = (performance.now() - loadStarted) / 1000;

    // A second process over the same keys: its first search loads the vectors and builds BM25.
    reader = buildSystem(url, embedder, writer.keys);
    const second = reader.library;
    const heapBefore = heapBytes();
    const firstStarted = performance.now();
    await second.service.search(jobScope(reader.redis, tenant, { logger: silentLogger }), { query: "warm", topK: 5 });
    const firstSearchS = (performance.now() - firstStarted) / 1000;
    const heapAfter = heapBytes();

    const words = ["harbour master", "broken compass", "lemons", "tidal charts fog", "cartographer patience", "winter harvest quay", "lost ledger red book", "bell tower storm", "sonata", "March rainfall"];
    const histograms = { top5: createHistogram(), top50: createHistogram() };
    for (let query = 0; query < queries; query++) {
      const text = query % 4 === 3 ? `REF-${(query * 7919) % size}` : words[query % words.length]!;
      for (const [name, topK] of [["top5", 5], ["top50", 50]] as const) {
        const started = performance.now();
        await second.service.search(jobScope(reader.redis, tenant, { logger: silentLogger }), { query: text, topK });
        histograms[name].record(performance.now() - started);
      }
    }
    const top5 = histograms.top5.summary();
    const top50 = histograms.top50.summary();
    return {
      chunks: size,
      search_p50_ms: round(top5.p50, 2),
      search_p99_ms: round(top5.p99, 2),
      search_top50_p50_ms: round(top50.p50, 2),
      search_top50_p99_ms: round(top50.p99, 2),
      bulk_load_s: round(loadS),
      first_search_s: round(firstSearchS, 2),
      replica_heap_mb: round((heapAfter - heapBefore) / 2 ** 20),
      queries,
    };
  } finally {
    await Promise.all([writer.close(), reader?.close()]);
  }
}

export async function benchLibrary() {
  const pages = Number(process.env.LIBRARY_BENCH_PAGES ?? 500);
  const sizes = (process.env.LIBRARY_BENCH_SIZES ?? "10000,100000").split(",").map(Number);
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url = process.env.REDIS_URL ?? server!.url;
  const engine = await startEngineServer();
  try {
    const pdf = await makeLargePdf({ pages });
    const threads = Number(process.env.EMBEDDINGS_THREADS ?? defaultLocalEmbedderThreads());
    const local = createLocalEmbedder({ threads });
    const config = loadConfig({ INFERENCE_ENDPOINTS: engine.url });
    const pool = createInferencePool({ endpoints: config.inference.endpoints, config: config.inference, logger: silentLogger });
    const poolEmbedder = createPoolEmbedder({ request: (path, init) => pool.request(path, { method: init.method, body: init.body, signal: init.signal }), model: "archive-emulated-1" });
    const ingestion = [
      await benchIngestion(url, "pool (emulated engine): pipeline without model cost", poolEmbedder, pdf, "–"),
      await benchIngestion(url, "local USE-lite (default)", local, pdf, threads),
    ];
    pool.close();
    const embedding = await benchBatchSizes(local);
    await local.close();
    const search = [];
    for (const size of sizes) search.push(await benchSearch(url, size, 200));
    const table = [
      "| ingestion (~1 MB PDF) | threads | pages | chunks | total s | extract+chunk s | keyword-searchable after s | embed s (behind) | pages/s | chunks/s | longest event-loop block ms (target < 50) | query embedding meanwhile p50 / max ms |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
      ...ingestion.map(
        (row) =>
          `| ${row.embedder} | ${row.threads} | ${row.pages} | ${row.chunks} | ${row.total_s} | ${row.extract_and_chunk_s} | ${row.keyword_searchable_s} | ${row.embed_s} | ${row.pages_per_s} | ${row.chunks_per_s} | ${row.event_loop_max_block_ms} | ${row.query_embedding_during_ingestion_p50_ms} / ${row.query_embedding_during_ingestion_max_ms} |`,
      ),
      "",
      `Local model per chunk: ${Object.entries(embedding).map(([name, value]) => `${name} ${value}`).join(", ")}.`,
      "",
      "| search (hybrid, excl. query embedding) | p50 ms | p99 ms | top-50 p50 ms | top-50 p99 ms | first search in a new process s | replica heap MB |",
      "|---|---|---|---|---|---|---|",
      ...search.map((row) => `| ${row.chunks} chunks | ${row.search_p50_ms} | ${row.search_p99_ms} | ${row.search_top50_p50_ms} | ${row.search_top50_p99_ms} | ${row.first_search_s} | ${row.replica_heap_mb} |`),
    ].join("\n");
    return { name: "library", table, pdf_bytes: pdf.length, ingestion, embedding, search };
  } finally {
    await engine.close();
    await server?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchLibrary();
  process.stdout.write(`${result.table}\n${JSON.stringify(result)}\n`);
  process.exit(0);
}
