import { afterAll, beforeAll, describe } from "vitest";
import { defineContracts } from "./contract/all.js";
import { contractKeys, type ContractTarget } from "./contract/target.js";
import { startNodeSystem } from "./node-system.js";

let running: Awaited<ReturnType<typeof startNodeSystem>>;

// The Node composition root, workers included, called through `app.request` without a server.
beforeAll(async () => {
  running = await startNodeSystem();
}, 60_000);

afterAll(async () => {
  await running?.close();
});

const target = (): ContractTarget => ({
  name: "in-process",
  keys: contractKeys,
  baseUrl: undefined,
  coldStore: true,
  embeddingModel: "use-lite-512",
  voiceBackend: "local",
  fetch: async (path, init) => running.system.app.request(path, init),
});

describe("contract: in-process", () => defineContracts(target));
