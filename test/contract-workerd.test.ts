import { afterAll, beforeAll, describe, inject } from "vitest";
import { composeNode, type NodeComposition } from "../infra/node/compose.js";
import { loadConfig } from "../functions/compose.js";
import { silentLogger } from "../shared/logger.js";
import { defineContracts } from "./contract/all.js";
import { serveHttp } from "../infra/node/serve.js";
import { contractApiKeys, contractKeys, type ContractTarget } from "./contract/target.js";
import { startEngineServer } from "./engine-server.js";
import { startVoiceEngineServers } from "./voice-support.js";
import { startWorkerd } from "./workerd.js";

let worker: Awaited<ReturnType<typeof startWorkerd>>;
let engine: Awaited<ReturnType<typeof startEngineServer>>;
let jobs: NodeComposition;
let sandboxTier: Awaited<ReturnType<typeof serveHttp>>;
let voice: Awaited<ReturnType<typeof startVoiceEngineServers>>;

// As deployed: the HTTP functions in workerd, the BullMQ workers on Node, one Redis between them,
// and a Node tier that runs the Worker's code executions under bubblewrap (SANDBOX_URL).
beforeAll(async () => {
  engine = await startEngineServer();
  // Voice in a Worker is the pool's: OpenAI-audio servers on real ports (the local tools behind them).
  voice = await startVoiceEngineServers();
  const env = {
    ...voice.env,
    REDIS_URL: inject("redisUrl"),
    REDIS_PREFIX: `contract-${crypto.randomUUID().slice(0, 8)}`,
    ARCHIVE_API_KEYS: contractApiKeys,
    INFERENCE_ENDPOINTS: engine.url,
    EMBEDDINGS: "pool",
    EMBEDDINGS_MODEL: engine.engine.model,
    LOG_LEVEL: "warn",
  };
  jobs = composeNode({ config: loadConfig({ ...env, SANDBOX_UID_BASE: "61200" }), redisUrl: env.REDIS_URL, logger: silentLogger, workers: true });
  await jobs.ready;
  sandboxTier = await serveHttp(jobs.app.fetch, "127.0.0.1", 0);
  worker = await startWorkerd({ ...env, SANDBOX_URL: sandboxTier.url, SANDBOX_API_KEY: contractKeys.alice });
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await sandboxTier?.close();
  await jobs?.close();
  await engine?.close();
  await voice?.close();
});

const target = (): ContractTarget => ({
  name: "workerd",
  keys: contractKeys,
  baseUrl: undefined,
  coldStore: false,
  embeddingModel: engine.engine.model,
  voiceBackend: "pool",
  fetch: (path, init) => worker.fetch(path, init),
});

describe("contract: workerd (Miniflare)", () => defineContracts(target));
