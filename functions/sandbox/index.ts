import type { Clock } from "../../shared/clock.js";
import type { ArchiveFunction } from "../function.js";
import type { HealthCheck } from "../health/checks.js";
import type { MetricsSource } from "../health/metrics-source.js";
import type { SandboxBackend } from "./backend.js";
import { createSandboxCheck } from "./health.js";
import { createSandboxMetricsSource } from "./metrics.js";
import { createSandboxRoutes } from "./routes.js";
import { createSandboxService, type SandboxConfig, type SandboxService } from "./service.js";

export type { SandboxAvailability, SandboxBackend, SandboxFile, SandboxJob, SandboxLanguage, SandboxResult, SandboxStatus } from "./backend.js";
export { sandboxUnavailableCode, unavailableSandboxBackend } from "./backend.js";
export { createRemoteSandboxBackend, type RemoteSandboxOptions } from "./remote-backend.js";
export { executeSchema, maxCodeChars, maxFileChars, maxFiles, maxFilesTotalChars, maxStdinChars, type ExecuteRequest } from "./schema.js";
export { createSandboxService, type SandboxConfig, type SandboxFigures, type SandboxService } from "./service.js";

export interface SandboxFunction {
  fn: ArchiveFunction;
  /** Registered with the app's checks: `/sandbox/health` and `/health` run it. */
  check: HealthCheck;
  metricsSource: MetricsSource;
  /** For chat's `run_code` tool. */
  service: SandboxService;
}

/**
 * Code execution: `POST /sandbox/execute` in front of whichever backend the composition root
 * chose (bubblewrap on Node, the remote tier on Workers).
 */
export function createSandboxFunction(deps: { backend: SandboxBackend; config: SandboxConfig; clock: Clock }): SandboxFunction {
  const service = createSandboxService(deps);
  return {
    fn: { name: "sandbox", routes: createSandboxRoutes(service), checks: ["sandbox"] },
    check: createSandboxCheck(service),
    metricsSource: createSandboxMetricsSource(service),
    service,
  };
}
