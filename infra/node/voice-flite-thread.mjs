// One flite.wasm run per message, on a thread of its own so synthesis never blocks the event loop.
// Plain JavaScript: a worker gets no TypeScript loader (see voice-flite.ts).
import { parentPort, workerData } from "node:worker_threads";
import { runFlite } from "./voice-flite-wasi.mjs";

const module = workerData.module;

parentPort.on("message", ({ args, outName }) => {
  try {
    const { code, file } = runFlite(module, args, outName);
    parentPort.postMessage({ code, wav: file }, file ? [file.buffer] : []);
  } catch (error) {
    parentPort.postMessage({ code: -1, error: String(error) });
  }
});
