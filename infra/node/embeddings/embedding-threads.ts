import { Worker } from "node:worker_threads";
import type { EmbedResponse, EmbeddingThreadData, ThreadError } from "./embedding-thread-protocol.js";

/**
 * A pool of worker threads that each run an embedding model, so the model never runs on the event
 * loop that serves HTTP and every core can embed. Node only.
 *
 * Threads start on demand (a process that never embeds starts none) and then stay, keeping their
 * loaded model. An idle thread is unref'd, so it never keeps the process alive; `close()` ends them
 * all. A thread that dies fails the call it was running and is replaced by the next call.
 */
export interface EmbeddingThreadsOptions {
  threads: number;
  /** The module each thread runs; it must call `serveEmbeddingRequests`. */
  entry: URL;
  /** Handed to that module as `workerData.settings`. */
  settings?: unknown;
}

/** How hard the threads work, for `/metrics`: busy time over wall time is their utilisation. */
export interface EmbeddingThreadUsage {
  /** Threads allowed (the configured size). */
  size: number;
  /** Threads started so far (they start on demand). */
  started: number;
  /** Threads running a call right now. */
  busy: number;
  /** Summed time threads spent on calls since the pool was made, running calls included (ms). */
  busyMs: number;
}

export interface EmbeddingThreads {
  /** Waits for an idle thread when all are busy. Errors are plain `Error`s; callers classify them. */
  embed(texts: string[]): Promise<Float32Array[]>;
  usage(): EmbeddingThreadUsage;
  /** Ends every thread; calls in flight and later calls fail. */
  close(): Promise<void>;
}

interface Task {
  id: number;
  /** performance.now() when the thread was handed the texts. */
  startedAt: number;
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
}

interface ModelThread {
  worker: Worker;
  busy: boolean;
  alive: boolean;
  task?: Task | undefined;
}

// See the bootstrap's comment for why a thread starts from a plain .mjs file.
const bootstrap = new URL("./embedding-thread-bootstrap.mjs", import.meta.url);

const fromThreadError = ({ name, message, stack }: ThreadError) => Object.assign(new Error(message), { name, stack });
const closedError = () => new Error("The embedding threads are closed");

export function createEmbeddingThreads(options: EmbeddingThreadsOptions): EmbeddingThreads {
  const size = Math.max(1, Math.floor(options.threads));
  const threads: ModelThread[] = [];
  const waiters: { resolve(thread: ModelThread): void; reject(error: Error): void }[] = [];
  let nextTaskId = 0;
  let closed = false;
  let finishedBusyMs = 0;

  const finish = (thread: ModelThread, outcome: { vectors: Float32Array[] } | { error: Error }) => {
    const task = thread.task;
    if (!task) return;
    thread.task = undefined;
    finishedBusyMs += performance.now() - task.startedAt;
    if ("vectors" in outcome) task.resolve(outcome.vectors);
    else task.reject(outcome.error);
  };

  const bury = (thread: ModelThread, error: Error) => {
    if (!thread.alive) return;
    thread.alive = false;
    threads.splice(threads.indexOf(thread), 1);
    finish(thread, { error });
  };

  const spawn = (): ModelThread => {
    const workerData: EmbeddingThreadData = { entry: options.entry.href, settings: options.settings };
    // execArgv: [] — the parent's flags (`--import tsx`, vitest's) do nothing useful in a worker;
    // the bootstrap sets up TypeScript itself.
    const worker = new Worker(bootstrap, { workerData, execArgv: [] });
    const thread: ModelThread = { worker, busy: false, alive: true };
    worker.unref();
    worker.on("message", (response: EmbedResponse) => {
      if (thread.task?.id !== response.id) return;
      finish(thread, "vectors" in response ? { vectors: response.vectors } : { error: fromThreadError(response.error) });
    });
    worker.on("error", (error) => bury(thread, error));
    worker.on("exit", (code) => bury(thread, closed ? closedError() : new Error(`The embedding thread exited (code ${code})`)));
    threads.push(thread);
    return thread;
  };

  const acquire = (): Promise<ModelThread> => {
    const thread = threads.find((candidate) => !candidate.busy) ?? (threads.length < size ? spawn() : undefined);
    if (thread) {
      thread.busy = true;
      return Promise.resolve(thread);
    }
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };

  // Hands a finished thread (or, if it died, a replacement) straight to the next waiting call.
  const release = (thread: ModelThread) => {
    const waiter = waiters[0];
    const next = closed ? undefined : thread.alive ? thread : waiter && threads.length < size ? spawn() : undefined;
    if (waiter && next) {
      waiters.shift();
      next.busy = true;
      waiter.resolve(next);
      return;
    }
    thread.busy = false;
    if (thread.alive) thread.worker.unref();
  };

  return {
    async embed(texts) {
      if (closed) throw closedError();
      const thread = await acquire();
      try {
        if (!thread.alive) throw new Error("The embedding thread exited");
        return await new Promise<Float32Array[]>((resolve, reject) => {
          thread.task = { id: nextTaskId++, startedAt: performance.now(), resolve, reject };
          // Referenced only while working: the caller is waiting, so the process must not exit.
          thread.worker.ref();
          thread.worker.postMessage({ id: thread.task.id, texts });
        });
      } finally {
        release(thread);
      }
    },
    usage() {
      const now = performance.now();
      const running = threads.flatMap((thread) => (thread.task ? [now - thread.task.startedAt] : []));
      return { size, started: threads.length, busy: running.length, busyMs: running.reduce((total, ms) => total + ms, finishedBusyMs) };
    },
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter.reject(closedError());
      const ending = threads.slice();
      await Promise.all(ending.map((thread) => thread.worker.terminate()));
      for (const thread of ending) bury(thread, closedError());
    },
  };
}
