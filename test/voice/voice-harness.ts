/**
 * Voice composed by test/harness.ts with the backends the Node root picks (infra/node/voice.ts:
 * the local tools, or the pool when VOICE_*_ENDPOINTS are set), and an openai SDK client that
 * calls the app in-process. Voice needs no Redis: a lease asked for anyway fails the request.
 */
import OpenAI from "openai";
import { loadConfig } from "../../functions/compose.js";
import { createNodeVoice } from "../../infra/node/voice.js";
import { systemClock } from "../../shared/clock.js";
import type { ConfigSource } from "../../shared/config.js";
import { createLogger } from "../../shared/logger.js";
import { harnessKeys, startHarness, type Harness } from "../harness.js";
import { requireVoiceTools } from "../voice-support.js";

export interface VoiceHarness extends Harness {
  client: OpenAI;
  /** A POST with a tenant's key. */
  post(path: string, init: RequestInit): Promise<Response>;
}

export async function startVoiceHarness(env: ConfigSource = {}): Promise<VoiceHarness> {
  requireVoiceTools();
  // The backends log before the harness exists; their lines join the harness's once it does.
  let logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const backends = createNodeVoice({ config: loadConfig({ ARCHIVE_API_KEYS: `${harnessKeys.alice}:alice`, ...env }), logger, clock: systemClock });
  const harness = await startHarness({ functions: ["voice"], voice: backends, env, redis: false }).catch(async (error: unknown) => {
    await backends.close();
    throw error;
  });
  harness.logs.unshift(...logs);
  logs = harness.logs;
  const { app } = harness;
  const closeHarness = harness.close;
  const client = new OpenAI({
    baseURL: "http://archive.invalid/v1",
    apiKey: harnessKeys.alice,
    maxRetries: 0,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      return app.request(url.pathname + url.search, init);
    },
  });
  return Object.assign(harness, {
    client,
    post: async (path: string, init: RequestInit) =>
      app.request(path, { method: "POST", ...init, headers: { authorization: `Bearer ${harnessKeys.alice}`, ...(init.headers as Record<string, string> | undefined) } }),
    close: async () => {
      await backends.close();
      await closeHarness();
    },
  });
}
