import { describe, expect, it } from "vitest";
import { createTappedStream, tapBody, type ChunkSource } from "./body-tap.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

/** A source that records what was asked of it. */
function sourceOf(parts: string[]) {
  const log: string[] = [];
  let index = 0;
  const source: ChunkSource = {
    async read() {
      log.push("read");
      const part = parts[index++];
      return part === undefined ? { done: true, value: undefined } : { done: false, value: bytes(part) };
    },
    async cancel(reason) {
      log.push(`cancel:${String(reason)}`);
    },
  };
  return { source, log };
}

const textOf = async (stream: ReadableStream<Uint8Array>) => decoder.decode(await new Response(stream).arrayBuffer());

describe("tapBody", () => {
  it("lets taps join the stream the pool made: one stream, taps in the order they were added", async () => {
    const { source } = sourceOf(["a", "b"]);
    const seen: string[] = [];
    const base = createTappedStream(source);
    const inner = tapBody(base, {
      chunk: (chunk, emit) => {
        seen.push(`inner:${decoder.decode(chunk)}`);
        emit(bytes(decoder.decode(chunk).toUpperCase()));
      },
      end: (emit) => {
        seen.push("inner:end");
        emit(bytes("!"));
      },
    });
    const outer = tapBody(inner, {
      chunk: (chunk, emit) => {
        seen.push(`outer:${decoder.decode(chunk)}`);
        emit(chunk);
      },
      end: async () => {
        seen.push("outer:end");
      },
    });
    expect(inner).toBe(base);
    expect(outer).toBe(base);
    expect(await textOf(outer)).toBe("AB!");
    expect(seen).toEqual(["inner:a", "outer:A", "inner:b", "outer:B", "inner:end", "outer:!", "outer:end"]);
  });

  it("keeps reading while a tap holds chunks back, and reads only when the consumer reads", async () => {
    const { source, log } = sourceOf(["x", "y", "z"]);
    const held: Uint8Array[] = [];
    const stream = tapBody(createTappedStream(source), {
      // Holds chunks back in pairs.
      chunk: (chunk, emit) => {
        held.push(chunk);
        if (held.length === 2) for (const each of held.splice(0)) emit(each);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual([]);
    const reader = stream.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe("x");
    expect(log).toEqual(["read", "read"]);
    expect(decoder.decode((await reader.read()).value)).toBe("y");
    expect(log).toEqual(["read", "read"]);
  });

  it("tells every tap about a cancel before the source is cancelled, and errors in order", async () => {
    const { source, log } = sourceOf(["a", "b"]);
    const stream = tapBody(createTappedStream(source), { cancel: (reason) => log.push(`tap:${String(reason)}`) });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel("gone");
    expect(log).toEqual(["read", "tap:gone", "cancel:gone"]);

    const failing: ChunkSource = { read: async () => Promise.reject(new Error("broke")), cancel: async () => undefined };
    const errors: string[] = [];
    const broken = tapBody(createTappedStream(failing, { error: () => errors.push("first") }), { error: () => errors.push("second") });
    await expect(textOf(broken)).rejects.toThrow("broke");
    expect(errors).toEqual(["first", "second"]);
  });

  it("wraps a stream it did not make, or one already being read, once", async () => {
    const plain = new Response("hello").body!;
    const tapped = tapBody(plain, { chunk: (chunk, emit) => emit(bytes(decoder.decode(chunk).toUpperCase())) });
    expect(tapped).not.toBe(plain);
    expect(await textOf(tapped)).toBe("HELLO");

    const { source } = sourceOf(["1", "2"]);
    const started = createTappedStream(source);
    const reader = started.getReader();
    await reader.read();
    reader.releaseLock();
    expect(tapBody(started, {})).not.toBe(started);
  });

  it("a cancel while a read is pending: the late answer reaches neither the taps' end nor the closed stream", async () => {
    let answer!: (result: ReadableStreamReadResult<Uint8Array>) => void;
    const source: ChunkSource = {
      read: () => new Promise((resolve) => (answer = resolve)),
      async cancel() {
        // A real source (the pool's attempt) answers the pending read with `done` once cancelled.
        answer({ done: true, value: undefined });
      },
    };
    const seen: string[] = [];
    const stream = createTappedStream(source, { end: () => void seen.push("end"), cancel: () => void seen.push("cancel") });
    const reader = stream.getReader();
    const pending = reader.read();
    await new Promise((resolve) => setImmediate(resolve));
    await reader.cancel("client left");
    expect(await pending).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(["cancel"]);
  });
});
