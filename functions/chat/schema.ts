import { z } from "zod";
import type { ChatConfig } from "./config.js";

/**
 * Request bodies chat accepts. The request is passed to the engine faithfully: the OpenAI fields
 * are validated the way OpenAI documents them (a bad value is our 422 naming the field, not an
 * engine error after a queue wait), and every other field — vLLM's extras such as `guided_json`
 * or `chat_template_kwargs` — is forwarded unchanged. The few OpenAI features no engine behind
 * Archive can honour are refused with a 400 naming the field (see unsupported.ts): nothing is
 * silently dropped.
 */

/** Session ids become part of a Redis key and an HTTP header: a short, plain alphabet keeps both safe. */
export const sessionIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;
const sessionIdMessage = "use 1 to 128 letters, digits, `_`, `.`, `:` or `-`";
export const sessionIdSchema = z.string().regex(sessionIdPattern, sessionIdMessage);

/** The part types OpenAI defines and what each must carry; other types (vLLM's `video_url`…) pass as sent. */
const partRequirements: Record<string, string> = { text: "text", image_url: "image_url", input_audio: "input_audio", refusal: "refusal" };

/** An ISO 8601 time with an offset (`2026-05-01T00:00:00Z`), as epoch ms. */
const isoTime = z.iso.datetime({ offset: true }).transform((value) => Date.parse(value));

const contentPartSchema = z
  .looseObject({
    type: z.string().min(1),
    text: z.string().optional(),
    image_url: z.looseObject({ url: z.string().min(1) }).optional(),
    input_audio: z.looseObject({ data: z.string().min(1), format: z.string().min(1) }).optional(),
    refusal: z.string().optional(),
  })
  .superRefine((part, context) => {
    const field = partRequirements[part.type];
    if (field !== undefined && part[field as keyof typeof part] === undefined) {
      context.addIssue({ code: "custom", path: [field], message: `a \`${part.type}\` part needs \`${field}\`` });
    }
  });

const toolCallSchema = z.looseObject({
  id: z.string().min(1).max(256),
  type: z.string().min(1),
  function: z.looseObject({ name: z.string().min(1).max(256), arguments: z.string() }).optional(),
});

export const messageSchema = z.looseObject({
  // `function` is the legacy role; it parses so the refusal can name it (unsupported.ts).
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z
    .union([z.string(), z.array(contentPartSchema)], {
      error: "content must be a string or an array of content parts (`{type: \"text\", text}`, `{type: \"image_url\", image_url: {url}}`, …)",
    })
    .nullable()
    .optional(),
  name: z.string().max(256).optional(),
  tool_call_id: z.string().max(256).optional(),
  tool_calls: z.array(toolCallSchema).max(128).optional(),
});
export type ClientMessage = z.output<typeof messageSchema>;

const penalty = z.number().min(-2).max(2).nullish();

/** Built per config: the `max_tokens` bound is a deployment setting. */
export function createCompletionRequestSchema(limits: ChatConfig["chat"]) {
  const tokenLimit = z
    .number()
    .int()
    .min(1)
    .max(limits.maxTokens, `must be at most ${limits.maxTokens} (CHAT_MAX_TOKENS)`)
    .nullish();
  return z.looseObject({
    model: z.string().min(1).max(256).optional(),
    messages: z.array(messageSchema).min(1, "send at least one message"),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_tokens: tokenLimit,
    max_completion_tokens: tokenLimit,
    stop: z.union([z.string(), z.array(z.string()).max(4)], { error: "stop must be a string or up to 4 strings" }).nullish(),
    seed: z.number().int().nullish(),
    presence_penalty: penalty,
    frequency_penalty: penalty,
    // Several choices are fine; history and memory capture follow choice 0.
    n: z.number().int().min(1).max(128).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
    tools: z.array(z.looseObject({ type: z.string().min(1) })).max(128).nullish(),
    tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string().min(1) })]).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) }).nullish(),
    reasoning_effort: z.string().max(32).nullish(),
    user: z.string().max(256).optional(),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    /** Archive extension: names the conversation whose history is kept (also `X-Session-Id`). */
    session_id: sessionIdSchema.optional(),
    /** Archive extension: per-request switches (`remember: false` keeps this turn out of memory; `after`/`before` bound retrieved memories in time). */
    archive: z
      .object({
        retrieval: z.boolean().optional(),
        remember: z.boolean().optional(),
        after: isoTime.optional(),
        before: isoTime.optional(),
        /** Tools Archive offers the model and runs itself (default: CHAT_TOOLS); `[]` offers none. */
        tools: z.array(z.enum(["run_code"])).max(8).optional(),
      })
      .optional(),
  });
}
export type CompletionRequestBody = z.output<ReturnType<typeof createCompletionRequestSchema>>;

/** The original Archive-AI shape, plus `session_id`. An empty message is checked after parsing (400, as before). */
export const chatRequestSchema = z.object({
  message: z.string(),
  session_id: sessionIdSchema.optional(),
});
