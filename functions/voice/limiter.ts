import { createWaitQueue, type WaitQueue } from "../../gpu/wait-queue.js";
import { tooManyRequests } from "../../shared/errors.js";
import type { Speech, Synthesizer, Transcriber, VoiceBackend } from "./backend.js";

/**
 * Backpressure for backends that run on this machine (the pool has its own): at most
 * `concurrency` transcriptions and syntheses at once, `queueSize` more waiting at most
 * `queueTimeoutMs`, and beyond that 429 with Retry-After — CPU-bound speech tools must never pile up.
 */
export interface VoiceLimiter {
  wrap(backend: VoiceBackend): VoiceBackend;
  snapshot(): { in_flight: number; queued: number; concurrency: number; queue_size: number; rejected: number };
}

export function createVoiceLimiter(options: { concurrency: number; queueSize: number; queueTimeoutMs: number; now: () => number }): VoiceLimiter {
  let inFlight = 0;
  let rejected = 0;
  // Typical seconds a slot is held, for an honest Retry-After.
  let typicalMs = 1000;
  const retryAfter = () => Math.max(1, Math.ceil((typicalMs * (1 + queue.size / options.concurrency)) / 1000));
  const queue: WaitQueue<true, undefined> = createWaitQueue<true, undefined>({
    capacity: options.queueSize,
    now: options.now,
    onFull: (): Error => {
      rejected += 1;
      return tooManyRequests(`Voice is busy (${inFlight} running, ${queue.size} waiting); try again shortly`, retryAfter());
    },
    onTimeout: (waitedMs): Error => {
      rejected += 1;
      return tooManyRequests(`No voice slot was free within ${Math.round(waitedMs)} ms`, retryAfter());
    },
  });

  const acquire = async (signal: AbortSignal | undefined): Promise<() => void> => {
    if (inFlight < options.concurrency && queue.size === 0) inFlight += 1;
    else await queue.wait({ context: undefined, timeoutMs: options.queueTimeoutMs, signal });
    const started = options.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      typicalMs = typicalMs * 0.8 + (options.now() - started) * 0.2;
      inFlight -= 1;
      // A freed slot goes straight to the oldest waiter, which then counts as running.
      queue.serve(() => {
        if (inFlight >= options.concurrency) return undefined;
        inFlight += 1;
        return true;
      });
    };
  };

  /** A stream holds its slot until it ends or the client goes away. */
  const holdUntilDone = (speech: Speech, release: () => void): Speech => {
    const reader = speech.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          release();
          controller.error(error);
        }
      },
      async cancel(reason) {
        release();
        await reader.cancel(reason);
      },
    });
    return { ...speech, body };
  };

  const transcriber = (inner: Transcriber): Transcriber => ({
    backend: inner.backend,
    formats: inner.formats,
    async transcribe(request) {
      const release = await acquire(request.signal);
      try {
        return await inner.transcribe(request);
      } finally {
        release();
      }
    },
  });

  const synthesizer = (inner: Synthesizer): Synthesizer => ({
    backend: inner.backend,
    formats: inner.formats,
    defaultVoice: inner.defaultVoice,
    async synthesize(request) {
      const release = await acquire(request.signal);
      try {
        return holdUntilDone(await inner.synthesize(request), release);
      } catch (error) {
        release();
        throw error;
      }
    },
  });

  return {
    wrap: (backend) => ({ transcriber: transcriber(backend.transcriber), synthesizer: synthesizer(backend.synthesizer) }),
    snapshot: () => ({ in_flight: inFlight, queued: queue.size, concurrency: options.concurrency, queue_size: options.queueSize, rejected }),
  };
}
