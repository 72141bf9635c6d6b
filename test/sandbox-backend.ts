import { createSandboxService, type SandboxService } from "../functions/sandbox/index.js";
import { createBwrapSandboxBackend } from "../infra/node/sandbox-bwrap.js";
import { systemClock } from "../shared/clock.js";
import { type ConfigSource } from "../shared/config.js";
import { loadConfig } from "../functions/compose.js";
import { silentLogger } from "../shared/logger.js";

/**
 * The real bubblewrap backend behind the real service, for tests. Each test file passes its own
 * SANDBOX_UID_BASE so files running in parallel never share a host uid (a uid's processes are
 * what the "nothing left behind" checks look for). A host that cannot sandbox fails the test with
 * the reason — there is no skipping, locally or in CI.
 */
export async function startBwrapSandbox(env: ConfigSource, options: { cgroups?: boolean } = {}): Promise<{ service: SandboxService; config: ReturnType<typeof loadConfig>["sandbox"]; close(): Promise<void> }> {
  const config = loadConfig(env).sandbox;
  const backend = createBwrapSandboxBackend({ config, logger: silentLogger, clock: systemClock, ...(options.cgroups === false ? { cgroupRoot: false } : {}) });
  const availability = await backend.availability();
  if (!availability.available) throw new Error(`The sandbox tests need a working bubblewrap: ${availability.reason}`);
  return { service: createSandboxService({ backend, config, clock: systemClock }), config, close: () => backend.close() };
}
