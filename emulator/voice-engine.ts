/**
 * An emulated OpenAI-audio server: what vLLM serving Whisper (`/v1/audio/transcriptions`) or a
 * TTS server such as vllm-omni or Speaches (`/v1/audio/speech`) puts on the wire, with vLLM's
 * `/health`, `/v1/models` and error bodies — backed by whatever backend is handed in (the local
 * tools in tests and benchmarks). It lets the pool backend be exercised end to end without a GPU.
 */
import { Hono } from "hono";
import { renderTranscript, sniffAudioFormat, type Synthesizer, type Transcriber } from "../functions/voice/index.js";
import { isAppError } from "../shared/errors.js";
import { engineErrorResponse, modelNotFoundResponse } from "./engine/errors.js";

export interface EmulatedVoiceEngineOptions {
  model: string;
  transcriber?: Transcriber;
  synthesizer?: Synthesizer;
}

export function createEmulatedVoiceEngine(options: EmulatedVoiceEngineOptions): Hono {
  const app = new Hono();
  const wrongModel = (requested: unknown) => (typeof requested === "string" && requested !== "" && requested !== options.model ? modelNotFoundResponse(requested) : null);

  app.get("/health", () => new Response(null, { status: 200 }));
  app.get("/v1/models", (c) =>
    c.json({ object: "list", data: [{ id: options.model, object: "model", created: 0, owned_by: "vllm", root: options.model, parent: null }] }),
  );

  const { transcriber, synthesizer } = options;
  if (transcriber) {
    app.post("/v1/audio/transcriptions", async (c) => {
      const form = await c.req.formData().catch(() => undefined);
      const file = form?.get("file");
      if (!form || !file || typeof file === "string") return engineErrorResponse("BadRequestError", "A multipart `file` is required", "file");
      const refused = wrongModel(form.get("model"));
      if (refused) return refused;
      const audio = new Uint8Array(await file.arrayBuffer());
      const format = sniffAudioFormat(audio);
      if (!format || !transcriber.formats.includes(format)) return engineErrorResponse("BadRequestError", "Invalid or unsupported audio file", "file");
      const language = form.get("language");
      const transcript = await transcriber.transcribe({
        audio,
        format,
        filename: (file as File).name || "audio",
        model: options.model,
        language: typeof language === "string" && language ? language : undefined,
        prompt: undefined,
        temperature: undefined,
        signal: c.req.raw.signal,
      });
      const requested = form.get("response_format");
      const responseFormat = requested === "text" || requested === "verbose_json" || requested === "srt" || requested === "vtt" ? requested : "json";
      const rendered = renderTranscript(transcript, responseFormat);
      return c.body(rendered.body, 200, { "Content-Type": rendered.contentType });
    });
  }

  if (synthesizer) {
    app.post("/v1/audio/speech", async (c) => {
      const body = (await c.req.json().catch(() => undefined)) as { model?: unknown; input?: unknown; voice?: unknown; response_format?: unknown; speed?: unknown } | undefined;
      if (!body || typeof body.input !== "string" || body.input === "") return engineErrorResponse("BadRequestError", "`input` is required", "input");
      const refused = wrongModel(body.model);
      if (refused) return refused;
      const format = synthesizer.formats.find((candidate) => candidate === (body.response_format ?? "wav"));
      if (!format) return engineErrorResponse("BadRequestError", `response_format must be one of ${synthesizer.formats.join(", ")}`, "response_format");
      const speech = await synthesizer.synthesize({
        text: body.input,
        voice: typeof body.voice === "string" ? body.voice : synthesizer.defaultVoice,
        format,
        speed: typeof body.speed === "number" ? body.speed : 1,
        model: options.model,
        signal: c.req.raw.signal,
      });
      return new Response(speech.body, { headers: { "Content-Type": speech.contentType } });
    });
  }

  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  // A refusal of the backend (an unknown voice) is the client's error, as a real server says it.
  app.onError((error) => engineErrorResponse(isAppError(error) && error.status < 500 ? "BadRequestError" : "InternalServerError", error.message));
  return app;
}
