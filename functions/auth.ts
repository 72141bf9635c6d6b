import type { MiddlewareHandler } from "hono";
import { unauthorized } from "../shared/errors.js";
import type { AppEnv } from "./context.js";

export const defaultTenant = "default";

/**
 * Paths anyone may read: health (aggregate status only), the web UI's static files (the page
 * asks for the key itself; it holds no data) and, unless a metrics key is set, metrics.
 */
export function isPublicPath(path: string): boolean {
  return path === "/" || path === "/health" || /^\/[a-z-]+\/health$/.test(path) || path === "/ui" || path.startsWith("/ui/");
}

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
export function authenticate(apiKeys: ReadonlyMap<string, string> | null, metricsKey: string | undefined): MiddlewareHandler<AppEnv> {
  const entries = apiKeys ? [...apiKeys] : [];
  return async (c, next) => {
    const path = c.req.path;
    const token = bearerToken(c.req.header("authorization"));
    if (isMetricsPath(path) && metricsKey) {
      if (!token || !sameSecret(token, metricsKey)) throw unauthorized("Send the metrics key as `Authorization: Bearer <key>`");
      c.set("tenant", defaultTenant);
      return next();
    }
    if (!apiKeys || isPublicPath(path) || isMetricsPath(path)) {
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
