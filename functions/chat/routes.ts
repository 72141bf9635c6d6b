import { requestScope } from "../request-scope.js";
import { Hono } from "hono";
import type { ChatConfig } from "./config.js";
import { validationFailed } from "../../shared/errors.js";
import type { AppContext, AppEnv } from "../app-env.js";
import { eventStreamHeaders, readJson } from "../http.js";
import { chatRequestSchema, createCompletionRequestSchema, sessionIdPattern } from "./schema.js";
import type { ChatService } from "./service.js";

/** HTTP only: parse, hand the service a scope, shape the response. */
export function createChatRoutes({ service, limits }: { service: ChatService; limits: ChatConfig["chat"] }): Hono<AppEnv> {
  const completionSchema = createCompletionRequestSchema(limits);
  const routes = new Hono<AppEnv>();

  routes.post("/v1/chat/completions", async (c) => {
    const body = await readJson(c, completionSchema);
    const result = await service.complete(body, body.session_id ?? sessionHeader(c), requestScope(c, body.user));
    const headers = sessionHeaders(result.sessionId);
    if (result.kind === "json") return c.json(result.completion, 200, headers);
    return new Response(result.body, { status: 200, headers: { ...eventStreamHeaders, ...headers } });
  });

  routes.get("/v1/models", async (c) => c.json(await service.models(c.req.raw.signal)));

  routes.post("/chat", async (c) => {
    const body = await readJson(c, chatRequestSchema);
    const result = await service.reply({ message: body.message, sessionId: body.session_id ?? sessionHeader(c) }, requestScope(c));
    return c.json({ response: result.response, engine: result.engine, session_id: result.sessionId }, 200, sessionHeaders(result.sessionId));
  });

  return routes;
}


/** `X-Session-Id` names the conversation for clients that cannot add body fields (e.g. a stock OpenAI SDK call). */
function sessionHeader(c: AppContext): string | undefined {
  const value = c.req.header("x-session-id");
  if (value === undefined) return undefined;
  if (!sessionIdPattern.test(value)) {
    throw validationFailed([{ path: "X-Session-Id", message: "use 1 to 128 letters, digits, `_`, `.`, `:` or `-`" }]);
  }
  return value;
}

function sessionHeaders(sessionId: string | undefined): Record<string, string> {
  return sessionId === undefined ? {} : { "X-Archive-Session": sessionId };
}
