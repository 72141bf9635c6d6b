import { Hono } from "hono";
import type { Model } from "../../gpu/openai-types.js";
import type { ChatService } from "../chat/index.js";
import type { AppEnv } from "../app-env.js";
import { modelNotFound } from "./errors.js";

export interface ModelRoutesOptions {
  chat: Pick<ChatService, "models">;
  /** The embedding model `/v1/embeddings` serves; the local one is not among the engine's models. */
  embeddingModel: Model;
}

/**
 * `GET /v1/models/:id`: one of the engine's models, or the embedding model. Model ids carry slashes
 * (`Qwen/Qwen2.5-3B-Instruct`), sent raw or as %2F (the openai SDK encodes them), so the id is the
 * rest of the path.
 */
export function createModelRoutes(options: ModelRoutesOptions): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get("/v1/models/:id{.+}", async (c) => {
    const id = c.req.param("id");
    // The local embedding model is answered without asking the engine (it may be down).
    if (id === options.embeddingModel.id) return c.json(options.embeddingModel);
    const list = await options.chat.models(c.req.raw.signal);
    const model = list.data.find((candidate) => candidate.id === id);
    if (!model) throw modelNotFound(id, [...list.data.map((candidate) => candidate.id), options.embeddingModel.id]);
    return c.json(model);
  });
  return routes;
}
