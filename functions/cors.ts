import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.js";

/**
 * CORS for browser apps (ARCHIVE_CORS_ORIGINS). Mounted before auth: a browser's preflight carries
 * no credentials, so it must be answered without them, or no browser could ever send the real,
 * authenticated request. Only the origins listed get CORS headers; any other origin gets none
 * (the browser then refuses to hand the response to the page). No cookies are involved — Archive
 * authenticates with a bearer key — so credentials mode is never allowed.
 *
 * Requests without an `Origin` header (servers, SDKs in Node, curl) pass untouched: one header
 * lookup on the hot path.
 */
const allowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/**
 * What the SDKs send: the openai SDK adds `x-stainless-*` and `openai-*` headers, the AI SDK and
 * LangChain `authorization` and `content-type`, Archive's own `x-session-id` / `x-archive-user`.
 * A preflight that names its headers gets exactly those back, so a new SDK header also works.
 */
const defaultAllowedHeaders = "authorization, content-type, x-request-id, x-session-id, x-archive-user, openai-organization, openai-project, openai-beta";
/** Response headers a page may read. */
const exposedHeaders = "X-Request-Id, X-Archive-Session, Retry-After";
const preflightMaxAgeSeconds = "600";

export function createCors(origins: "*" | ReadonlySet<string> | null): MiddlewareHandler<AppEnv> {
  const allows = (origin: string) => origins === "*" || (origins !== null && origins.has(origin));
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    const allowed = origins !== null && allows(origin);
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined) {
      if (!allowed) return new Response(null, { status: 204, headers: { Vary: "Origin" } });
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Origin": origins === "*" ? "*" : origin,
          "Access-Control-Allow-Methods": allowedMethods,
          "Access-Control-Allow-Headers": c.req.header("access-control-request-headers") ?? defaultAllowedHeaders,
          "Access-Control-Max-Age": preflightMaxAgeSeconds,
          Vary: "Origin, Access-Control-Request-Headers",
        },
      });
    }
    await next();
    if (!allowed) return;
    const headers = {
      "Access-Control-Allow-Origin": origins === "*" ? "*" : origin,
      "Access-Control-Expose-Headers": exposedHeaders,
      Vary: "Origin",
    };
    try {
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    } catch (error) {
      // A Response straight from `fetch` has immutable headers; Hono copies it then.
      if (!(error instanceof TypeError)) throw error;
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
    }
  };
}
