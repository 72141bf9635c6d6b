import OpenAI, { toFile } from "openai";
import { describe, expect, it } from "vitest";
import { wordErrors } from "../voice-support.js";
import { jsonBody, type ContractTarget } from "./target.js";

/**
 * Voice over HTTP, the same on every runtime: the local tools in-process and in the emulator, the
 * pool's OpenAI-audio servers in workerd (flite and pocketsphinx cannot run in a Worker).
 */
export default function voiceContract(target: () => ContractTarget) {
  describe("voice", () => {
    const client = () =>
      new OpenAI({
        baseURL: "http://archive.invalid/v1",
        apiKey: target().keys.alice,
        maxRetries: 0,
        // `Response` tells the SDK which FormData its fetch understands (it probes otherwise).
        fetch: Object.assign(
          async (input: string | URL | Request, init?: RequestInit) => {
            const url = new URL(input instanceof Request ? input.url : input.toString());
            return target().fetch(url.pathname + url.search, await encodeForm(init));
          },
          { Response },
        ),
      });

    it("speaks and hears back through the OpenAI audio routes", { timeout: 60_000 }, async () => {
      const sentence = "I would like a cup of coffee with milk.";
      const speech = await client().audio.speech.create({ model: "tts-1", voice: "alloy", input: sentence, response_format: "wav" });
      const audio = new Uint8Array(await speech.arrayBuffer());
      expect(new TextDecoder().decode(audio.subarray(0, 4))).toBe("RIFF");
      const transcription = await client().audio.transcriptions.create({ file: await toFile(audio, "coffee.wav"), model: "whisper-1", language: "en" });
      expect(wordErrors(sentence, transcription.text).errors).toBeLessThanOrEqual(1);
    });

    it("says which backend does what, from a real round trip", { timeout: 60_000 }, async () => {
      const response = await target().fetch("/voice/health");
      expect(response.status).toBe(200);
      const body = await response.json();
      const backend = target().voiceBackend;
      expect(body.checks.voice).toMatchObject({ status: "ok", backends: { stt: backend, tts: backend } });
    });

    it("refuses an unknown format and text over the limit in OpenAI's error shape", async () => {
      const { alice } = target().keys;
      const format = await target().fetch("/v1/audio/speech", jsonBody(alice, { input: "hello", response_format: "docx" }));
      expect(format.status).toBe(400);
      expect((await format.json()).error).toMatchObject({ code: "unsupported_response_format", message: expect.stringContaining("wav") });
      const long = await target().fetch("/v1/audio/speech", jsonBody(alice, { input: "word ".repeat(1000) }));
      expect(long.status).toBe(413);
      const upload = await target().fetch("/voice/transcribe", jsonBody(alice, { audio: "not a file" }));
      expect(upload.status).toBe(415);
      expect(upload.headers.get("content-type")).toBe("application/problem+json");
    });
  });
}

/** Miniflare's dispatchFetch does not recognise this runtime's FormData: send it encoded, as a network would. */
async function encodeForm(init: RequestInit | undefined): Promise<RequestInit | undefined> {
  if (!(init?.body instanceof FormData)) return init;
  const encoded = new Response(init.body);
  const headers = new Headers(init.headers);
  headers.set("content-type", encoded.headers.get("content-type") ?? "multipart/form-data");
  return { ...init, headers, body: await encoded.arrayBuffer() };
}
