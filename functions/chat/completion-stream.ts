import type { ChatCompletion } from "../../gpu/openai-types.js";

/**
 * A finished completion as an OpenAI event stream, for replies Archive had to complete before it
 * could answer (the run_code loop runs the model to the end between tool calls): a leading chunk
 * with `archive`, one chunk per choice with its whole message, the finish reasons, usage when
 * asked for, then `[DONE]`.
 */
export function completionAsStream(completion: ChatCompletion, options: { leading: Record<string, unknown>; includeUsage: boolean }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const base = { id: completion.id, object: "chat.completion.chunk", created: completion.created, model: completion.model };
  const frames: unknown[] = [
    { ...base, choices: [], ...options.leading },
    ...completion.choices.map((choice) => ({
      ...base,
      choices: [{ index: choice.index, delta: { role: "assistant", content: choice.message.content ?? null, ...(choice.message.tool_calls ? { tool_calls: choice.message.tool_calls.map((call, index) => ({ index, ...call })) } : {}) }, finish_reason: null }],
    })),
    { ...base, choices: completion.choices.map((choice) => ({ index: choice.index, delta: {}, finish_reason: choice.finish_reason })) },
    ...(options.includeUsage && completion.usage ? [{ ...base, choices: [], usage: completion.usage }] : []),
  ];
  const text = frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`).join("") + "data: [DONE]\n\n";
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(text));
      controller.close();
    },
  });
}
