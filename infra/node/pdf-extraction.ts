import { Worker } from "node:worker_threads";
import type { ExtractedPage, PdfExtractor } from "../../functions/library/extract.js";
import { AppError } from "../../shared/errors.js";

/**
 * PDF text extraction off the event loop. pdf.js parses a page's content in one go; on the thread
 * that serves HTTP a single hostile page froze every tenant for half a minute. Here it runs on one
 * worker thread, one document at a time, under a time budget: past it the thread is terminated (the
 * only way to stop pdf.js mid-page) and the job fails with a reason. The thread does nothing else,
 * so its wall time is its CPU time. A memory cap stops a file that inflates past the heap limit.
 */
export interface PdfExtractionOptions {
  /** Longest one document may take (LIBRARY_EXTRACT_TIMEOUT_MS). */
  timeoutMs: number;
  /** Heap cap of the thread. */
  maxHeapMb?: number;
}

export type ExtractionReply =
  | { ready: true }
  | { id: number; pages: ExtractedPage[] }
  | { id: number; appError: { code: string; status: number; title: string; detail: string } }
  | { id: number; error: { name: string; message: string } };

// The shared tsx bootstrap: a fresh thread does not inherit the parent's TypeScript loader.
const bootstrap = new URL("./embeddings/embedding-thread-bootstrap.mjs", import.meta.url);
const entry = new URL("./pdf-extraction-thread.ts", import.meta.url);

const timedOut = (filename: string, timeoutMs: number) =>
  new AppError({
    code: "extract_timeout",
    status: 422,
    title: "PDF Too Costly",
    detail: `"${filename}" took longer than ${timeoutMs} ms to read (LIBRARY_EXTRACT_TIMEOUT_MS); it was not added`,
  });

const outOfMemory = (filename: string, maxHeapMb: number) =>
  new AppError({
    code: "pdf_over_budget",
    status: 422,
    title: "PDF Over Budget",
    detail: `"${filename}" needs more than ${maxHeapMb} MB of memory to read; it was not added`,
  });

export function createPdfExtraction(options: PdfExtractionOptions): { extract: PdfExtractor; close(): Promise<void> } {
  const maxHeapMb = options.maxHeapMb ?? 1024;
  let worker: { thread: Worker; ready: Promise<void> } | undefined;
  let nextId = 0;
  let closed = false;
  // One document at a time: the thread's event loop is the budget being measured.
  let queue: Promise<unknown> = Promise.resolve();

  const spawn = () => {
    const thread = new Worker(bootstrap, { workerData: { entry: entry.href }, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    thread.unref();
    const ready = new Promise<void>((resolve, reject) => {
      thread.once("message", () => resolve());
      thread.once("error", reject);
      thread.once("exit", (code) => reject(new Error(`The PDF extraction thread exited while starting (code ${code})`)));
    });
    ready.catch(() => {
      if (worker?.thread === thread) worker = undefined;
    });
    return { thread, ready };
  };

  const run = async (filename: string, bytes: Uint8Array, budget: Parameters<PdfExtractor>[2]) => {
    if (closed) throw new Error("The PDF extraction thread is closed");
    const current = (worker ??= spawn());
    await current.ready;
    const thread = current.thread;
    return new Promise<ExtractedPage[]>((resolve, reject) => {
      const id = nextId++;
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        thread.off("message", onMessage);
        thread.off("error", onError);
        thread.off("exit", onExit);
        thread.unref();
        outcome();
      };
      const stop = () => {
        if (worker?.thread === thread) worker = undefined;
        void thread.terminate();
      };
      const timer = setTimeout(() => {
        stop();
        settle(() => reject(timedOut(filename, options.timeoutMs)));
      }, options.timeoutMs);
      const onMessage = (reply: ExtractionReply) => {
        if (!("id" in reply) || reply.id !== id) return;
        if ("pages" in reply) settle(() => resolve(reply.pages));
        else if ("appError" in reply) settle(() => reject(new AppError({ ...reply.appError, expose: true })));
        else settle(() => reject(Object.assign(new Error(reply.error.message), { name: reply.error.name })));
      };
      const onError = (error: Error & { code?: string }) => {
        stop();
        settle(() => reject(error.code === "ERR_WORKER_OUT_OF_MEMORY" ? outOfMemory(filename, maxHeapMb) : error));
      };
      const onExit = (code: number) => {
        if (worker?.thread === thread) worker = undefined;
        settle(() => reject(new Error(`The PDF extraction thread exited (code ${code})`)));
      };
      thread.on("message", onMessage);
      thread.on("error", onError);
      thread.on("exit", onExit);
      thread.ref();
      // A copy goes over (transferred, so not copied twice); the caller keeps its bytes.
      const copy = bytes.slice();
      thread.postMessage({ id, filename, bytes: copy, budget }, [copy.buffer]);
    });
  };

  return {
    extract: (filename, bytes, budget) => {
      const result = queue.then(() => run(filename, bytes, budget));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      closed = true;
      await worker?.thread.terminate();
      worker = undefined;
    },
  };
}
