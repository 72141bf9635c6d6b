import { z } from "zod";
import { defineConfigSlice, type SectionOf, integer, parseEndpoints } from "../../shared/config.js";

/** Voice's variables: the speech servers (or the local tools) and the bounds of one request. */
export const voiceConfig = defineConfigSlice(
  {
    VOICE_STT_ENDPOINTS: { schema: z.string().optional(), doc: "Base URLs of OpenAI-audio speech-to-text servers (vLLM with Whisper, Speaches), `url#N` as for INFERENCE_ENDPOINTS. Unset: the local backend (pocketsphinx)." },
    VOICE_TTS_ENDPOINTS: { schema: z.string().optional(), doc: "Base URLs of OpenAI-audio text-to-speech servers (`POST /v1/audio/speech`: vllm-omni, Speaches, Kokoro-FastAPI). Unset: the local backend (flite)." },
    VOICE_STT_MODEL: { schema: z.string().optional(), doc: "Transcription model to request from VOICE_STT_ENDPOINTS; default: the first the server lists at `/v1/models`." },
    VOICE_TTS_MODEL: { schema: z.string().optional(), doc: "Speech model to request from VOICE_TTS_ENDPOINTS; default: the first the server lists at `/v1/models`." },
    VOICE_DEFAULT_VOICE: { schema: z.string().min(1).max(64).optional(), doc: "Voice when a request names none; default `kal16` locally, `alloy` on the pool." },
    VOICE_MAX_UPLOAD_BYTES: { schema: integer(1024, 1 << 30).default(25 << 20), doc: "Largest audio upload (bytes, OpenAI's limit by default); larger gets 413." },
    VOICE_MAX_AUDIO_SECONDS: { schema: integer(1, 86400).default(600), doc: "Longest audio accepted for transcription (seconds); longer gets 413." },
    VOICE_MAX_INPUT_CHARS: { schema: integer(1, 1000000).default(4096), doc: "Most characters of text to synthesize in one request (OpenAI's limit by default)." },
    VOICE_CONCURRENCY: { schema: integer(1, 1024).default(2), doc: "Local backend: transcriptions and syntheses running at once (each is a CPU-bound process); the pool uses `url#N`." },
    VOICE_QUEUE_SIZE: { schema: integer(0, 100000).default(8), doc: "Local backend: requests allowed to wait for a slot (at most INFERENCE_QUEUE_TIMEOUT_MS); beyond it 429 + Retry-After." },
  },
  (raw, core, problems) => ({
    voice: {
      sttEndpoints: parseEndpoints(raw.VOICE_STT_ENDPOINTS, core.inference.concurrency, problems, "VOICE_STT_ENDPOINTS"),
      ttsEndpoints: parseEndpoints(raw.VOICE_TTS_ENDPOINTS, core.inference.concurrency, problems, "VOICE_TTS_ENDPOINTS"),
      sttModel: raw.VOICE_STT_MODEL,
      ttsModel: raw.VOICE_TTS_MODEL,
      defaultVoice: raw.VOICE_DEFAULT_VOICE,
      maxUploadBytes: raw.VOICE_MAX_UPLOAD_BYTES,
      maxAudioSeconds: raw.VOICE_MAX_AUDIO_SECONDS,
      maxInputChars: raw.VOICE_MAX_INPUT_CHARS,
      concurrency: raw.VOICE_CONCURRENCY,
      queueSize: raw.VOICE_QUEUE_SIZE,
    },
  }),
);

export type VoiceConfig = SectionOf<typeof voiceConfig>;
