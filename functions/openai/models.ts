import { Hono } from "hono";
import type { Model } from "../../gpu/openai-types.js";
import type { ChatService } from "../chat/index.js";
import type { AppEnv } from "../context.js";
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
    const list = await options.chat.models(c.req.raw.signal);
    const models = [...list.data, ...(list.data.some((model) => model.id === options.embeddingModel.id) ? [] : [options.embeddingModel])];
    const model = models.find((candidate) => candidate.id === id);
    if (!model) throw modelNotFound(id, models.map((candidate) => candidate.id));
    return c.json(model);
  });
  return routes;
}
