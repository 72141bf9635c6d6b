import type { ChatScope } from "../chat/index.js";
import type { AppContext } from "../context.js";
import { resolveEndUser } from "../end-user.js";

/** The chat service's view of one request; the end user follows the rule of functions/end-user.ts. */
export function chatScopeOf(c: AppContext, bodyUser: string | null | undefined): ChatScope {
  return {
    tenant: c.get("tenant"),
    endUser: resolveEndUser(bodyUser, c.req.header("x-archive-user")),
    requestId: c.get("requestId"),
    redis: c.get("redis"),
    signal: c.req.raw.signal,
    logger: c.get("logger"),
    defer: c.get("defer"),
  };
}
