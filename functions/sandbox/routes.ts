import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { readJson } from "../http.js";
import { executeSchema } from "./schema.js";
import type { SandboxService } from "./service.js";

/** HTTP only: parse and bound the request, run it, answer the result (any status is a 200: the run happened). */
export function createSandboxRoutes(service: SandboxService): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post("/sandbox/execute", async (c) => {
    const request = await readJson(c, executeSchema);
    return c.json(await service.execute(request, { signal: c.req.raw.signal, requestId: c.get("requestId") }));
  });
  return routes;
}
