import type { RequestScope } from "../request-scope.js";
import type { Clock } from "../../shared/clock.js";
import type { VoiceConfig } from "./config.js";
import { AppError, badRequest } from "../../shared/errors.js";
import type { ChatService } from "../chat/index.js";
import { sniffAudioFormat } from "./audio-format.js";
import type { Speech, SpeechFormat, Transcript, VoiceBackend } from "./backend.js";
import type { VoiceMetrics } from "./metrics.js";
import { readWavInfo } from "./wav.js";


export interface VoiceServiceDeps {
  backend: VoiceBackend;
  /** The chat path (memory, retrieval, capture) a voice turn goes through; absent: no `/voice/chat`. */
  chat?: Pick<ChatService, "reply"> | undefined;
  config: Pick<VoiceConfig, "voice">;
  clock: Clock;
  metrics: VoiceMetrics;
}

export interface TranscribeInput {
  audio: Uint8Array<ArrayBuffer>;
  filename: string;
  model?: string | undefined;
  language?: string | undefined;
  prompt?: string | undefined;
  temperature?: number | undefined;
  signal: AbortSignal | undefined;
}

export interface SynthesizeInput {
  text: string;
  voice?: string | undefined;
  /** Undefined: `fallbackFormat` if the backend makes it, else the backend's first. */
  format?: string | undefined;
  fallbackFormat: SpeechFormat;
  speed?: number | undefined;
  model?: string | undefined;
  signal: AbortSignal | undefined;
}

export interface VoiceTurn {
  transcript: Transcript;
  reply: string;
  engine: string;
  sessionId: string;
  speech: { format: SpeechFormat; contentType: string; audio: Uint8Array };
}

export interface VoiceService {
  transcribe(input: TranscribeInput): Promise<Transcript>;
  synthesize(input: SynthesizeInput): Promise<Speech & { format: SpeechFormat }>;
  chat(input: TranscribeInput & { sessionId: string | undefined; voice?: string | undefined; format?: string | undefined; speed?: number | undefined }, scope: RequestScope): Promise<VoiceTurn>;
}

export function createVoiceService(deps: VoiceServiceDeps): VoiceService {
  const { transcriber, synthesizer } = deps.backend;
  const limits = deps.config.voice;

  const transcribe: VoiceService["transcribe"] = async (input) => {
    if (input.audio.length > limits.maxUploadBytes) throw audioTooLarge(input.audio.length, limits.maxUploadBytes);
    if (input.audio.length === 0) throw badRequest("The audio file is empty", "empty_audio");
    const format = sniffAudioFormat(input.audio);
    if (!format || !transcriber.formats.includes(format)) {
      throw new AppError({
        code: "unsupported_audio_format",
        status: 400,
        title: "Bad Request",
        detail: `${format ? `${format.toUpperCase()} audio` : `"${input.filename}" is not audio this server recognises; it`} cannot be transcribed here (${transcriber.backend} backend); send ${transcriber.formats.join(", ")}`,
      });
    }
    if (format === "wav") {
      const info = readWavInfo(input.audio);
      if ("problem" in info) throw badRequest(`The WAV file cannot be read: ${info.problem}`, "invalid_audio");
      if (info.durationSeconds > limits.maxAudioSeconds) throw audioTooLong(info.durationSeconds, limits.maxAudioSeconds);
    }
    const started = deps.clock.now();
    const transcript = await transcriber.transcribe({
      audio: input.audio,
      format,
      filename: input.filename,
      model: input.model,
      language: input.language,
      prompt: input.prompt,
      temperature: input.temperature,
      signal: input.signal,
    });
    // Compressed uploads are measured once decoded; the backend reports what it heard.
    if (transcript.durationSeconds > limits.maxAudioSeconds) throw audioTooLong(transcript.durationSeconds, limits.maxAudioSeconds);
    deps.metrics.recordOperation("transcribe", deps.clock.now() - started, transcript.durationSeconds);
    return transcript;
  };

  const synthesize: VoiceService["synthesize"] = async (input) => {
    if (input.text.trim() === "") throw badRequest("The text to speak is empty", "empty_input");
    if (input.text.length > limits.maxInputChars) {
      throw new AppError({
        code: "input_too_large",
        status: 413,
        title: "Payload Too Large",
        detail: `The text holds ${input.text.length} characters; the limit is ${limits.maxInputChars} (VOICE_MAX_INPUT_CHARS). Split it into several requests`,
      });
    }
    const format = resolveFormat(input.format, input.fallbackFormat, synthesizer.formats, synthesizer.backend);
    const started = deps.clock.now();
    const speech = await synthesizer.synthesize({
      text: input.text,
      voice: input.voice ?? limits.defaultVoice ?? synthesizer.defaultVoice,
      format,
      speed: input.speed ?? 1,
      model: input.model,
      signal: input.signal,
    });
    speech.durationSeconds
      .then((seconds) => deps.metrics.recordOperation("synthesize", deps.clock.now() - started, seconds))
      .catch(() => undefined); // a stream that broke off is not a synthesis to measure
    return { ...speech, format };
  };

  return {
    transcribe,
    synthesize,

    async chat(input, scope) {
      if (!deps.chat) throw new AppError({ code: "voice_chat_unavailable", status: 501, title: "Not Implemented", detail: "Voice chat is not wired in this deployment" });
      const transcript = await transcribe(input);
      if (transcript.text.trim() === "") throw badRequest("No speech was recognised in the audio; nothing to answer", "no_speech");
      const answer = await deps.chat.reply({ message: transcript.text, sessionId: input.sessionId }, scope);
      const speech = await synthesize({
        text: spokenPart(answer.response, limits.maxInputChars),
        voice: input.voice,
        format: input.format,
        fallbackFormat: "wav",
        speed: input.speed,
        signal: input.signal,
      });
      const audio = new Uint8Array(await new Response(speech.body).arrayBuffer());
      return {
        transcript,
        reply: answer.response,
        engine: answer.engine,
        sessionId: answer.sessionId,
        speech: { format: speech.format, contentType: speech.contentType, audio },
      };
    },
  };
}

function resolveFormat(requested: string | undefined, fallback: SpeechFormat, supported: readonly SpeechFormat[], backend: string): SpeechFormat {
  if (requested === undefined) return supported.includes(fallback) ? fallback : supported[0]!;
  const match = supported.find((format) => format === requested);
  if (match) return match;
  throw new AppError({
    code: "unsupported_response_format",
    status: 400,
    title: "Bad Request",
    detail: `response_format "${requested}" cannot be produced here (${backend} backend); use ${supported.join(", ")}`,
    errors: [{ path: "response_format", message: `one of ${supported.join(", ")}` }],
  });
}

/** A reply longer than one synthesis may hold is spoken up to its last whole sentence that fits. */
function spokenPart(reply: string, maxChars: number): string {
  if (reply.length <= maxChars) return reply;
  const cut = reply.slice(0, maxChars);
  const sentenceEnd = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("? "), cut.lastIndexOf("! "));
  return sentenceEnd > 0 ? cut.slice(0, sentenceEnd + 1) : cut;
}

const audioTooLarge = (bytes: number, limit: number) =>
  new AppError({ code: "payload_too_large", status: 413, title: "Payload Too Large", detail: `The audio is ${bytes} bytes; the limit is ${limit} (VOICE_MAX_UPLOAD_BYTES)` });

export const audioTooLong = (seconds: number, limit: number) =>
  new AppError({
    code: "audio_too_long",
    status: 413,
    title: "Payload Too Large",
    detail: `The audio lasts ${Math.round(seconds)} s; the limit is ${limit} s (VOICE_MAX_AUDIO_SECONDS). Split it into shorter files`,
  });
