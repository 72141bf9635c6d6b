import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { composeNode, type NodeComposition } from "../infra/node/compose.js";
import { type ConfigSource } from "../shared/config.js";
import { loadConfig } from "../functions/compose.js";
import { silentLogger } from "../shared/logger.js";
import { contractApiKeys } from "./contract/target.js";
import { startEngineServer } from "./engine-server.js";

/**
 * The Node composition root, workers included, in this process (called through `app.request`),
 * in front of the emulated engine on a real port, the run's Redis and a fresh data folder.
 * Retrieval gets 2 s instead of chat's 300 ms: with speech tools and other suites sharing two
 * cores, a skipped retrieval would fail a test for the machine's load, not for Archive.
 */
export async function startNodeSystem(env: ConfigSource = {}): Promise<{ system: NodeComposition; close(): Promise<void> }> {
  const engine = await startEngineServer();
  const dataDir = await mkdtemp(join(tmpdir(), "archive-inprocess-"));
  const config = loadConfig({
    ARCHIVE_API_KEYS: contractApiKeys,
    ARCHIVE_DATA_DIR: dataDir,
    REDIS_PREFIX: `inprocess-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
    CHAT_RETRIEVAL_BUDGET_MS: "2000",
    ...env,
  });
  const system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger, workers: true });
  await system.ready;
  return {
    system,
    async close() {
      await system.close();
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
