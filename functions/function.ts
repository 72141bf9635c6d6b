import type { Hono } from "hono";
import type { AppEnv } from "./context.js";

/**
 * One HTTP function as the router sees it: its routes (full paths, mounted at `/`), the health
 * checks it depends on (served at `/<name>/health`) and any route that accepts larger bodies.
 */
export interface ArchiveFunction {
  name: string;
  routes: Hono<AppEnv>;
  checks: readonly string[];
  bodyLimits?: readonly { pathPrefix: string; maxBytes: number }[];
}
