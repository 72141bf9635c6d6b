import { requestScope } from "../../request-scope.js";
import { Hono } from "hono";
import type { ChatConfig } from "../../chat/index.js";
import type { AppEnv } from "../../app-env.js";
import { eventStreamHeaders, readJson } from "../../http.js";
import { createResponseRequestSchema } from "./schema.js";
import type { ResponsesService } from "./service.js";

/** `POST /v1/responses`, and `GET`/`DELETE /v1/responses/:id` for stored ones. */
export function createResponseRoutes({ service, limits }: { service: ResponsesService; limits: ChatConfig["chat"] }): Hono<AppEnv> {
  const schema = createResponseRequestSchema(limits);
  const routes = new Hono<AppEnv>();

  routes.post("/v1/responses", async (c) => {
    const body = await readJson(c, schema);
    const result = await service.create(body, requestScope(c, body.user ?? undefined));
    if (result.kind === "json") return c.json(result.response);
    return new Response(result.body, { status: 200, headers: eventStreamHeaders });
  });

  routes.get("/v1/responses/:id", async (c) => c.json(await service.retrieve(c.req.param("id"), requestScope(c))));

  routes.delete("/v1/responses/:id", async (c) => {
    const id = c.req.param("id");
    await service.remove(id, requestScope(c));
    return c.json({ id, object: "response", deleted: true });
  });

  return routes;
}
