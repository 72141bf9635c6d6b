import { z } from "zod";
import type { ChatConfig } from "../../chat/index.js";

/**
 * `POST /v1/responses` as Archive accepts it: the fields of openai-node's `ResponseCreateParams`
 * that map onto the chat path. Every other field of that type is listed in `offValues`: accepted
 * only with the value that means "nothing to do", otherwise a 400 naming it. A field that is in
 * neither list is refused as unknown, so nothing is ever silently dropped.
 */
const text = z.string();
const inputText = z.object({ type: z.literal("input_text"), text });
const outputText = z.looseObject({ type: z.literal("output_text"), text });
const refusal = z.object({ type: z.literal("refusal"), refusal: text });
// Parsed so that each gets a 400 naming it, not a vague "invalid union".
const otherPart = z.looseObject({ type: z.string() });
export const contentPartSchema = z.union([inputText, outputText, refusal, otherPart]);

export const messageItemSchema = z.object({
  type: z.literal("message").optional(),
  id: z.string().max(256).nullish(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([text, z.array(contentPartSchema)]),
  status: z.enum(["in_progress", "completed", "incomplete"]).nullish(),
  phase: z.enum(["commentary", "final_answer"]).nullish(),
});
export const functionCallItemSchema = z.object({
  type: z.literal("function_call"),
  id: z.string().max(256).nullish(),
  call_id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  arguments: text,
  status: z.enum(["in_progress", "completed", "incomplete"]).nullish(),
});
export const functionCallOutputItemSchema = z.object({
  type: z.literal("function_call_output"),
  id: z.string().max(256).nullish(),
  call_id: z.string().min(1).max(256),
  output: z.union([text, z.array(contentPartSchema)]),
  status: z.enum(["in_progress", "completed", "incomplete"]).nullish(),
});
export const itemReferenceSchema = z.object({ type: z.literal("item_reference"), id: z.string().min(1).max(256) });
/** Each item is checked against its own type's schema (items.ts), so errors name the item's field. */
export const inputItemSchema = z.looseObject({ type: z.string().nullish() });
export type InputItem = z.output<typeof inputItemSchema>;
export type ContentPart = z.output<typeof contentPartSchema>;

const functionTool = z.object({
  type: z.literal("function"),
  name: z.string().min(1).max(64),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
export const toolSchema = z.union([functionTool, z.looseObject({ type: z.string() })]);
export type FunctionTool = z.output<typeof functionTool>;

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), name: z.string().min(1) }),
  z.looseObject({ type: z.string() }),
]);

const textFormat = z.union([
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);

/** OpenAI's metadata bound: 16 pairs, keys up to 64 characters, values up to 512. */
const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 16, "at most 16 keys")
  .nullish();

export function createResponseRequestSchema(limits: Pick<ChatConfig["chat"], "maxTokens">) {
  return z.looseObject({
    model: z.string().min(1).max(256).optional(),
    input: z.union([text, z.array(inputItemSchema)]).optional(),
    instructions: text.nullish(),
    tools: z.array(toolSchema).max(128).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    text: z.object({ format: textFormat.optional(), verbosity: z.enum(["low", "medium", "high"]).nullish() }).nullish(),
    max_output_tokens: z.number().int().min(1).max(limits.maxTokens, `must be at most ${limits.maxTokens} (CHAT_MAX_TOKENS)`).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    user: z.string().max(256).nullish(),
    metadata,
    store: z.boolean().nullish(),
    previous_response_id: z.string().min(1).max(256).nullish(),
    stream: z.boolean().nullish(),
    // `include_obfuscation` pads deltas against side channels; Archive never pads, which is its "false".
    stream_options: z.object({ include_obfuscation: z.boolean().optional() }).nullish(),
    /** Archive extension, as on chat completions: per-request switches. */
    archive: z.object({ retrieval: z.boolean().optional() }).optional(),
  });
}
export type ResponseRequestBody = z.output<ReturnType<typeof createResponseRequestSchema>>;

/**
 * The rest of `ResponseCreateParams`, each with what it may be when sent. A field not in the
 * schema above nor here is not part of the Responses API (or newer than openai-node 6.49).
 */
export const offValues: Record<string, (value: unknown) => boolean> = {
  background: (value) => value === false,
  context_management: (value) => Array.isArray(value) && value.length === 0,
  conversation: () => false,
  include: (value) => Array.isArray(value) && value.length === 0,
  moderation: () => false,
  prompt: () => false,
  prompt_cache_key: () => false,
  prompt_cache_options: () => false,
  prompt_cache_retention: () => false,
  reasoning: (value) => typeof value === "object" && value !== null && Object.values(value).every((entry) => entry === null || entry === undefined),
  safety_identifier: () => false,
  service_tier: (value) => value === "auto" || value === "default",
  top_logprobs: (value) => value === 0,
  // Archive never cuts a conversation to fit: one that is too long is a 413, which is "disabled".
  truncation: (value) => value === "disabled",
};
