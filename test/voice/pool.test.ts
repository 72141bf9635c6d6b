import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVoiceEngineServers, wordErrors } from "../voice-support.js";
import { startVoiceHarness, type VoiceHarness } from "./voice-harness.js";

/**
 * The pool backend — the production path — against emulated OpenAI-audio servers on real ports
 * (the wire format of vLLM serving Whisper and of a TTS server, backed by the local tools), through
 * the official openai SDK.
 */
let engines: Awaited<ReturnType<typeof startVoiceEngineServers>>;
let harness: VoiceHarness;

beforeAll(async () => {
  engines = await startVoiceEngineServers();
  // A dead STT endpoint first: the pool fails over to the live one before any byte reaches the client.
  harness = await startVoiceHarness({
    ...engines.env,
    VOICE_STT_ENDPOINTS: `http://127.0.0.1:9,${engines.sttUrl}`,
    INFERENCE_CONNECT_TIMEOUT_MS: "2000",
  });
});
afterAll(async () => {
  await harness?.close();
  await engines?.close();
});

describe("voice, pool backend", () => {
  it("speaks and hears through OpenAI-audio servers, failing over past a dead one", { timeout: 60_000 }, async () => {
    const sentence = "Please call me back tomorrow morning.";
    const speech = await harness.client.audio.speech.create({ model: "tts-emulated", voice: "alloy", input: sentence, response_format: "wav" });
    expect(speech.headers.get("content-type")).toBe("audio/wav");
    const audio = new Uint8Array(await speech.arrayBuffer());
    for (let attempt = 0; attempt < 2; attempt++) {
      const transcription = await harness.client.audio.transcriptions.create({ file: await toFile(audio, "call.wav"), model: "whisper-emulated", response_format: "verbose_json" });
      expect(wordErrors(sentence, transcription.text).errors).toBeLessThanOrEqual(1);
      expect(transcription.duration).toBeGreaterThan(1);
    }
    const health = await (await harness.app.request("/voice/health")).json();
    expect(health.checks.voice).toMatchObject({ status: "ok", backends: { stt: "pool", tts: "pool" } });
  });

  it("passes the server's refusals on as 4xx and names the model it asked for", { timeout: 30_000 }, async () => {
    const unknownVoice = await harness.post("/v1/audio/speech", { body: JSON.stringify({ input: "hi", voice: "darth", response_format: "wav" }), headers: { "content-type": "application/json" } });
    expect(unknownVoice.status).toBe(400);
    expect((await unknownVoice.json()).error.message).toContain("darth");
    const wrongModel = await harness.post("/v1/audio/speech", { body: JSON.stringify({ model: "nope", input: "hi", response_format: "wav" }), headers: { "content-type": "application/json" } });
    expect(wrongModel.status).toBe(404);
    expect((await wrongModel.json()).error.message).toContain("nope");
  });
});

describe("voice, pool backend at its limit", () => {
  let busy: VoiceHarness;
  beforeAll(async () => {
    busy = await startVoiceHarness({ ...engines.env, VOICE_TTS_ENDPOINTS: `${engines.ttsUrl}#1`, INFERENCE_QUEUE_SIZE: "0" });
  });
  afterAll(async () => {
    await busy?.close();
  });

  it("answers 429 with Retry-After when the endpoint's slots and the queue are taken", { timeout: 60_000 }, async () => {
    const long = Array.from({ length: 30 }, (_, index) => `Sentence ${index + 1} keeps the speaker busy for a while.`).join(" ");
    const first = await busy.post("/v1/audio/speech", { body: JSON.stringify({ input: long, response_format: "pcm" }), headers: { "content-type": "application/json" } });
    expect(first.status).toBe(200);
    const second = await busy.post("/v1/audio/speech", { body: JSON.stringify({ input: "Me too.", response_format: "wav" }), headers: { "content-type": "application/json" } });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await first.arrayBuffer();
  });
});
