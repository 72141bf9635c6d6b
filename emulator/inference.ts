import { serve, type ServerType } from "@hono/node-server";
import type { InferenceEndpointConfig } from "../shared/config.js";
import type { Config } from "../functions/compose.js";
import type { Logger } from "../shared/logger.js";
import { createEmulatedEngine } from "./engine/index.js";
import { freePort } from "./redis-launcher.js";

export const composeEngineUrl = "http://127.0.0.1:8000";

export interface ResolvedInference {
  /** Static endpoints, or undefined when a Modal source is configured. */
  endpoints: InferenceEndpointConfig[] | undefined;
  kind: "configured" | "modal" | "compose" | "emulated";
  close(): Promise<void>;
}

/**
 * The emulator's engine, in order of preference: configured endpoints (or Modal), the vLLM of
 * the compose file if something answers on :8000, else the emulated engine on a private port.
 */
export async function resolveInference(config: Config, logger: Logger): Promise<ResolvedInference> {
  const none = async () => undefined;
  if (config.inference.modal) return { endpoints: undefined, kind: "modal", close: none };
  if (config.inference.endpoints.length > 0) return { endpoints: config.inference.endpoints, kind: "configured", close: none };
  if (await answers(`${composeEngineUrl}/health`)) {
    return { endpoints: [{ url: composeEngineUrl, maxConcurrency: config.inference.concurrency }], kind: "compose", close: none };
  }
  const engine = createEmulatedEngine();
  const port = await freePort();
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: engine.fetch, hostname: "127.0.0.1", port }, () => resolve(started));
  });
  logger.warn("emulated_engine", {
    message: "No inference engine configured or running on :8000 — using the EMULATED engine. Replies are synthetic. Set INFERENCE_ENDPOINTS to use a real vLLM.",
    url: `http://127.0.0.1:${port}`,
  });
  return {
    endpoints: [{ url: `http://127.0.0.1:${port}`, maxConcurrency: config.inference.concurrency }],
    kind: "emulated",
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(500) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
