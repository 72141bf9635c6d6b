import { Hono } from "hono";
import type { InferencePool } from "../../gpu/pool.js";
import type { Clock, IdGenerator } from "../../shared/clock.js";
import type { CoreConfig } from "../../shared/config.js";
import { openaiConfig, type OpenAIConfig } from "./config.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { chatBodyBytes, type ChatService } from "../chat/index.js";
import type { AppEnv } from "../app-env.js";
import { defineFunction, type HttpFunction } from "../http-function.js";
import { createCompletionRoutes } from "./completions.js";
import { createEmbeddingRoutes, type UsageEmbedder } from "./embeddings.js";
import { createModelRoutes } from "./models.js";
import { createResponseRoutes } from "./responses/routes.js";
import { createResponsesService } from "./responses/service.js";
import { createResponseStore } from "./responses/store.js";

export { float32Base64, type UsageEmbedder } from "./embeddings.js";

export interface OpenAIFunctionDeps {
  /** The chat function's service: `/v1/responses` runs on the same chat path. */
  chat: Pick<ChatService, "complete" | "models" | "limits">;
  pool: Pick<InferencePool, "request" | "model">;
  /** The deployment's embedder (the one memory and the library use) and the model name clients see. */
  embeddings: { embedder: UsageEmbedder; model: string };
  keys: RedisKeys;
  clock: Clock;
  ids: IdGenerator;
  config: OpenAIConfig & Pick<CoreConfig, "maxBodyBytes">;
  /** When this process started: the `created` of the local embedding model. */
  startedAt: number;
}

/**
 * The rest of the OpenAI surface next to chat completions: `/v1/responses` (on the chat path,
 * with stored responses), `/v1/embeddings` (the deployment's embedder), `/v1/completions` (the
 * engine's, passed through) and `GET /v1/models/:id`.
 */
export function createOpenAIFunction(deps: OpenAIFunctionDeps): HttpFunction {
  const { config, embeddings } = deps;
  const limits = deps.chat.limits;
  const store = createResponseStore({ keys: deps.keys, ttlSeconds: config.responses.storeDays * 24 * 60 * 60 });
  const responses = createResponsesService({
    chat: deps.chat,
    store,
    clock: deps.clock,
    ids: deps.ids,
    defaultModel: (signal) => deps.pool.model(signal),
  });
  const routes = new Hono<AppEnv>();
  routes.route("/", createModelRoutes({
    chat: deps.chat,
    embeddingModel: { id: embeddings.model, object: "model", created: Math.floor(deps.startedAt / 1000), owned_by: "archive" },
  }));
  routes.route("/", createEmbeddingRoutes({ embedder: embeddings.embedder, model: embeddings.model, limits: config.embeddingsApi }));
  routes.route("/", createCompletionRoutes({ pool: deps.pool, limits }));
  routes.route("/", createResponseRoutes({ service: responses, limits }));
  // Prompts and conversations are bounded by CHAT_MAX_INPUT_CHARS, as on chat completions.
  const needed = chatBodyBytes(limits);
  const bodyLimits = needed > config.maxBodyBytes
    ? [{ pathPrefix: "/v1/responses", maxBytes: needed }, { pathPrefix: "/v1/completions", maxBytes: needed }]
    : undefined;
  return { name: "openai", routes, needs: ["redis", "inference", "embedder"], ...(bodyLimits ? { bodyLimits } : {}) };
}

/** Composed after chat: `/v1/responses` runs on chat's service, and chat's bounds (CHAT_*) hold here too. */
export const openaiFunction = defineFunction({
  name: "openai",
  config: openaiConfig,
  create: ({ platform, seams }) => {
    if (!seams.chat) throw new Error("the openai function is composed after chat (functions/compose.ts)");
    const { config, embedder } = platform;
    return createOpenAIFunction({
      ...platform,
      chat: seams.chat,
      embeddings: { embedder, model: config.embeddings.provider === "local" ? embedder.id : (config.embeddings.model ?? "") },
    });
  },
});
