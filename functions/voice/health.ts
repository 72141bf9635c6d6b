import type { CheckResult, HealthCheck } from "../health/index.js";
import type { Clock } from "../../shared/clock.js";
import type { VoiceBackend } from "./backend.js";

/** Words both backends say and hear reliably; the check passes when most of them come back. */
const probePhrase = "hello world";
/** A round trip is a few hundred ms of CPU: one result serves every health call for this long. */
const freshForMs = 30_000;
/** The round trip's own deadline (and the check's): a speech model on a busy CPU is not a 2 s affair. */
const roundTripTimeoutMs = 20_000;

/**
 * `/voice/health`: a real round trip — a short phrase synthesized and transcribed
 * back — through the configured backends, saying which backend does each direction. Runs are
 * shared and cached, so polling health never queues speech work. Only `/voice/health` runs it:
 * a few hundred ms of CPU has no place in every `/health`.
 */
export function createVoiceCheck(options: { backend: VoiceBackend; clock: Clock }): HealthCheck {
  const { transcriber, synthesizer } = options.backend;
  const backends = { stt: transcriber.backend, tts: synthesizer.backend };
  let last: { at: number; result: CheckResult } | undefined;
  let running: Promise<CheckResult> | undefined;

  const roundTrip = async (): Promise<CheckResult> => {
    const started = options.clock.now();
    const signal = AbortSignal.timeout(roundTripTimeoutMs);
    try {
      const speech = await synthesizer.synthesize({ text: probePhrase, voice: synthesizer.defaultVoice, format: "wav", speed: 1, model: undefined, signal });
      const audio = new Uint8Array(await new Response(speech.body).arrayBuffer());
      const synthesizedMs = options.clock.now() - started;
      const transcript = await transcriber.transcribe({ audio, format: "wav", filename: "health.wav", model: undefined, language: "en", prompt: undefined, temperature: undefined, signal });
      const heard = transcript.text.toLowerCase();
      const matched = probePhrase.split(" ").filter((word) => heard.includes(word)).length;
      const figures = { backends, said: probePhrase, heard: transcript.text, synthesize_ms: synthesizedMs, round_trip_ms: options.clock.now() - started };
      return matched > 0 ? { status: "ok", ...figures } : { status: "warn", detail: "the round trip came back garbled", ...figures };
    } catch (error) {
      return { status: "fail", backends, detail: error instanceof Error ? error.message : String(error) };
    }
  };

  return {
    name: "voice",
    // Voice is all this check's function does: when it cannot speak and hear, /voice/health is 503.
    critical: true,
    timeoutMs: roundTripTimeoutMs,
    async run() {
      if (backends.stt === "none" || backends.tts === "none") {
        return { status: "fail", backends, detail: "voice is not configured here: set VOICE_STT_ENDPOINTS and VOICE_TTS_ENDPOINTS" };
      }
      const now = options.clock.now();
      if (last && now - last.at < freshForMs) return last.result;
      running ??= roundTrip().then((result) => {
        last = { at: options.clock.now(), result };
        running = undefined;
        return result;
      });
      return running;
    },
  };
}
