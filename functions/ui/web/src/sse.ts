/**
 * Server-sent events from a fetch body (EventSource cannot POST or send a bearer token): yields
 * each event's `data`, joined across `data:` lines, until the stream ends or `[DONE]`.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
        const data = block
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (data === "[DONE]") return;
        if (data) yield data;
      }
    }
  } finally {
    // Leaving early (stop, or the consumer broke out) must end the request, not just stop reading it.
    await reader.cancel().catch(() => undefined);
  }
}
