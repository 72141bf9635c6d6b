/** GET /health and GET /v1/models, shaped like vLLM's. */
import { Hono } from "hono";
import { createdSeconds, type EngineDeps } from "./engine-deps.js";

export function createModelRoutes(deps: EngineDeps): Hono {
  const routes = new Hono();

  // vLLM answers its health probe with 200 and an empty body once the engine is up.
  routes.get("/health", () => new Response(null, { status: 200 }));

  routes.get("/v1/models", (c) => {
    const created = createdSeconds(deps);
    return c.json({
      object: "list",
      data: [
        {
          id: deps.model,
          object: "model",
          created,
          owned_by: "vllm",
          root: deps.model,
          parent: null,
          max_model_len: deps.maxModelLen,
          permission: [
            {
              id: `modelperm-${deps.createId()}`,
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
