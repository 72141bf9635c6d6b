/** GET /health and GET /v1/models, shaped like vLLM's. */
import { Hono } from "hono";
import { createdSeconds, type EngineContext } from "./engine-context.js";

export function createModelRoutes(context: EngineContext): Hono {
  const routes = new Hono();

  // vLLM answers its health probe with 200 and an empty body once the engine is up.
  routes.get("/health", () => new Response(null, { status: 200 }));

  routes.get("/v1/models", (c) => {
    const created = createdSeconds(context);
    return c.json({
      object: "list",
      data: [
        {
          id: context.model,
          object: "model",
          created,
          owned_by: "vllm",
          root: context.model,
          parent: null,
          max_model_len: context.maxModelLen,
          permission: [
            {
              id: `modelperm-${context.createId()}`,
              object: "model_permission",
              created,
              allow_create_engine: false,
              allow_sampling: true,
              allow_logprobs: true,
              allow_search_indices: false,
              allow_view: true,
              allow_fine_tuning: false,
              organization: "*",
              group: null,
              is_blocking: false,
            },
          ],
        },
      ],
    });
  });

  return routes;
}
