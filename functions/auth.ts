import type { MiddlewareHandler } from "hono";
import { unauthorized } from "../shared/errors.js";
import type { AppEnv } from "./app-env.js";

export const defaultTenant = "default";

/**
 * Paths anyone may read: the index, health (aggregate status only) and each mounted function's
 * health — exactly those, and only to read. A pattern would let `DELETE /memories/health` through
 * to `DELETE /memories/:id` unauthenticated.
 */
export function publicPaths(functionNames: readonly string[]): ReadonlySet<string> {
  return new Set(["/", "/health", ...functionNames.map((name) => `/${name}/health`)]);
}

/** The web UI's static files: the page asks for the key itself and holds no data. */
const isUiAsset = (path: string) => path === "/ui" || path.startsWith("/ui/");

const isRead = (method: string) => method === "GET" || method === "HEAD";

export const isMetricsPath = (path: string) => path === "/metrics" || path === "/metrics/prometheus";

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Constant-time comparison so a wrong key's response time says nothing about the right one. */
function sameSecret(left: string, right: string): boolean {
  const a = new TextEncoder().encode(left);
  const b = new TextEncoder().encode(right);
  let difference = a.length ^ b.length;
  for (let index = 0; index < Math.max(a.length, b.length); index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}

/**
 * Bearer-token identity (what the OpenAI SDK sends). With no keys configured, auth is off and
 * everyone is the `default` tenant; composition roots only allow that on loopback.
 */
export function authenticate(
  apiKeys: ReadonlyMap<string, string> | null,
  metricsKey: string | undefined,
  open: ReadonlySet<string>,
): MiddlewareHandler<AppEnv> {
  const entries = apiKeys ? [...apiKeys] : [];
  return async (c, next) => {
    const path = c.req.path;
    const token = bearerToken(c.req.header("authorization"));
    if (isMetricsPath(path) && metricsKey) {
      if (!token || !sameSecret(token, metricsKey)) throw unauthorized("Send the metrics key as `Authorization: Bearer <key>`");
      c.set("tenant", defaultTenant);
      return next();
    }
    if (!apiKeys || (isRead(c.req.method) && (open.has(path) || isUiAsset(path) || isMetricsPath(path)))) {
      c.set("tenant", defaultTenant);
      return next();
    }
    if (!token) throw unauthorized("Missing API key: send `Authorization: Bearer <key>`");
    let tenant: string | undefined;
    for (const [key, owner] of entries) if (sameSecret(token, key)) tenant = owner;
    if (!tenant) throw unauthorized("Invalid API key");
    c.set("tenant", tenant);
    return next();
  };
}
