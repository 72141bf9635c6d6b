import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { defineContracts } from "./contract/all.js";
import { contractApiKeys, contractKeys, type ContractTarget } from "./contract/target.js";
import { startEmulatorProcess, type EmulatorProcess } from "./emulator-process.js";

let emulator: EmulatorProcess;
let dataDir: string;

// The real `npm start` path: its own redis-server, the emulated engine, real HTTP.
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "archive-contract-"));
  emulator = await startEmulatorProcess({ ARCHIVE_API_KEYS: contractApiKeys, ARCHIVE_DATA_DIR: dataDir });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const target = (): ContractTarget => ({
  name: "emulator",
  keys: contractKeys,
  baseUrl: emulator.baseUrl,
  coldStore: true,
  embeddingModel: "use-lite-512",
  fetch: (path, init) => fetch(`${emulator.baseUrl}${path}`, init),
});

describe("contract: emulator over HTTP", () => defineContracts(target));
