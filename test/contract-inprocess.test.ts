import { afterAll, beforeAll, describe, inject } from "vitest";
import { composeNode, type NodeComposition } from "../infra/node/compose.js";
import { loadConfig } from "../shared/config.js";
import { silentLogger } from "../shared/logger.js";
import { defineContracts } from "./contract/all.js";
import { contractApiKeys, contractKeys, type ContractTarget } from "./contract/target.js";
import { startEngineServer } from "./engine-server.js";

let system: NodeComposition;
let engine: Awaited<ReturnType<typeof startEngineServer>>;

beforeAll(async () => {
  engine = await startEngineServer();
  const config = loadConfig({
    ARCHIVE_API_KEYS: contractApiKeys,
    REDIS_PREFIX: `contract-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
  });
  system = composeNode({ config, redisUrl: inject("redisUrl"), logger: silentLogger });
});

afterAll(async () => {
  await system?.close();
  await engine?.close();
});

const target = (): ContractTarget => ({
  name: "in-process",
  keys: contractKeys,
  baseUrl: undefined,
  fetch: async (path, init) => system.app.request(path, init),
});

describe("contract: in-process", () => defineContracts(target));
