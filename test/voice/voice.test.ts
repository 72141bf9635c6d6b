import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { humWav, roundTripSentences, wordErrors } from "../voice-support.js";
import { readWavInfo } from "../../functions/voice/wav.js";
import { startVoiceHarness, type VoiceHarness } from "./voice-harness.js";

/**
 * The local backend as users meet it: the official openai SDK against Archive's /v1/audio routes,
 * flite (wasm) speaking and pocketsphinx listening, with the limits a public endpoint needs.
 */
let harness: VoiceHarness;
// This file's own temporary folder, so that what other test files leave meanwhile is not counted.
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "archive-voice-test-"));
  process.env.TMPDIR = scratch;
  harness = await startVoiceHarness();
});
afterAll(async () => {
  await harness?.close();
  await rm(scratch, { recursive: true, force: true });
});

const speak = async (input: string, response_format: "wav" | "pcm" | "flac" = "wav") =>
  new Uint8Array(await (await harness.client.audio.speech.create({ model: "tts-1", voice: "alloy", input, response_format })).arrayBuffer());

const multipart = (fields: Record<string, string | Blob>) => {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return { body: form };
};

describe("voice, local backend", () => {
  it("hears back what it said: five sentences round-trip with a word error rate of at most 10 %", { timeout: 120_000 }, async () => {
    let errors = 0;
    let words = 0;
    const heard: string[] = [];
    for (const sentence of roundTripSentences) {
      const audio = await speak(sentence);
      const transcription = await harness.client.audio.transcriptions.create({ file: await toFile(audio, "speech.wav"), model: "whisper-1", language: "en" });
      heard.push(transcription.text);
      const counted = wordErrors(sentence, transcription.text);
      errors += counted.errors;
      words += counted.words;
    }
    const wer = errors / words;
    console.info(`voice round trip: word error rate ${(wer * 100).toFixed(1)} % (${errors}/${words}) — ${JSON.stringify(heard)}`);
    expect(wer).toBeLessThanOrEqual(0.1);
  });

  it("speaks OpenAI's formats it can make and renders every transcript format", { timeout: 60_000 }, async () => {
    const wav = await speak("Good morning everyone.");
    const info = readWavInfo(wav);
    expect(info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect("durationSeconds" in info && info.durationSeconds).toBeGreaterThan(0.5);
    // pcm is OpenAI's: headerless 16-bit at 24 kHz, so 1.5 × the samples of the 16 kHz WAV.
    const pcm = await speak("Good morning everyone.", "pcm");
    expect(pcm.length / ("dataBytes" in info ? info.dataBytes : 1)).toBeCloseTo(1.5, 1);
    const flac = await speak("Good morning everyone.", "flac");
    expect(new TextDecoder().decode(flac.subarray(0, 4))).toBe("fLaC");

    const file = await toFile(wav, "morning.wav");
    const verbose = await harness.client.audio.transcriptions.create({ file, model: "whisper-1", response_format: "verbose_json" });
    expect(verbose.text).toMatch(/morning/);
    expect(verbose.language).toBe("en");
    expect(verbose.duration).toBeGreaterThan(0.5);
    expect(verbose.segments?.[0]).toMatchObject({ id: 0, text: expect.stringMatching(/morning/) });
    expect(verbose.segments![0]!.end).toBeGreaterThan(verbose.segments![0]!.start);
    const text = await harness.client.audio.transcriptions.create({ file: await toFile(wav, "m.wav"), model: "whisper-1", response_format: "text" });
    expect(String(text)).toMatch(/morning/);
    const srt = await harness.client.audio.transcriptions.create({ file: await toFile(wav, "m.wav"), model: "whisper-1", response_format: "srt" });
    expect(String(srt)).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\n.*morning/);
    const vtt = await harness.client.audio.transcriptions.create({ file: await toFile(wav, "m.wav"), model: "whisper-1", response_format: "vtt" });
    expect(String(vtt)).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> /);
  });

  it("keeps the original's routes: /voice/synthesize gives a WAV attachment, /voice/transcribe reads a FLAC too", { timeout: 60_000 }, async () => {
    const synthesized = await harness.post("/voice/synthesize", { body: new URLSearchParams({ text: "Good morning everyone." }) });
    expect(synthesized.status).toBe(200);
    expect(synthesized.headers.get("content-type")).toBe("audio/wav");
    expect(synthesized.headers.get("content-disposition")).toBe('attachment; filename="speech.wav"');
    const flac = new Uint8Array(await (await harness.post("/voice/synthesize", { body: JSON.stringify({ text: "Good morning everyone.", format: "flac" }), headers: { "content-type": "application/json" } })).arrayBuffer());
    const transcribed = await harness.post("/voice/transcribe?language=en", multipart({ audio: new Blob([flac]) }));
    expect(transcribed.status).toBe(200);
    expect(await transcribed.json()).toMatchObject({ text: expect.stringMatching(/morning/), language: "en", duration: expect.any(Number) });
  });

  it("streams long text: the first sentences arrive before the whole text is spoken", { timeout: 60_000 }, async () => {
    const text = Array.from({ length: 20 }, (_, index) => `This is sentence number ${index + 1} of a long answer.`).join(" ");
    const response = await harness.post("/v1/audio/speech", { body: JSON.stringify({ model: "tts-1", input: text, voice: "kal16", response_format: "wav" }), headers: { "content-type": "application/json" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBeNull();
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(chunks.length).toBeGreaterThan(2);
    const whole = new Uint8Array(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer());
    const info = readWavInfo(whole);
    expect("durationSeconds" in info && info.durationSeconds).toBeGreaterThan(15);
  });

  it("refuses what it cannot do with a clear 4xx in OpenAI's error shape", { timeout: 60_000 }, async () => {
    const speech = (body: Record<string, unknown>) => harness.post("/v1/audio/speech", { body: JSON.stringify({ model: "tts-1", voice: "alloy", input: "hi", ...body }), headers: { "content-type": "application/json" } });
    const mp3 = await speech({ response_format: "mp3" });
    expect(mp3.status).toBe(400);
    expect((await mp3.json()).error).toMatchObject({ message: expect.stringContaining("wav, pcm, flac"), code: "unsupported_response_format" });
    const voice = await speech({ voice: "darth" });
    expect(voice.status).toBe(400);
    expect((await voice.json()).error.message).toContain("kal16");
    const long = await speech({ input: "word ".repeat(1000) });
    expect(long.status).toBe(413);
    expect((await long.json()).error.message).toContain("VOICE_MAX_INPUT_CHARS");

    // An MP3 frame header: a format the local backend cannot read.
    const mp3Upload = await harness.post("/v1/audio/transcriptions", multipart({ file: new Blob([new Uint8Array([0xff, 0xfb, 0x90, 0x64, ...new Array(400).fill(0)])]), model: "whisper-1" }));
    expect(mp3Upload.status).toBe(400);
    expect((await mp3Upload.json()).error.message).toMatch(/MP3 audio cannot be transcribed here \(local backend\); send wav, flac, ogg/);
    const notAudio = await harness.post("/v1/audio/transcriptions", multipart({ file: new Blob(["just some text, not audio at all"]), model: "whisper-1" }));
    expect(notAudio.status).toBe(400);
    const noFile = await harness.post("/v1/audio/transcriptions", multipart({ model: "whisper-1" }));
    expect(noFile.status).toBe(400);
    expect((await noFile.json()).error.message).toContain("`file`");
    const badFormat = await harness.post("/v1/audio/transcriptions", multipart({ file: new Blob([humWav(1)]), response_format: "docx" }));
    expect(badFormat.status).toBe(422);
  });

  it("bounds uploads: 30 MB is a 413 before it is read, 20 minutes of audio a 413 naming the limit", { timeout: 60_000 }, async () => {
    const huge = new Uint8Array(30 << 20);
    huge.set(humWav(0.1).subarray(0, 44));
    const tooBig = await harness.post("/v1/audio/transcriptions", multipart({ file: new Blob([huge]), model: "whisper-1" }));
    expect(tooBig.status).toBe(413);
    const twentyMinutes = humWav(20 * 60);
    expect(twentyMinutes.length).toBeLessThan(harness.config.voice.maxUploadBytes);
    const tooLong = await harness.post("/v1/audio/transcriptions", multipart({ file: new Blob([twentyMinutes]), model: "whisper-1" }));
    expect(tooLong.status).toBe(413);
    expect((await tooLong.json()).error).toMatchObject({ code: "audio_too_long", message: expect.stringContaining("1200 s; the limit is 600 s") });
  });

  it("leaves nothing on disk once a request is done", { timeout: 60_000 }, async () => {
    await speak("Nothing should stay behind.");
    // flite writes its WAV into memory and sox/pocketsphinx work on pipes: no temporary file but the harness's own.
    const leftovers = (await readdir(scratch)).filter((name) => !name.startsWith("archive-harness-"));
    expect(leftovers).toEqual([]);
  });

  it("answers /voice/health with a real round trip and reports its figures in /metrics", { timeout: 60_000 }, async () => {
    const health = await harness.app.request("/voice/health");
    expect(health.status).toBe(200);
    const body = await health.json();
    expect(body).toMatchObject({ function: "voice", status: "healthy" });
    expect(body.checks.voice).toMatchObject({ status: "ok", backends: { stt: "local", tts: "local" }, said: "hello world", heard: expect.stringMatching(/hello|world/) });

    const metrics = await (await harness.app.request("/metrics")).json();
    expect(metrics.voice.backends).toEqual({ stt: "local", tts: "local" });
    expect(metrics.voice.transcribe.count).toBeGreaterThan(0);
    expect(metrics.voice.transcribe.audio_seconds).toBeGreaterThan(0);
    expect(metrics.voice.transcribe.real_time_factor_p50).toBeGreaterThan(0);
    expect(metrics.voice.synthesize.latency_ms.p99).toBeGreaterThanOrEqual(metrics.voice.synthesize.latency_ms.p50);
    expect(metrics.voice.requests).toContainEqual({ route: "/v1/audio/speech", status: 400, count: expect.any(Number) });
    const prometheus = await (await harness.app.request("/metrics/prometheus")).text();
    expect(prometheus).toMatch(/archive_voice_audio_seconds_total\{operation="transcribe"\} \d/);
  });
});

describe("voice, local backend at its concurrency limit", () => {
  let busy: VoiceHarness;
  beforeAll(async () => {
    busy = await startVoiceHarness({ VOICE_CONCURRENCY: "1", VOICE_QUEUE_SIZE: "0" });
  });
  afterAll(async () => {
    await busy?.close();
  });

  it("answers 429 with Retry-After beyond the limit, and serves again once the slot is free", { timeout: 60_000 }, async () => {
    const long = Array.from({ length: 30 }, (_, index) => `Sentence ${index + 1} keeps the speaker busy for a while.`).join(" ");
    const first = await busy.post("/v1/audio/speech", { body: JSON.stringify({ input: long, voice: "kal16", response_format: "pcm" }), headers: { "content-type": "application/json" } });
    expect(first.status).toBe(200);
    // The first stream holds the only slot until it is read to the end.
    const second = await busy.post("/v1/audio/speech", { body: JSON.stringify({ input: "Me too.", voice: "kal16", response_format: "wav" }), headers: { "content-type": "application/json" } });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await second.json()).error.code).toBe("too_many_requests");
    await first.arrayBuffer();
    const third = await busy.post("/v1/audio/speech", { body: JSON.stringify({ input: "Now it is my turn.", response_format: "wav" }), headers: { "content-type": "application/json" } });
    expect(third.status).toBe(200);
    await third.arrayBuffer();
  });
});
