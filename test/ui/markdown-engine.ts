import { serve, type ServerType } from "@hono/node-server";
import { createEmulatedEngine } from "../../emulator/engine/index.js";
import { freePort } from "../../emulator/redis-launcher.js";

/** What a real model writes when asked for code: headings, emphasis, a list and a fenced block. */
export const markdownReply = [
  "## Reversing a list",
  "",
  "Use **slicing** or the `reversed` built-in:",
  "",
  "- slicing makes a *copy*",
  "- `reversed` is lazy",
  "",
  "```python",
  "items = [1, 2, 3]",
  "print(items[::-1])",
  "```",
].join("\n");

/**
 * The emulated engine (vLLM's wire format), except that a prompt containing "markdown sample"
 * is answered with `markdownReply`, streamed in small pieces as vLLM streams tokens. The
 * emulated engine's replies are plain prose; this is the double for a model that writes Markdown.
 */
export async function startMarkdownEngine(options: { tokenDelayMs: number }) {
  const engine = createEmulatedEngine({ tokenDelayMs: options.tokenDelayMs });
  const port = await freePort();
  const fetch = async (request: Request): Promise<Response> => {
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/v1/chat/completions")) return engine.fetch(request);
    const body = (await request.clone().json()) as { stream?: boolean; messages: { content: unknown }[] };
    if (!body.stream || !JSON.stringify(body.messages.at(-1)?.content).includes("markdown sample")) return engine.fetch(request);
    const pieces = markdownReply.match(/[\s\S]{1,6}/g) ?? [];
    const id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: engine.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(chunk({ role: "assistant", content: "" }, null)));
        for (const piece of pieces) {
          await new Promise((resolve) => setTimeout(resolve, options.tokenDelayMs));
          controller.enqueue(encoder.encode(chunk({ content: piece }, null)));
        }
        controller.enqueue(encoder.encode(chunk({}, "stop")));
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
  };
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch, hostname: "127.0.0.1", port }, () => resolve(started));
  });
  return {
    engine,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
