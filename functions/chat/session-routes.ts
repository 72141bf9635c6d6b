import { Hono } from "hono";
import { z } from "zod";
import type { AppContext, AppEnv } from "../app-env.js";
import { readJson, readQuery } from "../http.js";
import { notFound } from "../../shared/errors.js";
import { sessionIdPattern } from "./schema.js";
import type { SessionStore } from "./session-store.js";

export const maxTitleChars = 120;
export const maxSessionListLimit = 100;

const titleSchema = z
  .string()
  .max(maxTitleChars, `title may hold at most ${maxTitleChars} characters`)
  .transform((title) => title.trim())
  .refine((title) => title !== "", "title must contain more than whitespace");

const createSchema = z.object({ title: titleSchema.optional() }).strict();
const renameSchema = z.object({ title: titleSchema }).strict();
const listSchema = z.object({
  limit: z.coerce.number().int().min(1).max(maxSessionListLimit).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

/**
 * `/chat/sessions`: a tenant's named conversations. The id is what `/v1/chat/completions`
 * takes as `session_id` (or `X-Session-Id`); its messages are chat's history of that session.
 */
export function createSessionRoutes(store: SessionStore): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const scope = async (c: AppContext) => ({ tenant: c.get("tenant"), redis: await c.get("redis")() });
  const idOf = (c: AppContext) => {
    const id = c.req.param("id") ?? "";
    // A malformed id names no session: the same 404 as an unknown one.
    if (!sessionIdPattern.test(id)) throw notFound(`No chat session ${id}`, "session_not_found");
    return id;
  };

  routes.get("/chat/sessions", async (c) => {
    const page = readQuery(c, listSchema);
    const { tenant, redis } = await scope(c);
    return c.json({ ...(await store.list(redis, tenant, page)), limit: page.limit, offset: page.offset });
  });

  routes.post("/chat/sessions", async (c) => {
    const body = c.req.header("content-length") === "0" ? {} : await readJson(c, createSchema);
    const { tenant, redis } = await scope(c);
    const session = await store.create(redis, tenant, body.title ?? "New conversation");
    return c.json(session, 201, { Location: `/chat/sessions/${session.id}` });
  });

  routes.get("/chat/sessions/:id", async (c) => {
    const { tenant, redis } = await scope(c);
    return c.json(await store.get(redis, tenant, idOf(c)));
  });

  routes.patch("/chat/sessions/:id", async (c) => {
    const id = idOf(c);
    const body = await readJson(c, renameSchema);
    const { tenant, redis } = await scope(c);
    return c.json(await store.rename(redis, tenant, id, body.title));
  });

  routes.delete("/chat/sessions/:id", async (c) => {
    const id = idOf(c);
    const { tenant, redis } = await scope(c);
    await store.remove(redis, tenant, id);
    return c.json({ status: "deleted", id });
  });

  routes.get("/chat/sessions/:id/messages", async (c) => {
    const id = idOf(c);
    const { tenant, redis } = await scope(c);
    return c.json({ session_id: id, messages: await store.messages(redis, tenant, id) });
  });

  return routes;
}
