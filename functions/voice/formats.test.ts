import { describe, expect, it } from "vitest";
import { sniffAudioFormat } from "./audio-format.js";
import type { Synthesizer, Transcriber, Transcript } from "./backend.js";
import { createVoiceLimiter } from "./limiter.js";
import { renderTranscript } from "./transcript-format.js";
import { encodeWav, readWavInfo, wavHeader } from "./wav.js";

const transcript: Transcript = {
  text: "first part second part",
  language: "en",
  durationSeconds: 3725.5,
  segments: [
    { start: 0.25, end: 1.5, text: "first part" },
    { start: 3723.04, end: 3725.5, text: "second part" },
  ],
  model: "test",
};

describe("transcript formats", () => {
  it("times SubRip and WebVTT cues as players expect, past the first hour", () => {
    expect(renderTranscript(transcript, "srt").body).toBe("1\n00:00:00,250 --> 00:00:01,500\nfirst part\n\n2\n01:02:03,040 --> 01:02:05,500\nsecond part\n");
    expect(renderTranscript(transcript, "vtt").body).toBe("WEBVTT\n\n00:00:00.250 --> 00:00:01.500\nfirst part\n\n01:02:03.040 --> 01:02:05.500\nsecond part\n");
    expect(JSON.parse(renderTranscript(transcript, "json").body)).toEqual({ text: "first part second part" });
    expect(JSON.parse(renderTranscript(transcript, "verbose_json").body)).toMatchObject({ task: "transcribe", duration: 3725.5, segments: [{ id: 0, start: 0.25 }, { id: 1, end: 3725.5 }] });
  });
});

describe("audio files", () => {
  it("reads a WAV's duration from its header, including a streamed one of unknown length", () => {
    const wav = encodeWav(new Uint8Array(32000), 16000);
    expect(readWavInfo(wav)).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataOffset: 44, durationSeconds: 1 });
    const streamed = new Uint8Array(44 + 8000);
    streamed.set(wavHeader(8000, 0xffffffff));
    expect(readWavInfo(streamed)).toMatchObject({ durationSeconds: 0.5 });
    expect(readWavInfo(new TextEncoder().encode("RIFF....WAVEjunk"))).toEqual({ problem: "no data chunk" });
  });

  it("recognises containers by their first bytes, whatever the file is called", () => {
    const padded = (head: number[] | string) => {
      const bytes = new Uint8Array(32);
      bytes.set(typeof head === "string" ? new TextEncoder().encode(head) : head);
      return bytes;
    };
    expect(sniffAudioFormat(encodeWav(new Uint8Array(2), 8000))).toBe("wav");
    expect(sniffAudioFormat(padded("fLaC"))).toBe("flac");
    expect(sniffAudioFormat(padded("OggS"))).toBe("ogg");
    expect(sniffAudioFormat(padded("ID3"))).toBe("mp3");
    expect(sniffAudioFormat(padded([0xff, 0xfb, 0x90]))).toBe("mp3");
    expect(sniffAudioFormat(padded([0x1a, 0x45, 0xdf, 0xa3]))).toBe("webm");
    expect(sniffAudioFormat(padded("\0\0\0\x20ftypM4A "))).toBe("m4a");
    expect(sniffAudioFormat(padded("hello, plain text"))).toBeUndefined();
  });
});

describe("local backpressure", () => {
  it("queues up to its size, serves waiters in order as slots free, and refuses the rest with 429", async () => {
    let clock = 0;
    const limiter = createVoiceLimiter({ concurrency: 1, queueSize: 1, queueTimeoutMs: 60_000, now: () => clock });
    const releases: (() => void)[] = [];
    const order: string[] = [];
    const transcriber: Transcriber = {
      backend: "local",
      formats: ["wav"],
      transcribe: (request) =>
        new Promise((resolve) => {
          order.push(`start ${request.filename}`);
          releases.push(() => resolve({ text: request.filename, language: "en", durationSeconds: 1, segments: [], model: "m" }));
        }),
    };
    const synthesizer = {} as Synthesizer;
    const { transcriber: limited } = limiter.wrap({ transcriber, synthesizer });
    const call = (name: string) => limited.transcribe({ audio: new Uint8Array(), format: "wav", filename: name, model: undefined, language: undefined, prompt: undefined, temperature: undefined, signal: undefined });
    const first = call("a");
    const second = call("b");
    await expect(call("c")).rejects.toMatchObject({ status: 429, headers: { "Retry-After": expect.stringMatching(/^\d+$/) } });
    expect(limiter.snapshot()).toMatchObject({ in_flight: 1, queued: 1, rejected: 1 });
    clock = 2000;
    releases.shift()!();
    expect((await first).text).toBe("a");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(["start a", "start b"]);
    releases.shift()!();
    expect((await second).text).toBe("b");
    expect(limiter.snapshot()).toMatchObject({ in_flight: 0, queued: 0 });
  });
});
