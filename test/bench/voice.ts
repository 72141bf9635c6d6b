/**
 * Voice benchmark, local backend (flite in wasm for speech, pocketsphinx for transcription), for
 * an utterance of about 10 seconds: p50/p99 latency and real-time factor (processing time per
 * second of audio; below 1 is faster than real time) through the voice service, as a request
 * sees it minus HTTP. One request at a time; the first run of each is a warm-up and not counted.
 *
 *   npm run bench -- voice        or        npx tsx test/bench/voice.ts [--runs 10]
 */
import { composeModules, loadConfig } from "../../functions/compose.js";
import { readWavInfo, voiceFunction } from "../../functions/voice/index.js";
import { createNodeVoice } from "../../infra/node/voice.js";
import { systemClock } from "../../shared/clock.js";
import { silentLogger } from "../../shared/logger.js";
import { requireVoiceTools } from "../voice-support.js";
import { benchPlatform } from "./platform.js";

/** About ten seconds of speech in flite's kal16 voice. */
const utterance =
  "Archive keeps what you tell it and finds it again when you ask. This sentence is here so that the recording lasts about ten seconds, long enough to measure. Then it is read back once more.";

const percentile = (samples: number[], fraction: number) => {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? 0;
};
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function benchVoice(options: { runs?: number } = {}) {
  requireVoiceTools();
  const runs = options.runs ?? 10;
  const config = loadConfig({});
  const backends = createNodeVoice({ config, logger: silentLogger, clock: systemClock });
  // Composed as every runtime composes it; voice needs no Redis and no embedder.
  const { service } = composeModules([voiceFunction], benchPlatform({ config }), { voice: backends }, { serviceUrls: {} }).functions.voice;
  try {
    const synthesize = async () => {
      const speech = await service.synthesize({ text: utterance, voice: "kal16", format: "wav", fallbackFormat: "wav", signal: undefined });
      return new Uint8Array(await new Response(speech.body).arrayBuffer());
    };
    const measure = async <Result>(task: () => Promise<Result>) => {
      const started = performance.now();
      const result = await task();
      return { ms: performance.now() - started, result };
    };
    const audio = await synthesize();
    const info = readWavInfo(audio);
    if ("problem" in info) throw new Error(info.problem);
    const seconds = info.durationSeconds;

    const synthesisMs: number[] = [];
    const transcriptionMs: number[] = [];
    let heard = "";
    for (let run = 0; run <= runs; run++) {
      const spoken = await measure(synthesize);
      const transcribed = await measure(() => service.transcribe({ audio, filename: "bench.wav", language: "en", signal: undefined }));
      heard = transcribed.result.text;
      if (run === 0) continue; // warm-up: thread start, model load into the page cache
      synthesisMs.push(spoken.ms);
      transcriptionMs.push(transcribed.ms);
    }
    const row = (name: string, samples: number[]) => ({
      operation: name,
      audio_seconds: round(seconds, 2),
      p50_ms: Math.round(percentile(samples, 0.5)),
      p99_ms: Math.round(percentile(samples, 0.99)),
      real_time_factor_p50: round(percentile(samples, 0.5) / 1000 / seconds),
    });
    const rows = [row("synthesis (flite kal16, wasm)", synthesisMs), row("transcription (pocketsphinx en-us)", transcriptionMs)];
    const table = [
      `runs: ${runs} each after one warm-up; utterance ${round(seconds, 2)} s; heard back: "${heard}"`,
      "",
      "| operation | audio (s) | p50 (ms) | p99 (ms) | real-time factor (p50) |",
      "|---|---|---|---|---|",
      ...rows.map((entry) => `| ${entry.operation} | ${entry.audio_seconds} | ${entry.p50_ms} | ${entry.p99_ms} | ${entry.real_time_factor_p50} |`),
    ].join("\n");
    return { name: "voice", table, rows, heard };
  } finally {
    await backends.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runsFlag = process.argv.indexOf("--runs");
  const result = await benchVoice({ runs: runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : undefined });
  process.stdout.write(`${result.table}\n`);
}
