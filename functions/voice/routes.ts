import { Hono } from "hono";
import { matchedRoutes } from "hono/route";
import { badRequest, unsupportedMediaType } from "../../shared/errors.js";
import type { AppContext, AppEnv } from "../app-env.js";
import { parseWith, readJson } from "../http.js";
import { requestScope } from "../request-scope.js";
import type { Speech } from "./backend.js";
import type { VoiceMetrics } from "./metrics.js";
import { speechRequestSchema, synthesizeRequestSchema, transcriptionFieldsSchema, voiceChatFieldsSchema } from "./schema.js";
import type { VoiceService } from "./service.js";
import { renderTranscript } from "./transcript-format.js";

/** HTTP only: read the upload or the text, hand it to the service, shape the answer. */
export function createVoiceRoutes(options: { service: VoiceService; metrics: VoiceMetrics }): Hono<AppEnv> {
  const { service } = options;
  const routes = new Hono<AppEnv>();

  // Errors are answered by the router's onError inside `next`, so the status here is the client's.
  routes.use(async (c, next) => {
    await next();
    const route = matchedRoutes(c).findLast((entry) => entry.method !== "ALL")?.path ?? c.req.path;
    options.metrics.recordRequest(route, c.res.status);
  });

  routes.post("/v1/audio/transcriptions", async (c) => {
    const { file, fields } = await readUpload(c, ["file"]);
    const body = parseWith(transcriptionFieldsSchema, fields);
    if (body.stream === "true") throw badRequest("Streamed transcription is not supported; leave `stream` unset", "unsupported_stream");
    const transcript = await service.transcribe({ ...file, ...body, signal: c.req.raw.signal });
    const rendered = renderTranscript(transcript, body.response_format ?? "json");
    return c.body(rendered.body, 200, { "Content-Type": rendered.contentType });
  });

  routes.post("/v1/audio/speech", async (c) => {
    const body = await readJson(c, speechRequestSchema);
    if (body.stream_format === "sse") throw badRequest('stream_format "sse" is not supported; the audio itself is streamed (stream_format "audio")', "unsupported_stream_format");
    // OpenAI's default format is mp3; a backend that cannot make it answers in its own first format.
    const speech = await service.synthesize({ text: body.input, voice: body.voice, format: body.response_format, fallbackFormat: "mp3", speed: body.speed, model: body.model, signal: c.req.raw.signal });
    return audioResponse(speech, {});
  });

  // The original's routes: `audio` (or `file`) in, `{text, language, duration}` out.
  routes.post("/voice/transcribe", async (c) => {
    const { file, fields } = await readUpload(c, ["audio", "file"]);
    const body = parseWith(transcriptionFieldsSchema.pick({ language: true, prompt: true, model: true }), { ...c.req.query(), ...fields });
    const transcript = await service.transcribe({ ...file, ...body, signal: c.req.raw.signal });
    return c.json({ text: transcript.text, language: transcript.language, duration: transcript.durationSeconds, segments: transcript.segments, model: transcript.model });
  });

  routes.post("/voice/synthesize", async (c) => {
    const type = c.req.header("content-type") ?? "";
    const body = /json/i.test(type) || type === "" ? await readJson(c, synthesizeRequestSchema) : parseWith(synthesizeRequestSchema, formFields(await readForm(c)));
    const speech = await service.synthesize({ text: body.text, voice: body.voice, format: body.format, fallbackFormat: "wav", speed: body.speed, signal: c.req.raw.signal });
    return audioResponse(speech, { "Content-Disposition": `attachment; filename="speech.${speech.format}"` });
  });

  routes.post("/voice/chat", async (c) => {
    const { file, fields } = await readUpload(c, ["audio", "file"]);
    const body = parseWith(voiceChatFieldsSchema, fields);
    const sessionId = body.session_id ?? c.req.header("x-session-id");
    const turn = await service.chat({ ...file, ...body, format: body.response_format, sessionId, signal: c.req.raw.signal }, requestScope(c, body.user));
    return c.json(
      {
        transcript: turn.transcript.text,
        reply: turn.reply,
        engine: turn.engine,
        session_id: turn.sessionId,
        audio: { format: turn.speech.format, content_type: turn.speech.contentType, data: toBase64(turn.speech.audio) },
      },
      200,
      { "X-Archive-Session": turn.sessionId },
    );
  });

  return routes;
}

/** The audio file of a multipart form (the first of `names` present), or a raw `audio/*` body. */
async function readUpload(c: AppContext, names: readonly string[]) {
  const type = c.req.header("content-type") ?? "";
  if (/^audio\/|^application\/octet-stream/i.test(type)) {
    return { file: { audio: new Uint8Array(await c.req.arrayBuffer()), filename: c.req.query("filename") ?? "audio" }, fields: c.req.query() };
  }
  if (!/^multipart\/form-data/i.test(type)) {
    throw unsupportedMediaType(`Send the audio as multipart/form-data with a \`${names[0]}\` file${names[0] === "file" ? "" : ", or as a raw audio/* body"} (got ${type.split(";")[0] || "no content type"})`);
  }
  const form = await readForm(c);
  const value = names.map((name) => form.get(name)).find((entry) => entry !== null);
  if (!value || typeof value === "string") throw badRequest(`The form has no \`${names[0]}\` file; attach the audio under that name`, "missing_file");
  return { file: { audio: new Uint8Array(await value.arrayBuffer()), filename: (value as File).name || "audio" }, fields: formFields(form) };
}

async function readForm(c: AppContext): Promise<FormData> {
  try {
    return await c.req.raw.formData();
  } catch (error) {
    throw badRequest(`The form cannot be read: ${(error as Error).message}`, "invalid_form");
  }
}

/** The text fields of a form; `timestamp_granularities[]` and other repeated keys keep their first value. */
function formFields(form: FormData): Record<string, string> {
  const fields: Record<string, string> = {};
  form.forEach((value, key) => {
    if (typeof value === "string" && !(key in fields)) fields[key] = value;
  });
  return fields;
}

function audioResponse(speech: Speech & { format: string }, headers: Record<string, string>): Response {
  return new Response(speech.body, {
    status: 200,
    headers: {
      "Content-Type": speech.contentType,
      ...(speech.bytes === undefined ? {} : { "Content-Length": String(speech.bytes) }),
      ...headers,
    },
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}
