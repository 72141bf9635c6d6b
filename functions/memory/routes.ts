import { Hono } from "hono";
import type { Clock } from "../../shared/clock.js";
import type { AppContext, AppEnv } from "../app-env.js";
import { readJson, readQuery } from "../http.js";
import { requestScope, type RequestScope } from "../request-scope.js";
import { coldArchiveUnavailable, type ColdArchive } from "./cold-archive.js";
import { addMemorySchema, archiveSearchSchema, listQuerySchema, restoreSchema, searchSchema, userQuerySchema } from "./schema.js";
import type { MemoryService } from "./service.js";

/**
 * HTTP only: parse and bound the input, hand the service a scope, shape the response. Every route
 * is the caller's (tenant, end user)'s — the end user from the body's `user`, the `user` query
 * parameter or X-Archive-User, like chat. Ids of others are "not found", never "forbidden".
 */
export function createMemoryRoutes(options: { service: MemoryService; coldArchive: ColdArchive; clock: Clock }): Hono<AppEnv> {
  const { service, coldArchive } = options;
  const routes = new Hono<AppEnv>();

  // A body without `user` (and every GET or DELETE) may name the end user in the query instead.
  const scopeOf = (c: AppContext, bodyUser?: string): RequestScope => requestScope(c, bodyUser ?? readQuery(c, userQuerySchema).user);

  routes.get("/memories", async (c) => {
    const page = readQuery(c, listQuerySchema);
    return c.json(await service.list(scopeOf(c), page));
  });

  routes.post("/memories", async (c) => {
    const body = await readJson(c, addMemorySchema);
    const { memory, created } = await service.add(scopeOf(c, body.user), {
      message: body.message,
      metadata: body.metadata,
      sessionId: body.session_id,
      answered: body.answered,
    });
    // An exact duplicate is not an error: the answer is the memory that already holds these words.
    return c.json(memory, created ? 201 : 200, created ? { Location: `/memories/${memory.id}` } : {});
  });

  routes.post("/memories/search", async (c) => {
    const body = await readJson(c, searchSchema);
    const options = { topK: body.top_k, minSimilarity: body.min_similarity, sessionId: body.session_id, after: body.after, before: body.before };
    return c.json(await service.search(scopeOf(c, body.user), body.query, options));
  });

  routes.get("/memories/stats", async (c) => c.json(await service.stats(scopeOf(c))));

  routes.post("/memories/archive/run", async (c) => c.json(await coldArchive.run(scopeOf(c), options.clock.now())));

  routes.get("/memories/archive/stats", async (c) => c.json(await coldArchive.stats(scopeOf(c))));

  // The cold tier alone, ranked exactly like POST /memories/search (which covers both tiers).
  routes.post("/memories/archive/search", async (c) => {
    const body = await readJson(c, archiveSearchSchema);
    if (!coldArchive.available) throw coldArchiveUnavailable();
    return c.json(await service.search(scopeOf(c, body.user), body.query, { topK: body.top_k, tier: "cold" }));
  });

  routes.post("/memories/archive/restore", async (c) => {
    const body = await readJson(c, restoreSchema);
    return c.json(await coldArchive.restore(scopeOf(c, body.user), body.ids));
  });

  routes.get("/memories/:id", async (c) => c.json(await service.get(scopeOf(c), c.req.param("id"))));

  routes.delete("/memories/:id", async (c) => {
    const id = c.req.param("id");
    await service.remove(scopeOf(c), id);
    // The original's answer, kept: clients may read it.
    return c.json({ status: "deleted", id });
  });

  return routes;
}
