import type { ChatMessage } from "../../gpu/openai-types.js";
import { messageText } from "./prompt.js";

/**
 * The default `max_tokens` when a request sets none. vLLM refuses a request whose prompt plus
 * `max_tokens` exceeds the model's context window, so a fixed default (the old 4096) broke every
 * long conversation on a small-window model. The default is what the window leaves after the
 * prompt, capped by CHAT_MAX_TOKENS.
 *
 * The prompt is not tokenized here (that would cost more than the rest of a request): it is
 * estimated on the safe side, at 3 characters a token (English runs at ~4, code and most other
 * languages nearer 3) plus a chat template's few tokens per message. Images and audio are not
 * counted; their token cost depends on the model.
 */
const charsPerToken = 3;
const templateTokensPerMessage = 8;

export function estimatePromptTokens(messages: readonly ChatMessage[], tools: unknown): number {
  let chars = 0;
  for (const message of messages) {
    chars += messageText(message as Parameters<typeof messageText>[0]).length;
    if (message.tool_calls) chars += JSON.stringify(message.tool_calls).length;
  }
  // Tool definitions are rendered into the prompt by the chat template.
  if (Array.isArray(tools) && tools.length > 0) chars += JSON.stringify(tools).length;
  return Math.ceil(chars / charsPerToken) + templateTokensPerMessage * messages.length;
}

/**
 * `cap` when the window is unknown; otherwise the room the window leaves, at most `cap`.
 * Undefined when the estimate leaves no room: the engine then uses what is left of its window
 * itself (vLLM's own default), which beats a guess that would be refused.
 */
export function defaultMaxTokens(options: { messages: readonly ChatMessage[]; tools: unknown; maxModelLen: number | undefined; cap: number }): number | undefined {
  if (options.maxModelLen === undefined) return options.cap;
  const room = options.maxModelLen - estimatePromptTokens(options.messages, options.tools);
  if (room < 1) return undefined;
  return Math.min(options.cap, room);
}
