/**
 * One pull-through stream that several owners watch, instead of one stream layer per owner.
 *
 * A streamed reply is observed three times on its way out: the pool's attempt (slot release,
 * idle deadline), chat (the leading frame, the text for history) and the router (the request's
 * Redis lease). As nested ReadableStreams each of them cost a pull, a read and an enqueue per
 * chunk — a handful of promise hops in Node's web streams, for every one of ~20 chunks a reply.
 * Here a tap added to a stream this module made, before anyone read from it, joins that stream;
 * any other stream is wrapped once. Either way the caller gets the stream to use from now on.
 *
 * Pull-based with highWaterMark 0: the source is read only when the consumer reads, so
 * backpressure reaches the engine unchanged, and cancelling the result cancels the source.
 */
export interface BodyTap {
  /**
   * Sees each chunk (after the taps added before it) and passes on what the consumer should get:
   * `emit` it unchanged, emit other bytes, or emit nothing yet (held back). Default: pass it on.
   */
  chunk?(bytes: Uint8Array, emit: (bytes: Uint8Array) => void): void;
  /** The source ended: may emit final chunks; awaited (taps in order) before the stream closes. */
  end?(emit: (bytes: Uint8Array) => void): Promise<void> | void;
  /** Reading the source (or a tap before this one) failed; the consumer gets the error next. Must not throw. */
  error?(error: unknown): void;
  /**
   * Reading the source failed: may emit final bytes and return true to end the stream cleanly
   * instead (chat's closing SSE error event: a client reads an error it can parse, not a reset).
   * Asked after every tap's `error`. Must not throw.
   */
  closeAfterError?(error: unknown, emit: (bytes: Uint8Array) => void): boolean;
  /** The consumer cancelled; called before the source is cancelled. Must not throw. */
  cancel?(reason: unknown): void;
}

/** Where a tapped stream reads from: a reader, or something that behaves like one (the pool's attempt). */
export interface ChunkSource {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason: unknown): Promise<void>;
}

interface TapState {
  taps: BodyTap[];
  /** Set by the first read: from then on the taps are fixed. */
  started: boolean;
}

const states = new WeakMap<ReadableStream<Uint8Array>, TapState>();

/** A stream over `source` that taps can join (see `tapBody`). */
export function createTappedStream(source: ChunkSource, tap?: BodyTap): ReadableStream<Uint8Array> {
  const state: TapState = { taps: tap ? [tap] : [], started: false };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let enqueued = false;
  // A consumer may cancel while a read is pending; the read's late answer must then touch neither
  // the taps (an `end` after a cancel would save half a reply as a whole one) nor the controller.
  let cancelled = false;
  // emitters[i] hands a chunk to tap i, the last one to the consumer; built once, at the first read.
  let emitters: ((bytes: Uint8Array) => void)[] = [];

  const chain = (taps: readonly BodyTap[]) => {
    const built = new Array<(bytes: Uint8Array) => void>(taps.length + 1);
    built[taps.length] = (bytes) => {
      enqueued = true;
      controller.enqueue(bytes);
    };
    for (let index = taps.length - 1; index >= 0; index--) {
      const tap = taps[index]!;
      const next = built[index + 1]!;
      built[index] = tap.chunk ? (bytes) => tap.chunk!(bytes, next) : next;
    }
    return built;
  };

  /** A tap that threw: the taps after it and the consumer see the error, and the source is let go. */
  const fail = (error: unknown, after: number) => {
    for (let index = after + 1; index < state.taps.length; index++) state.taps[index]!.error?.(error);
    controller.error(error);
    source.cancel(error).catch(() => undefined);
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
      },
      async pull() {
        if (!state.started) {
          state.started = true;
          emitters = chain(state.taps);
        }
        const { taps } = state;
        enqueued = false;
        // Loop until something was enqueued: a pull that enqueues nothing is not called again.
        for (;;) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await source.read();
          } catch (error) {
            if (cancelled) return;
            for (const each of taps) each.error?.(error);
            const closing = taps.findIndex((each) => each.closeAfterError?.(error, emitters[taps.indexOf(each) + 1]!) === true);
            if (closing >= 0) controller.close();
            else controller.error(error);
            return;
          }
          if (cancelled) return;
          if (result.done) {
            for (let index = 0; index < taps.length; index++) {
              try {
                await taps[index]!.end?.(emitters[index + 1]!);
              } catch (error) {
                fail(error, index);
                return;
              }
            }
            if (!cancelled) controller.close();
            return;
          }
          try {
            emitters[0]!(result.value);
          } catch (error) {
            fail(error, -1);
            return;
          }
          if (enqueued) return;
        }
      },
      async cancel(reason) {
        cancelled = true;
        for (const each of state.taps) each.cancel?.(reason);
        await source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  states.set(stream, state);
  return stream;
}

/** Adds `tap` to `body`; returns the stream to hand on (`body` itself when the tap could join it). */
export function tapBody(body: ReadableStream<Uint8Array>, tap: BodyTap): ReadableStream<Uint8Array> {
  const state = states.get(body);
  if (state && !state.started && !body.locked) {
    state.taps.push(tap);
    return body;
  }
  const reader = body.getReader();
  return createTappedStream({ read: () => reader.read(), cancel: (reason) => reader.cancel(reason) }, tap);
}
