/**
 * Test-only: the voice function in the real app with the backends a composition root would pick
 * (the local tools, or the pool when VOICE_*_ENDPOINTS are set), and an openai SDK client that
 * calls it in-process. Imported by `*.test.ts` files only.
 */
import OpenAI from "openai";
import { createNodeVoice } from "../../infra/node/voice.js";
import { createIdGenerator, systemClock } from "../../shared/clock.js";
import { type ConfigSource } from "../../shared/config.js";
import { loadConfig, type Config } from "../compose.js";
import { createLogger } from "../../shared/logger.js";
import { createRedisKeys } from "../../shared/redis-keys.js";
import { requireVoiceTools } from "../../test/voice-support.js";
import { createApp } from "../app.js";
import { createVoiceFunction, type VoiceFunction } from "./index.js";

export const voiceKey = "voice-key-0123456789";

export interface VoiceHarness {
  app: ReturnType<typeof createApp>;
  voice: VoiceFunction;
  config: Config;
  client: OpenAI;
  logs: Record<string, unknown>[];
  /** A request with the harness's key. */
  post(path: string, init: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export function startVoiceHarness(env: ConfigSource = {}): VoiceHarness {
  requireVoiceTools();
  const config = loadConfig({ ARCHIVE_API_KEYS: `${voiceKey}:alice`, ...env });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const clock = systemClock;
  const backends = createNodeVoice({ config, logger, clock });
  const voice = createVoiceFunction({ ...backends, config, clock });
  // Voice needs no Redis; a lease that is asked for anyway fails loudly.
  const redis = { acquire: () => Promise.reject(new Error("voice must not need Redis")) };
  const app = createApp({
    config,
    logger,
    clock,
    ids: createIdGenerator(clock),
    keys: createRedisKeys("voice-test"),
    redis,
    version: "0.0.0-test",
    startedAt: clock.now(),
    systemStats: () => null,
    // Voice uses its own backends; the chat pool is not part of this app.
    pool: { check: async () => ({ endpoints: [] }) },
    serviceUrls: {},
    functions: [voice.fn],
    metricsSources: [voice.metricsSource],
  });
  const client = new OpenAI({
    baseURL: "http://archive.invalid/v1",
    apiKey: voiceKey,
    maxRetries: 0,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      return app.request(url.pathname + url.search, init);
    },
  });
  return {
    app,
    voice,
    config,
    client,
    logs,
    post: async (path, init) => app.request(path, { method: "POST", ...init, headers: { authorization: `Bearer ${voiceKey}`, ...(init.headers as Record<string, string> | undefined) } }),
    close: () => backends.close(),
  };
}
