import type { Hono } from "hono";
import type { AppEnv } from "./context.js";
import type { HealthCheck } from "./health/checks.js";

/**
 * One HTTP function as the router sees it: its routes (full paths, mounted at `/`), the health
 * checks it depends on (served at `/<name>/health`) and any route that accepts larger bodies.
 */
export interface ArchiveFunction {
  name: string;
  routes: Hono<AppEnv>;
  checks: readonly string[];
  /** Checks only `/<name>/health` runs: too costly for every `/health` (e.g. voice's real round trip). */
  ownChecks?: readonly HealthCheck[];
  bodyLimits?: readonly { pathPrefix: string; maxBytes: number }[];
}
