import type { ChatContentPart, ChatMessage, ChatToolCall } from "../../../gpu/openai-types.js";
import type { z } from "zod";
import { notFound, validationFailed } from "../../../shared/errors.js";
import { unsupportedField } from "../errors.js";
import {
  functionCallItemSchema,
  functionCallOutputItemSchema,
  itemReferenceSchema,
  messageItemSchema,
  type ContentPart,
  type InputItem,
} from "./schema.js";
import type { FunctionCallItem, MessageItem, OutputItem } from "./wire.js";

/**
 * Responses items ⇄ chat messages. A conversation is kept as chat messages (what the chat path
 * and the engine speak); items are how the Responses API shows it.
 */

/** Finds a stored item (`item_reference`): the chat message(s) it stands for. */
export type ItemLookup = (id: string) => Promise<ChatMessage[] | undefined>;

export async function inputMessages(input: string | readonly InputItem[] | undefined, lookup: ItemLookup): Promise<ChatMessage[]> {
  if (input === undefined) return [];
  if (typeof input === "string") return [{ role: "user", content: input }];
  const messages: ChatMessage[] = [];
  for (const [index, item] of input.entries()) {
    const path = `input[${index}]`;
    const type = item.type ?? "message";
    if (type === "message") {
      const message = parseItem(messageItemSchema, item, path);
      messages.push({ role: message.role, content: contentOf(message.content, `${path}.content`, message.role === "assistant") });
    } else if (type === "function_call") {
      const call = parseItem(functionCallItemSchema, item, path);
      appendToolCall(messages, { id: call.call_id, type: "function", function: { name: call.name, arguments: call.arguments } });
    } else if (type === "function_call_output") {
      const result = parseItem(functionCallOutputItemSchema, item, path);
      messages.push({ role: "tool", tool_call_id: result.call_id, content: textOf(result.output, `${path}.output`) });
    } else if (type === "item_reference") {
      const { id } = parseItem(itemReferenceSchema, item, path);
      const found = await lookup(id);
      if (!found) throw referenceMissing(`${path}.id`, id);
      for (const message of found) {
        if (message.tool_calls && message.content === null) for (const call of message.tool_calls) appendToolCall(messages, call);
        else messages.push(message);
      }
    } else {
      throw unsupportedField(`${path}.type`, `\`${type}\` items are not supported here (messages, function_call, function_call_output and item_reference are)`);
    }
  }
  return messages;
}

function parseItem<Schema extends z.ZodType>(schema: Schema, item: unknown, path: string): z.output<Schema> {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  throw validationFailed(result.error.issues.map((issue) => ({ path: [path, ...issue.path.map(String)].join("."), message: issue.message })));
}

/** Parallel calls are one assistant message with several tool calls, after its text if any. */
function appendToolCall(messages: ChatMessage[], call: ChatToolCall): void {
  const last = messages.at(-1);
  if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), call];
  else messages.push({ role: "assistant", content: null, tool_calls: [call] });
}

const referenceMissing = (path: string, id: string) => {
  const error = notFound(`No stored item with id \`${id}\` (items are kept with their response for RESPONSES_STORE_DAYS, and only when it was stored)`, "item_not_found");
  return Object.assign(error, { errors: [{ path, message: "unknown item" }] });
};

function contentOf(content: string | readonly ContentPart[], path: string, assistant: boolean): string | ChatContentPart[] {
  if (typeof content === "string") return content;
  const parts = content.map((part, index) => (assistant ? { type: "text", text: partText(part, `${path}[${index}]`) } : partOf(part, `${path}[${index}]`)));
  // An assistant turn is one text; a single text part is sent as the plain string it is.
  if (parts.every((part) => part.type === "text") && (assistant || parts.length === 1)) return parts.map((part) => part.text ?? "").join("");
  return parts;
}

function textOf(output: string | readonly ContentPart[], path: string): string {
  return typeof output === "string" ? output : output.map((part, index) => partText(part, `${path}[${index}]`)).join("");
}

function partText(part: ContentPart, path: string): string {
  if ((part.type === "input_text" || part.type === "output_text") && "text" in part && typeof part.text === "string") return part.text;
  if (part.type === "refusal" && "refusal" in part && typeof part.refusal === "string") return part.refusal;
  throw unsupportedField(`${path}.type`, `\`${part.type}\` content is not supported here (text only)`);
}

/** A user's content part in chat's terms: text, an image by URL (or data URL), or audio. */
function partOf(part: ContentPart, path: string): ChatContentPart {
  if (part.type === "input_image") {
    const { image_url: url, detail } = part as { image_url?: unknown; detail?: unknown };
    if (typeof url !== "string" || url === "") throw unsupportedField(`${path}.image_url`, "send the image as `image_url` (a URL or a data: URL); uploaded files (`file_id`) are not supported");
    return { type: "image_url", image_url: { url, ...(typeof detail === "string" ? { detail } : {}) } };
  }
  if (part.type === "input_audio") {
    const audio = (part as { input_audio?: unknown }).input_audio as { data?: unknown; format?: unknown } | undefined;
    if (typeof audio?.data !== "string" || typeof audio.format !== "string") throw unsupportedField(`${path}.input_audio`, "send `{data, format}`");
    return { type: "input_audio", input_audio: { data: audio.data, format: audio.format } };
  }
  if (part.type === "input_file") throw unsupportedField(`${path}.type`, "file input is not supported; send the text (or upload the document to the library)");
  return { type: "text", text: partText(part, path) };
}

/** The assistant's answer as output items, and as the chat message the conversation keeps. */
export function outputOf(
  message: { content: string | null; tool_calls?: ChatToolCall[] | undefined },
  ids: { next(): string },
  status: MessageItem["status"],
): { items: OutputItem[]; message: ChatMessage } {
  const items: OutputItem[] = [];
  const content = message.content ?? "";
  const calls = message.tool_calls ?? [];
  if (content !== "" || calls.length === 0) {
    items.push({ type: "message", id: `msg_${ids.next()}`, role: "assistant", status, content: [{ type: "output_text", text: content, annotations: [], logprobs: [] }] });
  }
  for (const call of calls) items.push(functionCallItem(call, ids));
  return { items, message: { role: "assistant", content: message.content, ...(calls.length > 0 ? { tool_calls: calls } : {}) } };
}

export function functionCallItem(call: ChatToolCall, ids: { next(): string }): FunctionCallItem {
  return { type: "function_call", id: `fc_${ids.next()}`, call_id: call.id, name: call.function?.name ?? "", arguments: call.function?.arguments ?? "", status: "completed" };
}

/** What an output item stands for in a later request's `item_reference`. */
export function itemMessages(item: OutputItem): ChatMessage[] {
  if (item.type === "message") return [{ role: "assistant", content: item.content.map((part) => part.text).join("") }];
  return [{ role: "assistant", content: null, tool_calls: [{ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } }] }];
}
