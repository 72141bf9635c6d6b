import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { composeNode, type NodeComposition } from "../infra/node/compose.js";
import { loadConfig } from "../shared/config.js";
import { silentLogger } from "../shared/logger.js";
import { defineContracts } from "./contract/all.js";
import { contractApiKeys, contractKeys, type ContractTarget } from "./contract/target.js";
import { startEngineServer } from "./engine-server.js";

let system: NodeComposition;
let engine: Awaited<ReturnType<typeof startEngineServer>>;
let dataDir: string;

// The Node composition root, workers included, called through `app.request` without a server.
beforeAll(async () => {
  engine = await startEngineServer();
  dataDir = await mkdtemp(join(tmpdir(), "archive-inprocess-"));
  const config = loadConfig({
    ARCHIVE_API_KEYS: contractApiKeys,
    ARCHIVE_DATA_DIR: dataDir,
    REDIS_PREFIX: `contract-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
  });
  system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger, workers: true });
  await system.ready;
}, 60_000);

afterAll(async () => {
  await system?.close();
  await engine?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const target = (): ContractTarget => ({
  name: "in-process",
  keys: contractKeys,
  baseUrl: undefined,
  coldStore: true,
  embeddingModel: "use-lite-512",
  fetch: async (path, init) => system.app.request(path, init),
});

describe("contract: in-process", () => defineContracts(target));
