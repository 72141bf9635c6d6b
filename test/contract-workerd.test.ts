import { afterAll, beforeAll, describe, inject } from "vitest";
import { defineContracts } from "./contract/all.js";
import { contractApiKeys, contractKeys, type ContractTarget } from "./contract/target.js";
import { startEngineServer } from "./engine-server.js";
import { startWorkerd } from "./workerd.js";

let worker: Awaited<ReturnType<typeof startWorkerd>>;
let engine: Awaited<ReturnType<typeof startEngineServer>>;

beforeAll(async () => {
  engine = await startEngineServer();
  worker = await startWorkerd({
    REDIS_URL: inject("redisUrl"),
    REDIS_PREFIX: `contract-${crypto.randomUUID().slice(0, 8)}`,
    ARCHIVE_API_KEYS: contractApiKeys,
    INFERENCE_ENDPOINTS: engine.url,
    EMBEDDINGS: "pool",
  });
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await engine?.close();
});

const target = (): ContractTarget => ({
  name: "workerd",
  keys: contractKeys,
  baseUrl: undefined,
  fetch: (path, init) => worker.fetch(path, init),
});

describe("contract: workerd (Miniflare)", () => defineContracts(target));
