import type { ChatCompletionChunk } from "./openai-types.js";

/**
 * Server-sent events as the OpenAI streaming API uses them (WHATWG "event stream" parsing rules:
 * `\n`, `\r\n` or `\r` line ends, `data:` lines joined with `\n`, comments start with `:`, a blank
 * line dispatches). Chat uses this to watch content and usage go by while the bytes themselves
 * stream to the client untouched.
 */
export interface SseEvent {
  /** `event:` field; absent for OpenAI's plain `data:` events. */
  event?: string;
  data: string;
  id?: string;
}

/** The sentinel that ends an OpenAI stream. */
export const sseDone = "[DONE]";

export interface SseDecoder {
  /** Feed bytes; returns the events they completed. */
  push(chunk: Uint8Array): SseEvent[];
  /** End of input: an event not followed by a blank line is discarded, as the spec says. */
  end(): SseEvent[];
}

export function createSseDecoder(): SseDecoder {
  const text = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;

  const processLine = (line: string, output: SseEvent[]) => {
    if (line === "") {
      if (data.length > 0) {
        const dispatched: SseEvent = { data: data.join("\n") };
        if (event !== undefined) dispatched.event = event;
        if (id !== undefined) dispatched.id = id;
        output.push(dispatched);
      }
      data = [];
      event = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id") id = value;
  };

  const drain = (final: boolean) => {
    const output: SseEvent[] = [];
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
      const character = buffer.charCodeAt(index);
      if (character !== 10 && character !== 13) continue;
      // A `\r` at the very end may be the first half of `\r\n` split across chunks: wait for more.
      if (character === 13 && index === buffer.length - 1 && !final) break;
      processLine(buffer.slice(start, index), output);
      if (character === 13 && buffer.charCodeAt(index + 1) === 10) index++;
      start = index + 1;
    }
    buffer = buffer.slice(start);
    return output;
  };

  return {
    push(chunk) {
      buffer += text.decode(chunk, { stream: true });
      return drain(false);
    },
    end() {
      buffer += text.decode();
      const output = drain(true);
      buffer = "";
      data = [];
      return output;
    },
  };
}

/** Every event of an SSE body. */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = createSseDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* decoder.push(value);
    }
    yield* decoder.end();
  } finally {
    // Stopping early (break, throw) must cancel the upstream, or the engine keeps generating.
    await reader.cancel().catch(() => undefined);
  }
}

/** The `chat.completion.chunk` objects of a streamed chat completion, up to `[DONE]`. */
export async function* readChatCompletionChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatCompletionChunk> {
  for await (const event of readSseEvents(body)) {
    if (event.data === sseDone) return;
    yield JSON.parse(event.data) as ChatCompletionChunk;
  }
}

export interface ChatStreamObserver {
  onChunk?(chunk: ChatCompletionChunk): void;
  /** Called once: `completed` is true when `[DONE]` arrived, false when the stream broke off or was cancelled. */
  onEnd?(completed: boolean, error?: unknown): void;
}

/**
 * Passes an SSE body through byte for byte while parsing it on the side. A pull-based stream (no
 * TransformStream, no extra buffering): the upstream is read only as fast as the client reads,
 * and cancelling the result cancels the upstream.
 */
export function observeChatCompletionStream(
  body: ReadableStream<Uint8Array>,
  observer: ChatStreamObserver,
): ReadableStream<Uint8Array> {
  const decoder = createSseDecoder();
  const reader = body.getReader();
  let sawDone = false;
  let ended = false;
  const end = (completed: boolean, error?: unknown) => {
    if (ended) return;
    ended = true;
    observer.onEnd?.(completed, error);
  };
  const observe = (events: SseEvent[]) => {
    for (const event of events) {
      if (event.data === sseDone) sawDone = true;
      else if (!sawDone && observer.onChunk) {
        let chunk: ChatCompletionChunk;
        try {
          chunk = JSON.parse(event.data) as ChatCompletionChunk;
        } catch {
          continue; // Not ours to judge: the bytes still go to the client unchanged.
        }
        observer.onChunk(chunk);
      }
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            observe(decoder.end());
            controller.close();
            end(sawDone);
            return;
          }
          observe(decoder.push(value));
          controller.enqueue(value);
        } catch (error) {
          controller.error(error);
          end(false, error);
        }
      },
      async cancel(reason) {
        end(false, reason);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
