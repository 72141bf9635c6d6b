import type { Context } from "hono";
import type { Redis } from "ioredis";
import type { Logger } from "../shared/logger.js";

/** What the router puts on every request's context. */
export interface AppVariables {
  requestId: string;
  /** Who is asking: from the API key, or `default` when auth is off. Every data key is scoped by it. */
  tenant: string;
  logger: Logger;
  /** Redis for this request, connected on first use and released when the response is done. */
  redis: () => Promise<Redis>;
  /**
   * Work that may outlive the response (e.g. memory capture). The request's Redis lease is held
   * until it settles, and on Workers the isolate is kept alive for it (`waitUntil`).
   */
  defer: (task: Promise<unknown>) => void;
}

export interface AppEnv {
  Variables: AppVariables;
}

export type AppContext = Context<AppEnv>;
