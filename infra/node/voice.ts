import { createPoolVoiceBackend, type Synthesizer, type Transcriber } from "../../functions/voice/index.js";
import { createInferencePool, type InferencePool } from "../../gpu/pool.js";
import type { Clock } from "../../shared/clock.js";
import type { Config } from "../../functions/compose.js";
import type { Logger } from "../../shared/logger.js";
import { createNodeHttpTransport } from "./http-transport.js";
import { createFlite } from "./voice-flite.js";
import { aptPackages, createLocalSynthesizer, createLocalTranscriber } from "./voice-local.js";
import { findTool } from "./voice-process.js";

export interface NodeVoice {
  transcriber: Transcriber;
  synthesizer: Synthesizer;
  close(): Promise<void>;
}

/**
 * Voice backends on Node, one per direction: the pool of OpenAI-audio servers when
 * VOICE_STT_ENDPOINTS / VOICE_TTS_ENDPOINTS name some, the local tools otherwise.
 */
export function createNodeVoice(options: { config: Config; logger: Logger; clock: Clock }): NodeVoice {
  const { config, logger, clock } = options;
  const { voice } = config;
  const transport = createNodeHttpTransport();
  const pools: InferencePool[] = [];
  const stops: (() => void)[] = [];
  const poolFor = (endpoints: Config["voice"]["sttEndpoints"], model: string | undefined, component: string) => {
    if (endpoints.length === 0) return undefined;
    const pool = createInferencePool({
      endpoints,
      config: { ...config.inference, model },
      logger: logger.child({ component }),
      clock,
      fetch: transport.fetch,
      // Speech servers have no chat route to probe; their /health probe is what tells.
      generationProbe: false,
    });
    pools.push(pool);
    stops.push(pool.startProbing());
    return pool;
  };
  const remote = createPoolVoiceBackend({
    stt: poolFor(voice.sttEndpoints, voice.sttModel, "voice-stt-pool"),
    tts: poolFor(voice.ttsEndpoints, voice.ttsModel, "voice-tts-pool"),
    defaultVoice: voice.defaultVoice,
  });
  const flite = createFlite({ threads: voice.concurrency });
  const tools = { flite, sox: findTool("sox"), pocketsphinx: findTool("pocketsphinx_continuous") };
  // Said once at start, not only when the first request fails.
  if (!remote.transcriber) {
    for (const tool of ["pocketsphinx", "sox"] as const) {
      if (!tools[tool]) logger.warn("voice_tool_missing", { tool, install: `apt-get install -y ${aptPackages[tool]}` });
    }
  }
  return {
    transcriber: remote.transcriber ?? createLocalTranscriber(tools, voice),
    synthesizer: remote.synthesizer ?? createLocalSynthesizer(tools),
    async close() {
      for (const stop of stops) stop();
      for (const pool of pools) pool.close();
      transport.close();
      await flite.close();
    },
  };
}
