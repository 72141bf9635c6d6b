import type { Clock } from "../../shared/clock.js";
import { redactUrl } from "../../shared/redact.js";
import type { ChatService } from "../chat/index.js";
import type { CoreConfig } from "../../shared/config.js";
import { defineFunction, type HttpFunction } from "../http-function.js";
import { voiceConfig, type VoiceConfig } from "./config.js";
import type { Synthesizer, Transcriber, VoiceBackend } from "./backend.js";
import { createVoiceCheck } from "./health.js";
import { createVoiceLimiter } from "./limiter.js";
import { createVoiceMetrics } from "./metrics.js";
import { createVoiceRoutes } from "./routes.js";
import { multipartEnvelopeBytes } from "./schema.js";
import { createVoiceService, type VoiceService } from "./service.js";

export type { AudioFormat, BackendName, Speech, SpeechFormat, SpeechRequest, Synthesizer, Transcriber, TranscribeRequest, Transcript, TranscriptSegment, VoiceBackend } from "./backend.js";
export { sniffAudioFormat, speechContentTypes } from "./audio-format.js";
export { createPoolVoiceBackend, createUnconfiguredVoiceBackend, type VoicePool } from "./pool-backend.js";
export { audioTooLong } from "./service.js";
export { renderTranscript } from "./transcript-format.js";
export type { VoiceService } from "./service.js";
export { encodeWav, readWavInfo, wavHeader, type PcmInfo } from "./wav.js";

export interface VoiceFunctionDeps {
  transcriber: Transcriber;
  synthesizer: Synthesizer;
  /** Chat's service, for `/voice/chat` (one spoken exchange through memory and retrieval). */
  chat?: Pick<ChatService, "reply"> | undefined;
  config: VoiceConfig & Pick<CoreConfig, "maxBodyBytes"> & { inference: Pick<CoreConfig["inference"], "queueTimeoutMs"> };
  clock: Clock;
}

/** The HTTP function, plus its service for tools that drive it directly (the voice benchmark). */
export type VoiceFunction = HttpFunction & { service: VoiceService };

/** JSON escaping and multi-byte UTF-8 can make a body several times its character count. */
const bytesPerInputChar = 4;

/**
 * Voice: speech to text and text to speech on OpenAI's audio routes and the original's, and a
 * spoken chat turn. Local backends are CPU work on this machine, so they get a concurrency limit
 * here; the pool limits, queues and fails over on its own.
 */
export function createVoiceFunction(deps: VoiceFunctionDeps): VoiceFunction {
  const { voice } = deps.config;
  const limiter = createVoiceLimiter({
    concurrency: voice.concurrency,
    queueSize: voice.queueSize,
    queueTimeoutMs: deps.config.inference.queueTimeoutMs,
    now: () => deps.clock.now(),
  });
  const limited = limiter.wrap({ transcriber: deps.transcriber, synthesizer: deps.synthesizer });
  const backend: VoiceBackend = {
    transcriber: deps.transcriber.backend === "local" ? limited.transcriber : deps.transcriber,
    synthesizer: deps.synthesizer.backend === "local" ? limited.synthesizer : deps.synthesizer,
  };
  const backends = { stt: deps.transcriber.backend, tts: deps.synthesizer.backend };
  const metrics = createVoiceMetrics({ transcribe: backends.stt, synthesize: backends.tts });
  const service = createVoiceService({ backend, chat: deps.chat, config: deps.config, clock: deps.clock, metrics });

  const uploadBytes = voice.maxUploadBytes + multipartEnvelopeBytes;
  const textBytes = voice.maxInputChars * bytesPerInputChar + multipartEnvelopeBytes;
  const bodyLimits = [
    ...["/v1/audio/transcriptions", "/voice/transcribe", "/voice/chat"].map((pathPrefix) => ({ pathPrefix, maxBytes: uploadBytes })),
    ...["/v1/audio/speech", "/voice/synthesize"].map((pathPrefix) => ({ pathPrefix, maxBytes: textBytes })),
  ].filter((limit) => limit.maxBytes > deps.config.maxBodyBytes);

  return {
    name: "voice",
    routes: createVoiceRoutes({ service, metrics }),
    needs: [],
    ownChecks: [createVoiceCheck({ backend, clock: deps.clock })],
    bodyLimits,
    metrics: [metrics.source(() => ({ backends, local_slots: limiter.snapshot() }))],
    service,
  };
}

export type { VoiceConfig };

/** The runtime's backends (local tools on Node, the pool's audio servers anywhere); a spoken turn is a chat turn. */
export const voiceFunction = defineFunction<"voice", VoiceConfig, VoiceBackend, VoiceFunction>({
  name: "voice",
  config: voiceConfig,
  create: ({ platform, seams, adapter }) => createVoiceFunction({ ...adapter, chat: seams.chat, config: platform.config, clock: platform.clock }),
});

/** `/metrics` services[]: the voice servers without credentials, or what runs locally. */
export function voiceServiceUrl(config: Pick<VoiceConfig, "voice">): string {
  const urls = (endpoints: VoiceConfig["voice"]["sttEndpoints"], local: string) => endpoints.map((endpoint) => redactUrl(endpoint.url)).join(", ") || local;
  return `stt: ${urls(config.voice.sttEndpoints, "local")}; tts: ${urls(config.voice.ttsEndpoints, "local")}`;
}
