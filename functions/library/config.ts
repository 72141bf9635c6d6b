import { z } from "zod";
import { defineConfigSlice, type SectionOf, fraction, integer } from "../../shared/config.js";
import { tenantPattern } from "../../shared/tenant.js";

/** The library's variables: the drop folder, upload and PDF budgets, ingestion, search fusion, rerank. */
export const libraryConfig = defineConfigSlice(
  {
    LIBRARY_DROP_DIR: { schema: z.string().optional(), doc: "Folder watched for documents (emulator and self-hosted Node)." },
    LIBRARY_DROP_TENANT: { schema: z.string().regex(tenantPattern).default("default"), doc: "Tenant that owns documents from the drop folder." },
    LIBRARY_MAX_UPLOAD_BYTES: { schema: integer(1024, 1 << 30).default(25 << 20), doc: "Largest document upload (bytes); larger gets 413." },
    LIBRARY_PDF_MAX_DECOMPRESSED_BYTES: { schema: integer(1 << 20, 1 << 30).default(128 << 20), doc: "Bytes a PDF's non-image streams may inflate to; more fails the job `pdf_over_budget` (decompression bombs)." },
    LIBRARY_PDF_MAX_OPERATORS_PER_PAGE: { schema: integer(1000, 1e9).default(2_000_000), doc: "Drawing operators one page (content stream) may hold; more fails the job `pdf_over_budget`." },
    LIBRARY_EXTRACT_TIMEOUT_MS: { schema: integer(100, 3600000).default(60000), doc: "Time budget of one document's text extraction (in its own thread on Node, which does nothing else); past it the thread is stopped and the job fails `extract_timeout`." },
    LIBRARY_INGEST_DEADLINE_MS: { schema: integer(1000, 86400000).default(1800000), doc: "Deadline of one ingestion job, from its upload; a job interrupted by restarts resumes until then, then fails `ingest_deadline` (and leaves no upload copy or pending marker)." },
    LIBRARY_RETRIEVAL_TOP_K: { schema: integer(0, 50).default(3), doc: "Library passages added to a chat request." },
    LIBRARY_RETRIEVAL_MIN_SIMILARITY: { schema: fraction.default(0.65), doc: "Similarity cutoff for library passages added to chat ((1 + cosine) / 2; 0.5 is unrelated)." },
    LIBRARY_FUSION: { schema: z.enum(["normalized", "rrf"]).default("normalized"), doc: "How library search fuses BM25 and vectors: `normalized` (weighted, per-query normalized scores) or `rrf` (weighted reciprocal rank)." },
    LIBRARY_LEXICAL_WEIGHT: { schema: fraction.default(0.7), doc: "Share of BM25 in library search's fusion (vectors get the rest); chosen on the library eval's dev set." },
    LIBRARY_EXACT_LEXICAL_WEIGHT: { schema: fraction.default(0.95), doc: "BM25's share for a quoted phrase or an identifier-looking query." },
    LIBRARY_PHRASE_BONUS: { schema: fraction.default(0.3), doc: "Fused-score bonus for a chunk holding a 3+ term query word for word." },
    RERANK_MODEL: { schema: z.string().optional(), doc: "Cross-encoder served by the pool's `/v1/rerank` (e.g. `BAAI/bge-reranker-v2-m3`); set to rerank library search's fused top RERANK_TOP_N." },
    RERANK_TOP_N: { schema: integer(2, 100).default(20), doc: "Fused library hits sent to the reranker." },
    RERANK_TIMEOUT_MS: { schema: integer(10, 60000).default(1500), doc: "Time budget of one rerank call; past it (or on any failure) the fused order is kept." },
  },
  (raw) => ({
    library: {
      dropDir: raw.LIBRARY_DROP_DIR,
      dropTenant: raw.LIBRARY_DROP_TENANT,
      maxUploadBytes: raw.LIBRARY_MAX_UPLOAD_BYTES,
      retrievalTopK: raw.LIBRARY_RETRIEVAL_TOP_K,
      retrievalMinSimilarity: raw.LIBRARY_RETRIEVAL_MIN_SIMILARITY,
      fusion: {
        method: raw.LIBRARY_FUSION,
        lexicalWeight: raw.LIBRARY_LEXICAL_WEIGHT,
        exactLexicalWeight: raw.LIBRARY_EXACT_LEXICAL_WEIGHT,
        phraseBonus: raw.LIBRARY_PHRASE_BONUS,
      },
      rerank: { model: raw.RERANK_MODEL, topN: raw.RERANK_TOP_N, timeoutMs: raw.RERANK_TIMEOUT_MS },
      pdfBudget: { maxDecompressedBytes: raw.LIBRARY_PDF_MAX_DECOMPRESSED_BYTES, maxOperatorsPerPage: raw.LIBRARY_PDF_MAX_OPERATORS_PER_PAGE },
      extractTimeoutMs: raw.LIBRARY_EXTRACT_TIMEOUT_MS,
      ingestDeadlineMs: raw.LIBRARY_INGEST_DEADLINE_MS,
    },
  }),
);

export type LibraryConfig = SectionOf<typeof libraryConfig>;
