import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { matchedRoutes } from "hono/route";
import type { Redis } from "ioredis";
import { tapBody } from "../gpu/body-tap.js";
import type { Logger } from "../shared/logger.js";
import { AppError, isAppError, methodNotAllowed, notFound, payloadTooLarge, uriTooLong, clientClosedRequest } from "../shared/errors.js";
import { normalizeError, toOpenAIError, toProblem } from "../shared/problem.js";
import { fromRedisRefusal } from "../shared/redis-errors.js";
import { authenticate, publicPaths } from "./auth.js";
import type { AppContext, AppEnv } from "./app-env.js";
import { createCors } from "./cors.js";
import type { HttpFunction } from "./http-function.js";
import type { Platform, RedisLease } from "./platform.js";
import { createHealthRoutes } from "./health/routes.js";
import type { HealthService } from "./health/service.js";
import type { RequestMetrics } from "./health/request-metrics.js";

export interface RouterDeps {
  platform: Pick<Platform, "config" | "logger" | "ids" | "redis">;
  functions: readonly HttpFunction[];
  health: HealthService;
  requestMetrics: RequestMetrics;
}

const maxUrlChars = 8192;
const requestIdPattern = /^[\w.:-]{1,128}$/;

/** The one HTTP entry: ids, auth, limits, per-request Redis, every function, errors → problem+json. */
export function createRouter(deps: RouterDeps): Hono<AppEnv> {
  const { config, logger, ids, redis } = deps.platform;
  const app = new Hono<AppEnv>();
  const waitUntilOf = createWaitUntilLookup();

  app.use(async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && requestIdPattern.test(incoming) ? incoming : ids.next();
    c.set("requestId", requestId);
    c.set("logger", logger.child({ requestId }));
    let lease: Promise<RedisLease> | undefined;
    c.set("redis", (): Promise<Redis> => (lease ??= redis.acquire()).then((held) => held.redis));
    const deferred: Promise<unknown>[] = [];
    c.set("defer", (task) => void deferred.push(task));
    try {
      await next();
    } finally {
      stampRequestId(c, requestId);
      const response = releaseWhenDone(c.res, lease, deferred, c.get("logger"), lease && waitUntilOf(c));
      // Assigning c.res re-creates the Response in Hono; only do it when there is a new one.
      if (response !== c.res) c.res = response;
      const route = matchedRoutes(c).findLast((route) => route.method !== "ALL")?.path ?? "unmatched";
      deps.requestMetrics.record(route, c.res.status, performance.now() - started);
    }
  });

  // Before auth: a browser's preflight carries no key (see cors.ts).
  if (config.corsOrigins) app.use(createCors(config.corsOrigins));
  // Node refuses past 16 KB of URL and headers before the app sees them (infra/node/serve.ts answers
  // those); this bound holds on every runtime, and no route takes its input from a URL this long.
  app.use(async (c, next) => {
    if (c.req.url.length > maxUrlChars) throw uriTooLong(maxUrlChars);
    return next();
  });

  app.use(authenticate(config.auth.apiKeys, config.auth.metricsKey, publicPaths(deps.functions.map((fn) => fn.name))));

  // The largest limit a function declares for a path wins; everything else gets MAX_BODY_BYTES.
  // Each limit's middleware is built once, not per request.
  const limitFor = (maxSize: number) => ({
    maxSize,
    check: bodyLimit({ maxSize, onError: () => { throw payloadTooLarge(maxSize); } }),
  });
  const limits = deps.functions
    .flatMap((fn) => fn.bodyLimits ?? [])
    .map((limit) => ({ pathPrefix: limit.pathPrefix, ...limitFor(limit.maxBytes) }));
  const defaultLimit = limitFor(config.maxBodyBytes);
  app.use(async (c, next) => {
    const { maxSize, check } = limits.find((limit) => c.req.path.startsWith(limit.pathPrefix)) ?? defaultLimit;
    // A declared length is judged from the header alone, as bodyLimit would — but bodyLimit first
    // asks for `raw.body`, and on Node that makes @hono/node-server build a whole web Request
    // around the socket, which then also slows the body read. `raw.body` is only consulted to
    // refuse (a request without a body is never too large).
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (parseInt(declared, 10) > maxSize && c.req.raw.body) throw payloadTooLarge(maxSize);
      return next();
    }
    return check(c, next);
  });

  app.route("/", createHealthRoutes(deps.health, deps.functions));
  for (const fn of deps.functions) app.route("/", fn.routes);

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    throw allowed.length > 0
      ? methodNotAllowed(c.req.method, allowed)
      : notFound(`No route for ${c.req.method} ${c.req.path}`, "route_not_found");
  });

  app.onError((error, c) => {
    // A failure after the client left (an upload cut off mid-body) is the client's doing: 499, not a logged 500.
    const classified = isAppError(error) ? error : c.req.raw.signal.aborted ? clientClosedRequest(error) : (redis.outage?.() ?? fromRedisRefusal(error) ?? error);
    const appError = error instanceof HTTPException ? fromHttpException(error) : normalizeError(classified);
    const requestId = c.get("requestId") ?? "unknown";
    const requestLogger = c.get("logger") ?? logger;
    if (appError.status >= 500) requestLogger.error("request_failed", { status: appError.status, code: appError.code, error, cause: appError.cause });
    // A client that left is no failure of ours, but worth a line: 499, as nginx logs it.
    else if (appError.status === 499) requestLogger.info("client_closed_request", { status: 499, path: c.req.path });
    const headers = { ...appError.headers, "X-Request-Id": requestId };
    // OpenAI clients parse OpenAI's error body; everything else speaks RFC 9457.
    if (c.req.path.startsWith("/v1/")) return c.json(toOpenAIError(appError), appError.status as 400, headers);
    return c.body(JSON.stringify(toProblem(appError, requestId)), appError.status as 400, {
      ...headers,
      "Content-Type": "application/problem+json",
    });
  });

  return app;
}

function fromHttpException(error: HTTPException): AppError {
  return new AppError({ code: `http_${error.status}`, status: error.status, title: error.message || "HTTP error", detail: error.message });
}

/**
 * Releases the request's Redis lease once the response is complete. A stream outlives its
 * handler, so for event streams the lease is held until the body ends or the client goes away.
 */
function releaseWhenDone(
  response: Response,
  lease: Promise<RedisLease> | undefined,
  deferred: readonly Promise<unknown>[],
  logger: Logger,
  waitUntil: ((task: Promise<unknown>) => void) | undefined,
): Response {
  if (!lease) return response;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    // Deferred work (capture) may still be using the connection: it goes first.
    const done = Promise.allSettled(deferred)
      .then(() => lease)
      .then((held) => held.release())
      .catch((error: unknown) => logger.warn("redis_release_failed", { error }));
    waitUntil?.(done);
  };
  // Headers first: asking a @hono/node-server response for its body turns it into a full web Response.
  if (!response.headers.get("content-type")?.startsWith("text/event-stream") || !response.body) {
    release();
    return response;
  }
  // A tap, not another stream layer: the pool's stream carries it (see gpu/body-tap.ts).
  const body = tapBody(response.body, { end: release, error: release, cancel: release });
  return body === response.body ? response : new Response(body, response);
}

/** Workers' `executionCtx.waitUntil`, so deferred work survives the response; Node has none (Hono throws). */
/**
 * Workers hand each request an ExecutionContext; Node has none, and Hono's getter says so by
 * throwing — an Error with a stack trace per request, which with source maps costs more than the
 * rest of the router. An app runs on one runtime, so its first answer holds for all its requests.
 */
function createWaitUntilLookup(): (c: AppContext) => ((task: Promise<unknown>) => void) | undefined {
  let hasExecutionContext: boolean | undefined;
  return (c) => {
    if (hasExecutionContext === false) return undefined;
    try {
      const context = c.executionCtx;
      hasExecutionContext = true;
      return (task) => context.waitUntil(task);
    } catch {
      hasExecutionContext = false;
      return undefined;
    }
  };
}

/**
 * The response's headers are set in place; Hono's `c.header` would copy the whole finished
 * Response to do it. Only a Response with immutable headers (one straight from `fetch`) is copied.
 */
function stampRequestId(c: AppContext, requestId: string): void {
  try {
    c.res.headers.set("X-Request-Id", requestId);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    c.header("X-Request-Id", requestId);
  }
}

const patternCache = new WeakMap<object, { method: string; pattern: RegExp }[]>();

function allowedMethods(app: Hono<AppEnv>, path: string): string[] {
  let routes = patternCache.get(app);
  if (!routes) {
    routes = app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => ({
        method: route.method,
        pattern: new RegExp(`^${route.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+").replace(/\*/g, ".*")}$`),
      }));
    patternCache.set(app, routes);
  }
  return [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))];
}
