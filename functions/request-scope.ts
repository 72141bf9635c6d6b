import type { Redis } from "ioredis";
import type { Logger } from "../shared/logger.js";
import type { AppContext } from "./app-env.js";
import { defaultEndUser } from "./chat/index.js";
import { resolveEndUser } from "./end-user.js";

/**
 * Who a call acts for and what it may use: the one per-call context every service takes, from an
 * HTTP request (`requestScope`) or a job (`jobScope`).
 */
export interface RequestScope {
  tenant: string;
  /** The person inside the tenant (OpenAI `user` or `X-Archive-User`; the default end user without one). */
  endUser: string;
  requestId: string;
  /** Connects on first use; calls that need no Redis never touch it. */
  redis: () => Promise<Redis>;
  /** The client's disconnect (or a job's shutdown): cancels the work in flight. */
  signal: AbortSignal | undefined;
  logger: Logger;
  /** Work that may outlive the response (memory capture); its Redis lease is held until it settles. */
  defer: (task: Promise<unknown>) => void;
}

/** The scope of an HTTP request; `bodyUser` is OpenAI's `user` field where the body has one. */
export function requestScope(c: AppContext, bodyUser?: string | null): RequestScope {
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

export interface JobScopeOptions {
  logger: Logger;
  /** Absent: the tenant's default end user (the library is tenant-wide; old memory jobs name none). */
  endUser?: string | undefined;
  /** The job id, or the request id of the request the work belongs to (chat's retrieval). */
  requestId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The scope of work outside an HTTP request (a job, the drop folder, chat's retrievers), over a
 * Redis client the caller already holds. No response is outlived here, so deferred work is only
 * watched for failure: the caller's lease must cover it, as it covers the work itself.
 */
export function jobScope(redis: Redis, tenant: string, options: JobScopeOptions): RequestScope {
  const { logger } = options;
  return {
    tenant,
    endUser: options.endUser ?? defaultEndUser,
    requestId: options.requestId ?? "",
    redis: async () => redis,
    signal: options.signal,
    logger,
    defer: (task) => {
      task.catch((error: unknown) => logger.warn("deferred_task_failed", { error }));
    },
  };
}
