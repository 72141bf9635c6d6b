// The first module of every embedding thread (see embedding-threads.ts). Plain JavaScript because
// nothing transforms TypeScript in a fresh thread: Node 20 applies neither the parent's
// `--import tsx` nor vitest's transform to a worker, and `execArgv: ["--import", "tsx"]` is
// ignored for workers too (ERR_UNKNOWN_FILE_EXTENSION). Registering tsx through its API here,
// resolved from this file rather than the working directory, works the same under `npm start`,
// the `tsx` CLI and vitest, and is harmless if the entry is ever plain JavaScript.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
