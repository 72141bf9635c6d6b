/**
 * Server-sent events the way vLLM frames them: `data: <json>\n\n` per chunk,
 * then `data: [DONE]\n\n`. Chunks are paced by per-event delays so tests can
 * hold a stream open, and generation stops as soon as the client goes away.
 */
import { delay } from "./delay.js";
import type { RequestTracker } from "./stats.js";

export interface TimedEvent {
  /** Wait before sending this event (time to first token, or between tokens). */
  readonly delayMs: number;
  readonly payload: unknown;
}

export interface SseOptions {
  /** The request's signal: aborts when the client disconnects (Node server) or cancels (fetch). */
  readonly signal: AbortSignal;
  readonly tracker: RequestTracker;
}

const doneFrame = "data: [DONE]\n\n";

export function sseFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function createSseResponse(events: readonly TimedEvent[], options: SseOptions): Response {
  const { signal, tracker } = options;
  const encoder = new TextEncoder();
  // Aborted on client abort and on stream cancel, whichever comes first, so a
  // pending delay wakes up and no further chunk is produced.
  const generation = new AbortController();
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let nextIndex = 0;
  let closed = false;

  const stopGenerating = (): void => {
    signal.removeEventListener("abort", onClientAbort);
    if (tracker.settled) return;
    tracker.abort();
    generation.abort();
  };
  function onClientAbort(): void {
    stopGenerating();
    // End the body without [DONE]: that is how an SSE reader tells a cut stream
    // from a finished one. Erroring it instead would make Node adapters log a
    // server error for what is an ordinary client disconnect.
    if (!closed) streamController?.close();
    closed = true;
  }

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      streamController = controller;
      if (signal.aborted) onClientAbort();
      else signal.addEventListener("abort", onClientAbort, { once: true });
    },
    async pull(controller) {
      const event = events[nextIndex];
      if (event === undefined) {
        signal.removeEventListener("abort", onClientAbort);
        tracker.complete();
        controller.enqueue(encoder.encode(doneFrame));
        controller.close();
        closed = true;
        return;
      }
      const waited = await delay(event.delayMs, generation.signal);
      if (!waited || tracker.settled) return;
      nextIndex += 1;
      controller.enqueue(encoder.encode(sseFrame(event.payload)));
    },
    cancel() {
      stopGenerating();
    },
  });

  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}
