import type { Clock } from "../../shared/clock.js";
import { defineFunction, type HttpFunction } from "../http-function.js";
import { sandboxConfig, type SandboxSettings } from "./config.js";
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

/**
 * Code execution: `POST /sandbox/execute` in front of whichever backend the composition root
 * chose (bubblewrap on Node, the remote tier on Workers).
 */
export function createSandboxFunction(deps: { backend: SandboxBackend; config: SandboxConfig; clock: Clock }): HttpFunction {
  const service = createSandboxService(deps);
  return {
    name: "sandbox",
    routes: createSandboxRoutes(service),
    needs: [],
    checks: [createSandboxCheck(service, deps.clock)],
    metrics: [createSandboxMetricsSource(service)],
    // Chat's `run_code` tool.
    provides: { codeRunner: service },
  };
}

export type { SandboxSettings };

/** The runtime's backend: bubblewrap on Node, a remote Node tier (or none) on Workers. */
export const sandboxFunction = defineFunction<"sandbox", SandboxSettings, SandboxBackend>({
  name: "sandbox",
  config: sandboxConfig,
  create: ({ platform, adapter }) => createSandboxFunction({ backend: adapter, config: platform.config.sandbox, clock: platform.clock }),
});
