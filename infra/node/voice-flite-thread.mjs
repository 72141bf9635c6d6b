// One flite.wasm run per message, under node:wasi, on a thread of its own so synthesis never
// blocks the event loop. Plain JavaScript: a worker gets no TypeScript loader (see voice-flite.ts).
import { closeSync, openSync } from "node:fs";
import { WASI } from "node:wasi";
import { parentPort, workerData } from "node:worker_threads";

// WASI is flagged experimental in Node 20; the warning would land on stderr at every thread start.
process.removeAllListeners("warning");
const module = workerData.module;

parentPort.on("message", ({ args, dir }) => {
  const sink = openSync("/dev/null", "w");
  try {
    const wasi = new WASI({ version: "preview1", args: ["flite", ...args], preopens: { "/out": dir }, stdout: sink, stderr: sink, returnOnExit: true });
    const instance = new WebAssembly.Instance(module, wasi.getImportObject());
    parentPort.postMessage({ code: wasi.start(instance) });
  } catch (error) {
    parentPort.postMessage({ code: -1, error: String(error) });
  } finally {
    closeSync(sink);
  }
});
