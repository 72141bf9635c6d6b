import { tapBody } from "../../gpu/body-tap.js";
import { createSseDecoder, sseDone, type SseEvent } from "../../gpu/sse.js";
import type { ChatCompletionChunk, Usage } from "../../gpu/openai-types.js";
import { streamBrokenEvent } from "./engine-reply.js";

/**
 * Streaming pass-through. The engine's bytes go to the client unchanged and unbuffered (a tap on
 * the pool's pull stream, see gpu/body-tap.ts: the engine is read only as fast as the client
 * reads); a cheap SSE decoder watches them on the side to collect the assistant's text for history.
 *
 * One frame is added: before the engine's first event, a `chat.completion.chunk` with `choices: []`
 * and an `archive` object (session, retrieved passages), carrying the engine's id/created/model so
 * OpenAI clients that merge chunks by id see one completion.
 */
export interface StreamedReply {
  /** Concatenated `delta.content` of choice 0. */
  content: string;
  usage: Usage | undefined;
}

export interface PassThroughOptions {
  /** Extra fields of the leading frame (e.g. `{archive: {...}}`); undefined sends no leading frame. */
  leading: Record<string, unknown> | undefined;
  /** Fallbacks for the leading frame when the engine's first event is not a chunk. */
  fallback: { id: string; created: number; model: string };
  /**
   * Runs once the engine ended the stream with `[DONE]`, before the client's stream closes, so
   * work that must outlive the response (saving history) finishes while the request still holds
   * its resources. Must not throw. Not called for a stream that broke off, was cancelled or
   * carried an error event. Omitted when nothing needs the reply (no history to save): the
   * engine's bytes then pass without being decoded once the leading frame is out.
   */
  onComplete?: ((reply: StreamedReply) => Promise<void>) | undefined;
  /** The client went away mid-stream (the engine request is cancelled by the pool). Must not throw. */
  onCancel?: (() => void) | undefined;
}

const encoder = new TextEncoder();

export function passThroughChatStream(upstream: ReadableStream<Uint8Array>, options: PassThroughOptions): ReadableStream<Uint8Array> {
  const decoder = createSseDecoder();
  const parts: string[] = [];
  let usage: Usage | undefined;
  let sawDone = false;
  let failed = false;
  // Bytes held back until the engine's first event is known (only while a leading frame is pending).
  let held: Uint8Array[] | undefined = options.leading ? [] : undefined;
  let first: ChatCompletionChunk | undefined;
  let sawEvent = false;

  const observe = (events: readonly SseEvent[]) => {
    for (const event of events) {
      sawEvent = true;
      if (event.data === sseDone) {
        sawDone = true;
        continue;
      }
      if (sawDone) continue;
      let chunk: ChatCompletionChunk;
      try {
        chunk = JSON.parse(event.data) as ChatCompletionChunk;
      } catch {
        continue; // Not ours to judge: the bytes still reach the client unchanged.
      }
      first ??= chunk;
      // vLLM reports a failure mid-generation as an `{error}` event; that reply is not worth keeping.
      if ("error" in chunk) failed = true;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices ?? []) {
        if (choice.index === 0 && typeof choice.delta?.content === "string") parts.push(choice.delta.content);
      }
    }
  };

  const leadingFrame = (): Uint8Array => {
    const frame = {
      id: typeof first?.id === "string" ? first.id : options.fallback.id,
      object: "chat.completion.chunk",
      created: typeof first?.created === "number" ? first.created : options.fallback.created,
      model: typeof first?.model === "string" ? first.model : options.fallback.model,
      choices: [],
      ...options.leading,
    };
    return encoder.encode(`data: ${JSON.stringify(frame)}\n\n`);
  };

  const release = (emit: (bytes: Uint8Array) => void) => {
    if (!held) return;
    emit(leadingFrame());
    for (const bytes of held) emit(bytes);
    held = undefined;
  };

  // Whether the engine's last bytes were `[DONE]`, known without decoding every event.
  let tail = "";
  const ended = () => sawDone || /data: ?\[DONE\]\s*$/.test(tail);
  const latin1 = new TextDecoder("latin1");

  const { onComplete } = options;
  return tapBody(upstream, {
    chunk(bytes, emit) {
      tail = (tail + latin1.decode(bytes.subarray(-32))).slice(-32);
      if (held) {
        observe(decoder.push(bytes));
        held.push(bytes);
        if (sawEvent) release(emit);
        return;
      }
      if (onComplete) observe(decoder.push(bytes));
      emit(bytes);
    },
    async end(emit) {
      if (held || onComplete) observe(decoder.end());
      // Bytes that never formed an event are not an answer: the client gets the error event instead.
      if (held && !sawEvent) held = [];
      release(emit);
      if (!ended()) {
        emit(streamBrokenEvent);
        return;
      }
      if (onComplete && sawDone && !failed) await onComplete({ content: parts.join(""), usage });
    },
    closeAfterError(error, emit) {
      // The client's own abort: nobody is left to read an error event.
      if (error instanceof DOMException && error.name === "AbortError") return false;
      if (held) held = held.length > 0 && sawEvent ? held : [];
      release(emit);
      emit(streamBrokenEvent);
      return true;
    },
    // Cancelling reaches the pool's attempt, which closes the engine's connection; this only reports it.
    cancel: options.onCancel,
  });
}
