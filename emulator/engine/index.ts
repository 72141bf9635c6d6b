/**
 * The emulated inference engine: a stand-in for a vLLM server when no GPU
 * exists. It speaks vLLM's OpenAI-compatible wire format (chat, legacy
 * completions with prompt logprobs, embeddings, rerank, models with max_model_len,
 * health) with deterministic content, so the pool, chat and memory scoring can
 * be exercised end to end. Like vLLM it calls tools (assistant-output.ts),
 * answers response_format / guided_json with JSON that matches the schema
 * (schema-instance.ts) and honours n. Web-standard APIs only: it runs in Node and workerd.
 */
import { Hono } from "hono";
import { createChatRoutes } from "./chat-routes.js";
import { createCompletionRoutes } from "./completion-routes.js";
import { createEmbeddingRoutes } from "./embedding-routes.js";
import type { EngineDeps } from "./engine-deps.js";
import { engineErrorResponse } from "./errors.js";
import { getLanguageModel } from "./language-model.js";
import { createModelRoutes } from "./model-routes.js";
import { createRerankRoutes } from "./rerank-routes.js";
import { createStatsRecorder, type EngineStats } from "./stats.js";

export type { EngineStats } from "./stats.js";
export { embeddingDimensions } from "./hashed-embedding.js";
export { syntheticNotice } from "./synthetic-reply.js";

export const defaultEmulatedModel = "archive-emulated-1";

export interface EmulatedEngineOptions {
  /** Model id served and required in requests (default "archive-emulated-1"). */
  readonly model?: string;
  /** Context window reported by /v1/models and enforced on requests (default 8192). */
  readonly maxModelLen?: number;
  /** Wait between streamed tokens (default 0). */
  readonly tokenDelayMs?: number;
  /** Wait before the first token, i.e. time to first token (default 0). */
  readonly firstTokenDelayMs?: number;
  /** Clock for `created` fields only; content never depends on it (default Date.now). */
  readonly now?: () => number;
  /** Id suffix generator for responses (default: random UUID without dashes, as vLLM). */
  readonly createId?: () => string;
}

export interface EmulatedEngine {
  readonly model: string;
  readonly app: Hono;
  readonly fetch: (request: Request) => Promise<Response>;
  /** Live counters; `aborted` shows the engine saw a client go away mid-generation. */
  readonly stats: EngineStats;
}

export function createEmulatedEngine(options: EmulatedEngineOptions = {}): EmulatedEngine {
  const recorder = createStatsRecorder();
  const deps: EngineDeps = {
    model: options.model ?? defaultEmulatedModel,
    maxModelLen: options.maxModelLen ?? 8192,
    tokenDelayMs: options.tokenDelayMs ?? 0,
    firstTokenDelayMs: options.firstTokenDelayMs ?? 0,
    languageModel: getLanguageModel(),
    recorder,
    now: options.now ?? Date.now,
    createId: options.createId ?? (() => crypto.randomUUID().replaceAll("-", "")),
  };

  const app = new Hono();
  app.route("/", createModelRoutes(deps));
  app.route("/", createChatRoutes(deps));
  app.route("/", createCompletionRoutes(deps));
  app.route("/", createEmbeddingRoutes(deps));
  app.route("/", createRerankRoutes(deps));
  // FastAPI's answer for an unknown path, which is what a vLLM server returns.
  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  app.onError((error) => engineErrorResponse("InternalServerError", error.message));

  return {
    model: deps.model,
    app,
    fetch: async (request) => app.fetch(request),
    stats: recorder.stats,
  };
}
