import type { ChatCompletionChunk, ChatMessage, ChatToolCall, FinishReason, Usage } from "../../../gpu/openai-types.js";
import { createSseDecoder, sseDone, type SseEvent } from "../../../gpu/sse.js";
import { functionCallItem } from "./items.js";
import { responseObject, statusFor, type ResponseFrame, type ResponseState } from "./render.js";
import type { FunctionCallItem, MessageItem, OutputItem } from "./wire.js";

/**
 * A streamed chat completion (the chat service's event stream: a leading `archive` frame, then
 * the engine's chunks) re-told as Responses API events, each with its `sequence_number`:
 * `response.created`, `response.in_progress`, per item `response.output_item.added` …
 * `response.output_item.done` (text through `content_part` and `output_text` events, function
 * calls through `function_call_arguments` events), then `response.completed` (or
 * `response.incomplete` at the token limit). A stream that breaks off or carries an engine error
 * ends with `error` and `response.failed`. Pull-driven: the engine is read only as fast as the
 * client reads, and a client that leaves cancels it.
 */
export interface ResponsesStreamOptions {
  frame: ResponseFrame;
  ids: { next(): string };
  now: () => number;
  /**
   * Runs once the reply is whole, before `response.completed` is sent, so a client that continues
   * right away finds it stored. A rejection fails the response instead.
   */
  finish(done: { response: ReturnType<typeof responseObject>; message: ChatMessage }): Promise<void>;
}

interface OpenText {
  item: MessageItem;
  index: number;
  text: string;
}

interface OpenCall {
  item: FunctionCallItem;
  index: number;
}

const encoder = new TextEncoder();

export function responsesEventStream(upstream: ReadableStream<Uint8Array>, options: ResponsesStreamOptions): ReadableStream<Uint8Array> {
  const { frame, ids } = options;
  const reader = upstream.getReader();
  const decoder = createSseDecoder();
  const output: OutputItem[] = [];
  const calls = new Map<number, OpenCall>();
  let text: OpenText | undefined;
  let textContent = "";
  let sequence = 0;
  let usage: Usage | undefined;
  let finishReason: FinishReason | null | undefined;
  let archive: unknown;
  let sawDone = false;
  let engineFailure: string | undefined;
  let finished = false;
  const queue: Uint8Array[] = [];

  const emit = (type: string, fields: Record<string, unknown>) => {
    queue.push(encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`));
  };
  const snapshot = (state: Omit<ResponseState, "output"> & { output?: OutputItem[] }) => responseObject(frame, { output, archive, ...state });

  const openText = (): OpenText => {
    const item: MessageItem = { type: "message", id: `msg_${ids.next()}`, role: "assistant", status: "in_progress", content: [] };
    const opened = { item, index: output.length, text: "" };
    output.push(item);
    emit("response.output_item.added", { output_index: opened.index, item: { ...item, content: [] } });
    emit("response.content_part.added", { item_id: item.id, output_index: opened.index, content_index: 0, part: outputText("") });
    return opened;
  };

  const closeText = (status: MessageItem["status"]) => {
    if (!text) return;
    const { item, index } = text;
    const part = outputText(text.text);
    emit("response.output_text.done", { item_id: item.id, output_index: index, content_index: 0, text: text.text, logprobs: [] });
    emit("response.content_part.done", { item_id: item.id, output_index: index, content_index: 0, part });
    Object.assign(item, { status, content: [part] });
    emit("response.output_item.done", { output_index: index, item });
    textContent += text.text;
    text = undefined;
  };

  const onToolCall = (delta: Partial<ChatToolCall> & { index?: number }) => {
    const key = delta.index ?? 0;
    let call = calls.get(key);
    if (!call) {
      closeText("completed");
      const item = { ...functionCallItem({ id: delta.id ?? `call_${ids.next()}`, type: "function", function: { name: delta.function?.name ?? "", arguments: "" } }, ids), status: "in_progress" as const };
      call = { item, index: output.length };
      calls.set(key, call);
      output.push(item);
      emit("response.output_item.added", { output_index: call.index, item: { ...item } });
    }
    const piece = delta.function?.arguments ?? "";
    if (piece !== "") {
      call.item.arguments += piece;
      emit("response.function_call_arguments.delta", { item_id: call.item.id, output_index: call.index, delta: piece });
    }
  };

  const onChunk = (chunk: ChatCompletionChunk & { archive?: unknown; error?: { message?: unknown } }) => {
    if (chunk.archive !== undefined) archive = chunk.archive;
    if (chunk.error !== undefined) engineFailure = typeof chunk.error.message === "string" ? chunk.error.message : "the engine failed mid-reply";
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.find((candidate) => candidate.index === 0);
    if (!choice) return;
    const content = choice.delta?.content;
    if (typeof content === "string" && content !== "") {
      text ??= openText();
      text.text += content;
      emit("response.output_text.delta", { item_id: text.item.id, output_index: text.index, content_index: 0, delta: content, logprobs: [] });
    }
    for (const call of choice.delta?.tool_calls ?? []) onToolCall(call as Partial<ChatToolCall> & { index?: number });
    if (choice.finish_reason) finishReason = choice.finish_reason;
  };

  const onEvents = (events: readonly SseEvent[]) => {
    for (const event of events) {
      if (event.data === sseDone) {
        sawDone = true;
        continue;
      }
      try {
        onChunk(JSON.parse(event.data) as ChatCompletionChunk);
      } catch {
        engineFailure ??= "the engine sent an event that is not JSON";
      }
    }
  };

  const fail = (message: string) => {
    emit("error", { code: "server_error", message, param: null });
    emit("response.failed", { response: snapshot({ status: "failed", error: { code: "server_error", message } }) });
  };

  const complete = async () => {
    onEvents(decoder.end());
    if (!sawDone || engineFailure !== undefined) {
      fail(engineFailure ?? "The inference engine's reply broke off");
      return;
    }
    const status = statusFor(finishReason);
    if (output.length === 0) text = openText();
    closeText(status === "incomplete" ? "incomplete" : "completed");
    for (const call of calls.values()) {
      call.item.status = "completed";
      emit("response.function_call_arguments.done", { item_id: call.item.id, output_index: call.index, name: call.item.name, arguments: call.item.arguments });
      emit("response.output_item.done", { output_index: call.index, item: call.item });
    }
    const response = snapshot({ status, usage, finishReason, completedAt: options.now() });
    const toolCalls = [...calls.values()].map(({ item }): ChatToolCall => ({ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } }));
    const message: ChatMessage = { role: "assistant", content: textContent === "" && toolCalls.length > 0 ? null : textContent, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
    try {
      await options.finish({ response, message });
    } catch (error) {
      fail(error instanceof Error && "expose" in error && error.expose ? error.message : "The response could not be stored");
      return;
    }
    emit(status === "incomplete" ? "response.incomplete" : "response.completed", { response });
  };

  return new ReadableStream<Uint8Array>({
    start() {
      const created = snapshot({ status: "in_progress" });
      emit("response.created", { response: created });
      emit("response.in_progress", { response: created });
    },
    async pull(controller) {
      // Until something can be sent: a pull that enqueues nothing is not called again.
      while (queue.length === 0 && !finished) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          await complete();
        } else {
          onEvents(decoder.push(value));
        }
      }
      for (const bytes of queue.splice(0)) controller.enqueue(bytes);
      if (finished) controller.close();
    },
    async cancel(reason) {
      finished = true;
      await reader.cancel(reason);
    },
  });
}

const outputText = (value: string) => ({ type: "output_text" as const, text: value, annotations: [], logprobs: [] });
