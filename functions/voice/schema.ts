import { z } from "zod";
import type { SpeechFormat } from "./backend.js";

/** OpenAI's bounds for `speed`. */
export const minSpeed = 0.25;
export const maxSpeed = 4;
export const transcriptFormats = ["json", "text", "verbose_json", "srt", "vtt"] as const;
export type TranscriptFormat = (typeof transcriptFormats)[number];
export const speechFormats = ["wav", "pcm", "mp3", "opus", "flac", "aac"] as const satisfies readonly SpeechFormat[];
/** Room for the multipart envelope and the other fields around an upload of the maximum size. */
export const multipartEnvelopeBytes = 64 * 1024;

const voiceName = z.string().trim().min(1).max(64).regex(/^[\w.-]+$/, "letters, digits, `_`, `.` or `-`");
const speed = z.coerce.number().min(minSpeed).max(maxSpeed);
const format = z.string().trim().toLowerCase();

/** `POST /v1/audio/speech`, OpenAI's body. Unknown fields are ignored, as OpenAI does. */
export const speechRequestSchema = z.object({
  model: z.string().trim().min(1).max(256).optional(),
  input: z.string().min(1, "give the text to speak"),
  voice: voiceName.optional(),
  response_format: format.optional(),
  speed: speed.optional(),
  instructions: z.string().max(4096).optional(),
  stream_format: z.enum(["audio", "sse"]).optional(),
});

/** `POST /voice/synthesize`: the original's `text`, with the same optional knobs. */
export const synthesizeRequestSchema = z.object({
  text: z.string().min(1, "give the text to speak"),
  voice: voiceName.optional(),
  format: format.optional(),
  speed: speed.optional(),
});

/** The text fields of `POST /v1/audio/transcriptions` (the file is read separately). */
export const transcriptionFieldsSchema = z.object({
  model: z.string().trim().min(1).max(256).optional(),
  language: z.string().trim().toLowerCase().regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/, "an ISO-639-1 code such as `en`").optional(),
  prompt: z.string().max(4096).optional(),
  response_format: z.enum(transcriptFormats).optional(),
  temperature: z.coerce.number().min(0).max(1).optional(),
  stream: z.enum(["true", "false"]).optional(),
});

/** `POST /voice/chat`: the audio plus the conversation it belongs to and how to answer. */
export const voiceChatFieldsSchema = z.object({
  session_id: z.string().regex(/^[\w.:-]{1,128}$/, "1 to 128 letters, digits, `_`, `.`, `:` or `-`").optional(),
  language: transcriptionFieldsSchema.shape.language,
  voice: voiceName.optional(),
  response_format: format.optional(),
  speed: speed.optional(),
  user: z.string().max(256).optional(),
});
