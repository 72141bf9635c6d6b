import { z } from "zod";

/** Documented maximums of the library API (design §3: every list and search is bounded). */
export const limits = {
  queryChars: 2000,
  topK: 50,
  defaultTopK: 5,
  listLimit: 100,
  defaultListLimit: 20,
  maxOffset: 1_000_000,
  /** One document's chunks are replaced in one atomic apply; 10k chunks ≈ 2M tokens ≈ 8 MB of text. */
  chunksPerDocument: 10_000,
} as const;

export const documentIdPattern = /^[0-9a-f]{32}$/;
/** Job ids are the router's ULID-like ids (no `:`, which BullMQ refuses in custom ids). */
export const jobIdPattern = /^[0-9A-Z]{26}$/;

export const searchRequestSchema = z
  .object({
    query: z
      .string()
      .max(limits.queryChars, `query may be at most ${limits.queryChars} characters`)
      .refine((query) => query.trim() !== "", "query must contain text"),
    top_k: z.number().int().min(1).max(limits.topK).default(limits.defaultTopK),
    file_type: z.enum(["pdf", "txt", "md"]).optional(),
    document_id: z.string().regex(documentIdPattern, "document_id is 32 lowercase hex characters").optional(),
  })
  .strict();

export type SearchRequest = z.output<typeof searchRequestSchema>;

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(limits.listLimit).default(limits.defaultListLimit),
  offset: z.coerce.number().int().min(0).max(limits.maxOffset).default(0),
});

/** One search hit as the API returns it: the text, its score and its full citation. */
export interface SearchChunk {
  text: string;
  score: number;
  document_id: string;
  filename: string;
  file_type: "pdf" | "txt" | "md";
  page: number | null;
  chunk_index: number;
  char_start: number;
  char_end: number;
  total_chunks: number;
}

export interface SearchResponse {
  chunks: SearchChunk[];
  total: number;
  query: string;
  /** Whether RERANK_MODEL's cross-encoder ordered the chunks (false: fused order, e.g. it failed). */
  reranked: boolean;
}

export type JobState = "queued" | "active" | "completed" | "failed";

export type IngestStage = "queued" | "extracting" | "embedding" | "indexing" | "completed" | "failed" | "superseded";

export interface IngestProgress {
  stage: IngestStage;
  pages: number | null;
  /** Chunks committed for keyword search (all of them once the `indexing` stage is over). */
  chunks_searchable: number;
  /** Chunks embedded (the document is hybrid-searchable as these arrive). */
  chunks_done: number;
  chunks_total: number;
  /** Kept from the last failed attempt; shown only once the job has finally failed. */
  error?: { code: string; message: string };
}

export interface JobStatus {
  id: string;
  state: JobState;
  progress: IngestProgress;
  document_id: string;
  error?: { code: string; message: string };
}
