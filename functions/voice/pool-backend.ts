import type { InferencePool } from "../../gpu/pool-types.js";
import { AppError } from "../../shared/errors.js";
import { engineError } from "../chat/index.js";
import { speechContentTypes } from "./audio-format.js";
import type { AudioFormat, SpeechFormat, Synthesizer, Transcriber, Transcript } from "./backend.js";
import { speechFormats } from "./schema.js";
import { readWavInfo } from "./wav.js";

/** What voice needs of a pool: one pool per direction, each with its own endpoints, limits and queue. */
export type VoicePool = Pick<InferencePool, "request" | "model">;

/** Whisper reads anything ffmpeg does; these are the containers OpenAI documents. */
const uploadFormats: readonly AudioFormat[] = ["wav", "flac", "ogg", "mp3", "webm", "m4a"];
/** A long file takes a while on any GPU: the headers come when the whole transcript is done. */
const transcriptionTimeoutMs = 300_000;

interface VerboseTranscription {
  text?: unknown;
  language?: unknown;
  duration?: unknown;
  segments?: { start?: unknown; end?: unknown; text?: unknown }[];
}

/**
 * OpenAI-audio servers behind the pool (vLLM with a Whisper model, Speaches, Kokoro-FastAPI,
 * vllm-omni): the production path. The same wire format OpenAI documents, so any of them fits.
 */
export function createPoolVoiceBackend(options: { stt?: VoicePool | undefined; tts?: VoicePool | undefined; defaultVoice?: string | undefined }): {
  transcriber: Transcriber | undefined;
  synthesizer: Synthesizer | undefined;
} {
  const { stt, tts } = options;
  return {
    transcriber: stt && createPoolTranscriber(stt),
    synthesizer: tts && createPoolSynthesizer(tts, options.defaultVoice ?? "alloy"),
  };
}

/** A runtime that cannot run the local tools (Workers) and has no servers for a direction. */
export function createUnconfiguredVoiceBackend(): { transcriber: Transcriber; synthesizer: Synthesizer } {
  const refuse = (variable: string) =>
    Promise.reject(new AppError({ code: "voice_not_configured", status: 501, title: "Not Implemented", detail: `Voice needs a server here: set ${variable}` }));
  return {
    transcriber: { backend: "none", formats: uploadFormats, transcribe: () => refuse("VOICE_STT_ENDPOINTS") },
    synthesizer: { backend: "none", formats: speechFormats, defaultVoice: "alloy", synthesize: () => refuse("VOICE_TTS_ENDPOINTS") },
  };
}

function createPoolTranscriber(pool: VoicePool): Transcriber {
  return {
    backend: "pool",
    formats: uploadFormats,
    async transcribe(request) {
      const model = request.model ?? (await pool.model(request.signal));
      const form = new FormData();
      form.append("file", new Blob([request.audio]), request.filename);
      form.append("model", model);
      // verbose_json carries language, duration and segments, which the other formats are rendered from.
      form.append("response_format", "verbose_json");
      if (request.language) form.append("language", request.language);
      if (request.prompt) form.append("prompt", request.prompt);
      if (request.temperature !== undefined) form.append("temperature", String(request.temperature));
      const encoded = new Response(form);
      const response = await pool.request("/v1/audio/transcriptions", {
        method: "POST",
        body: new Uint8Array(await encoded.arrayBuffer()),
        contentType: encoded.headers.get("content-type") ?? "multipart/form-data",
        signal: request.signal,
        timeoutMs: transcriptionTimeoutMs,
      });
      if (!response.ok) throw await engineError(response, "the transcription");
      return fromVerbose((await response.json()) as VerboseTranscription, model, request.audio);
    },
  };
}

function fromVerbose(body: VerboseTranscription, model: string, audio: Uint8Array): Transcript {
  const text = typeof body.text === "string" ? body.text.trim() : "";
  const segments = (body.segments ?? []).flatMap((segment) =>
    typeof segment.start === "number" && typeof segment.end === "number" && typeof segment.text === "string"
      ? [{ start: segment.start, end: segment.end, text: segment.text.trim() }]
      : [],
  );
  // A server that answers plain json has no duration: the WAV header or the last segment tells it.
  const wav = readWavInfo(audio);
  const duration = typeof body.duration === "number" ? body.duration : "problem" in wav ? (segments.at(-1)?.end ?? 0) : wav.durationSeconds;
  return { text, language: typeof body.language === "string" ? body.language : "en", durationSeconds: duration, segments, model };
}

function createPoolSynthesizer(pool: VoicePool, defaultVoice: string): Synthesizer {
  return {
    backend: "pool",
    formats: speechFormats,
    defaultVoice,
    async synthesize(request) {
      const model = request.model ?? (await pool.model(request.signal));
      const response = await pool.request("/v1/audio/speech", {
        method: "POST",
        body: { model, input: request.text, voice: request.voice, response_format: request.format, speed: request.speed },
        signal: request.signal,
      });
      if (!response.ok || !response.body) throw await engineError(response, "the speech synthesis");
      const measured = measurePcm(response.body, request.format);
      const length = response.headers.get("content-length");
      return {
        body: measured.body,
        contentType: response.headers.get("content-type") ?? speechContentTypes[request.format],
        bytes: length === null ? undefined : Number(length),
        durationSeconds: measured.durationSeconds,
      };
    },
  };
}

/** OpenAI's `pcm` is 24 kHz 16-bit mono; a WAV says its rate. Other formats are not measured. */
const openaiPcmRate = 24_000;

/** Passes the bytes through, counting them, so metrics learn the seconds of audio a stream held. */
function measurePcm(body: ReadableStream<Uint8Array>, format: SpeechFormat): { body: ReadableStream<Uint8Array>; durationSeconds: Promise<number | undefined> } {
  if (format !== "wav" && format !== "pcm") return { body, durationSeconds: Promise.resolve(undefined) };
  let bytes = 0;
  let first: Uint8Array | undefined;
  let settle!: (seconds: number | undefined) => void;
  const durationSeconds = new Promise<number | undefined>((resolve) => (settle = resolve));
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        first ??= chunk;
        bytes += chunk.length;
        controller.enqueue(chunk);
      },
      flush() {
        if (format === "pcm") return settle(bytes / 2 / openaiPcmRate);
        const info = first ? readWavInfo(first) : { problem: "empty" };
        settle("problem" in info ? undefined : (bytes - info.dataOffset) / (info.bitsPerSample / 8) / info.channels / info.sampleRate);
      },
    }),
  );
  // A stream cut off never flushes; an unsettled promise is simply never measured.
  return { body: counted, durationSeconds };
}
