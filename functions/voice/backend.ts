/**
 * What a voice backend does, whatever runs it: the pool's OpenAI-audio servers (Whisper on vLLM,
 * a TTS server) or the local tools (flite in wasm, pocketsphinx). Routes and the voice turn only
 * ever see this interface; composition roots pick one per direction.
 */
export type AudioFormat = "wav" | "flac" | "ogg" | "mp3" | "webm" | "m4a";
export type SpeechFormat = "wav" | "pcm" | "mp3" | "opus" | "flac" | "aac";
/** `none`: nothing configured for that direction (Workers without VOICE_*_ENDPOINTS). */
export type BackendName = "local" | "pool" | "none";

export interface TranscribeRequest {
  audio: Uint8Array<ArrayBuffer>;
  format: AudioFormat;
  filename: string;
  model: string | undefined;
  /** ISO-639-1, e.g. `en`; undefined: the backend detects or assumes. */
  language: string | undefined;
  prompt: string | undefined;
  temperature: number | undefined;
  signal: AbortSignal | undefined;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  text: string;
  language: string;
  durationSeconds: number;
  segments: TranscriptSegment[];
  model: string;
}

export interface SpeechRequest {
  text: string;
  voice: string;
  format: SpeechFormat;
  /** 0.25 … 4, 1 = natural. */
  speed: number;
  model: string | undefined;
  signal: AbortSignal | undefined;
}

export interface Speech {
  /** Bytes as they are produced; long text is streamed, so the first sentence plays early. */
  body: ReadableStream<Uint8Array>;
  contentType: string;
  /** Known when the whole audio was produced before answering. */
  bytes: number | undefined;
  /** Seconds of audio, for metrics: settles when the stream ends (never, if it is cut off). */
  durationSeconds: Promise<number | undefined>;
}

export interface Transcriber {
  readonly backend: BackendName;
  /** Upload formats it reads; others are a 400 naming these. */
  readonly formats: readonly AudioFormat[];
  transcribe(request: TranscribeRequest): Promise<Transcript>;
}

export interface Synthesizer {
  readonly backend: BackendName;
  /** Output formats it produces; others are a 400 naming these. */
  readonly formats: readonly SpeechFormat[];
  readonly defaultVoice: string;
  synthesize(request: SpeechRequest): Promise<Speech>;
}

/** One backend per direction: a deployment may transcribe on the pool and speak locally. */
export interface VoiceBackend {
  transcriber: Transcriber;
  synthesizer: Synthesizer;
}
