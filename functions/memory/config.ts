import { z } from "zod";
import { defineConfigSlice, fraction, integer, type SectionOf } from "../../shared/config.js";

/** Memory's variables: surprise scoring, capture, search weights, chat retrieval, archival. */
export const memoryConfig = defineConfigSlice(
  {
    MEMORY_WEIGHT_PERPLEXITY: { schema: fraction.default(0.6), doc: "Weight of normalized perplexity in the surprise score." },
    MEMORY_WEIGHT_NOVELTY: { schema: fraction.default(0.4), doc: "Weight of novelty (normalized cosine distance to the nearest memory)." },
    MEMORY_CAPTURE: { schema: z.enum(["all", "surprising"]).default("all"), doc: "`all`: every user turn that reaches chat is remembered (surprise becomes its importance). `surprising`: only turns whose surprise is at least MEMORY_THRESHOLD." },
    MEMORY_THRESHOLD: { schema: fraction.default(0.7), doc: "With MEMORY_CAPTURE=surprising: store a captured turn when its surprise is at least this." },
    MEMORY_LEXICAL_WEIGHT: { schema: fraction.default(0.6), doc: "Share of the lexical (BM25) ranking in memory search; the vector ranking gets the rest (score-normalized fusion)." },
    MEMORY_IMPORTANCE_WEIGHT: { schema: fraction.default(0.05), doc: "How much a memory's importance (its surprise score, 0..1) adds to its fused search score." },
    MEMORY_RETRIEVAL_TOP_K: { schema: integer(0, 50).default(3), doc: "Memories added to a chat request." },
    MEMORY_RETRIEVAL_MIN_SIMILARITY: { schema: fraction.default(0.65), doc: "Similarity cutoff for memories added to chat; similarity is (1 + cosine) / 2, so 0.5 is unrelated." },
    MEMORY_CAPTURE_ATTEMPTS: { schema: integer(1, 1000).default(8), doc: "Tries to score a captured turn before it is given up (with 2 s doubling, 8 rides out ~4 minutes of engine outage)." },
    MEMORY_CAPTURE_BACKOFF_MS: { schema: integer(1, 3600000).default(2000), doc: "First retry delay of a failed scoring; each further retry doubles it." },
    ARCHIVE_DAYS: { schema: integer(0, 36500).default(30), doc: "Memories older than this many days may move to cold storage." },
    ARCHIVE_KEEP_RECENT: { schema: integer(0, 10000000).default(1000), doc: "The newest N memories of each user always stay hot." },
    ARCHIVE_HOUR: { schema: integer(0, 23).default(3), doc: "Hour of day (UTC) of the daily archival run." },
  },
  (raw) => ({
    memory: {
      weightPerplexity: raw.MEMORY_WEIGHT_PERPLEXITY,
      weightNovelty: raw.MEMORY_WEIGHT_NOVELTY,
      capture: raw.MEMORY_CAPTURE,
      threshold: raw.MEMORY_THRESHOLD,
      lexicalWeight: raw.MEMORY_LEXICAL_WEIGHT,
      importanceWeight: raw.MEMORY_IMPORTANCE_WEIGHT,
      retrievalTopK: raw.MEMORY_RETRIEVAL_TOP_K,
      retrievalMinSimilarity: raw.MEMORY_RETRIEVAL_MIN_SIMILARITY,
      captureRetry: { attempts: raw.MEMORY_CAPTURE_ATTEMPTS, backoffMs: raw.MEMORY_CAPTURE_BACKOFF_MS },
    },
    archive: { days: raw.ARCHIVE_DAYS, keepRecent: raw.ARCHIVE_KEEP_RECENT, hour: raw.ARCHIVE_HOUR },
  }),
);

export type MemoryConfig = SectionOf<typeof memoryConfig>;
