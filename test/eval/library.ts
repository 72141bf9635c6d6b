/**
 * `npm run eval -- library`: retrieval quality of the library on real PDFs (see library-corpus.ts
 * and library-queries.json), page-level hits in the top 5. Archive's ranking beside plain BM25 and
 * vector-only baselines over the same chunks and the same query vectors, in the same run.
 *
 *   npm run eval -- library                       (default local USE-lite embeddings)
 *   LIBRARY_EVAL_QUERIES=path/to/other.json ...   (another query set, e.g. held-out documents)
 *
 * Chunk embeddings are cached by text under .data/eval/library/ so a rerun only pays for queries.
 */
import { Redis } from "ioredis";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { startRedisServer } from "../../emulator/redis-launcher.js";
import { decodeChunk, type StoredChunk } from "../../functions/library/chunk-data.js";
import { composeModules, loadConfig } from "../../functions/compose.js";
import { libraryFunction, type LibraryService } from "../../functions/library/index.js";
import { startJobWorkers } from "../../infra/node/job-workers.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { createLocalEmbedder } from "../../infra/node/embeddings/local-embedder.js";
import { silentLogger } from "../../shared/logger.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { createBm25Index } from "../../shared/retrieval/index.js";
import { createVectorIndex, createVectorReplicaCache } from "../../shared/vector-index/index.js";
import { benchPlatform } from "../bench/platform.js";
import { createCachingEmbedder } from "./embedding-cache.js";
import { defaultCacheDir, loadCorpus, type EvalQuery, type QuerySet } from "./library-corpus.js";
import { jobScope } from "../../functions/request-scope.js";

const topK = 5;
const tenant = "eval";
type Ranker = "archive" | "bm25" | "vector";
const rankers: Ranker[] = ["archive", "bm25", "vector"];

interface Scores {
  queries: number;
  r1: number;
  r3: number;
  r5: number;
  mrr: number;
}

export async function evalLibrary(): Promise<void> {
  const { table, results } = await measureLibrary();
  process.stdout.write(`\n## library\n\n${table}\n`);
  const outDir = new URL("results/", import.meta.url);
  await mkdir(outDir, { recursive: true });
  await writeFile(new URL("library.json", outDir), `${JSON.stringify({ date: new Date().toISOString(), ...results }, null, 2)}\n`);
}

async function measureLibrary(): Promise<{ table: string; results: Record<string, unknown> }> {
  const setPath = process.env.LIBRARY_EVAL_QUERIES ?? new URL("library-queries.json", import.meta.url).pathname;
  const set = JSON.parse(await readFile(setPath, "utf8")) as QuerySet;
  const corpus = await loadCorpus(set.documents);
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const url = process.env.REDIS_URL ?? server!.url;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const local = createLocalEmbedder();
  const embedder = await createCachingEmbedder(local, `${defaultCacheDir}embeddings-${local.id}.json`);
  const keys = createRedisKeys(`eval-${crypto.randomUUID().slice(0, 8)}`);
  const config = loadConfig({ ...process.env, ARCHIVE_API_KEYS: "eval-key-0123456789:eval", LIBRARY_MAX_UPLOAD_BYTES: String(64 << 20) });
  // Composed as every runtime composes it (text extraction inline: no runtime adapter).
  const composition = composeModules([libraryFunction], benchPlatform({ config, redis, keys, embedder }), {}, { serviceUrls: {} });
  const library = composition.functions.library;
  const workers = startJobWorkers({ redisUrl: url, keys, logger: silentLogger, clock: systemClock, specs: composition.jobs, workerId: "eval" });
  await workers.ready;
  try {
    const fileOf = new Map<string, string>();
    const ingestStarted = performance.now();
    for (const [file, bytes] of corpus) {
      const submitted = await library.service.submit(jobScope(redis, tenant, { logger: silentLogger }), { origin: "upload", filename: file }, bytes);
      fileOf.set(submitted.documentId, file);
      if (submitted.status === "queued") await waitForJob(library.service, redis, submitted.jobId);
    }
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    await embedder.save();

    // The baselines read the very chunks search sees, through their own follower of the replica.
    const index = createVectorIndex({ redis, keys, tenant, collection: "library", embedder, replicas: createVectorReplicaCache() });
    const view = await index.view();
    const plain = view.follow("eval-plain-bm25", () => {
      const bm25 = createBm25Index();
      return {
        bm25,
        reset: () => bm25.clear(),
        upsert: (id: string, data: string | undefined) => void bm25.add(id, decodeChunk(data)?.text ?? ""),
        remove: (id: string) => void bm25.remove(id),
      };
    });
    const chunkOf = (id: string): StoredChunk | undefined => decodeChunk(view.get(id)?.data);

    const perQuery: { id: string; kind: string; doc: string; ranks: Record<Ranker, number | null>; top: Record<Ranker, string[]> }[] = [];
    for (const query of set.queries) {
      const [vector] = await embedder.embed([query.query]);
      const lists: Record<Ranker, { document_id: string; page: number | null }[]> = {
        archive: (await library.service.searchHits(jobScope(redis, tenant, { logger: silentLogger }), { query: query.query, topK })).map((hit) => hit.chunk),
        bm25: plain.bm25.search(query.query, { topK }).flatMap((hit) => chunkOf(hit.id) ?? []),
        vector: view.search(vector!, { topK }).flatMap((match) => decodeChunk(match.data) ?? []),
      };
      const ranks = {} as Record<Ranker, number | null>;
      const top = {} as Record<Ranker, string[]>;
      for (const ranker of rankers) {
        const pages = lists[ranker].map((chunk) => `${fileOf.get(chunk.document_id)}#${chunk.page}`);
        const position = pages.findIndex((page) => isExpected(query, page));
        ranks[ranker] = position < 0 ? null : position + 1;
        top[ranker] = pages;
      }
      perQuery.push({ id: query.id, kind: query.kind, doc: query.doc, ranks, top });
    }

    const kinds = [...new Set(set.queries.map((query) => query.kind))];
    const summary: Record<string, Record<Ranker, Scores>> = {};
    for (const kind of [...kinds, "all"]) {
      const rows = perQuery.filter((row) => kind === "all" || row.kind === kind);
      summary[kind] = Object.fromEntries(rankers.map((ranker) => [ranker, score(rows.map((row) => row.ranks[ranker]))])) as Record<Ranker, Scores>;
    }
    const chunks = (await library.service.stats(jobScope(redis, tenant, { logger: silentLogger }))).chunks;
    return {
      table: formatTable(summary, { documents: corpus.size, chunks, queries: set.queries.length, ingestSeconds }),
      results: { query_set: setPath, documents: [...corpus.keys()], chunks, ingest_s: Math.round(ingestSeconds), top_k: topK, summary, queries: perQuery },
    };
  } finally {
    await workers.close();
    await redis.quit();
    await local.close();
    await server?.stop();
  }
}

const isExpected = (query: EvalQuery, page: string) => query.pages.some((expected) => page === `${query.doc}#${expected}`);

function score(ranks: (number | null)[]): Scores {
  const n = ranks.length;
  const within = (k: number) => ranks.filter((rank) => rank !== null && rank <= k).length / n;
  const mrr = ranks.reduce<number>((sum, rank) => sum + (rank === null ? 0 : 1 / rank), 0) / n;
  return { queries: n, r1: round(within(1)), r3: round(within(3)), r5: round(within(5)), mrr: round(mrr) };
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function formatTable(summary: Record<string, Record<Ranker, Scores>>, run: { documents: number; chunks: number; queries: number; ingestSeconds: number }): string {
  const lines = [
    `${run.queries} queries, ${run.documents} PDFs, ${run.chunks} chunks (ingested in ${Math.round(run.ingestSeconds)} s); page-level hits in the top ${topK}`,
    "",
    "| kind | n | Archive R@1 / R@3 / R@5 / MRR | BM25 only | vector only |",
    "|---|---|---|---|---|",
  ];
  const cell = (scores: Scores) => `${scores.r1.toFixed(3)} / ${scores.r3.toFixed(3)} / ${scores.r5.toFixed(3)} / ${scores.mrr.toFixed(3)}`;
  for (const [kind, byRanker] of Object.entries(summary)) {
    lines.push(`| ${kind} | ${byRanker.archive.queries} | ${cell(byRanker.archive)} | ${cell(byRanker.bm25)} | ${cell(byRanker.vector)} |`);
  }
  return lines.join("\n");
}

async function waitForJob(service: LibraryService, redis: Redis, jobId: string) {
  for (;;) {
    const status = await service.jobStatus(jobScope(redis, tenant, { logger: silentLogger }), jobId);
    if (status.state === "completed") return;
    if (status.state === "failed") throw new Error(`ingestion failed: ${JSON.stringify(status.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
