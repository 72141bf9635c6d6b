import { z } from "zod";
import type { Config } from "../../shared/config.js";

/**
 * Request bodies chat accepts. The OpenAI fields are validated the way OpenAI documents them so a
 * bad value is our 422 naming the field, not an engine error after a queue wait. Fields we do not
 * know are dropped rather than forwarded: the engine only ever sees parameters listed here.
 */

/** Session ids become part of a Redis key and an HTTP header: a short, plain alphabet keeps both safe. */
export const sessionIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;
const sessionIdMessage = "use 1 to 128 letters, digits, `_`, `.`, `:` or `-`";
export const sessionIdSchema = z.string().regex(sessionIdPattern, sessionIdMessage);

/** An ISO 8601 time with an offset (`2026-05-01T00:00:00Z`), as epoch ms. */
const isoTime = z.iso.datetime({ offset: true }).transform((value) => Date.parse(value));

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() });

export const messageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  // Archive serves text models; an image part would only fail later inside the engine.
  content: z
    .union([z.string(), z.array(textPartSchema)], {
      error: "content must be a string or an array of `{type: \"text\", text}` parts",
    })
    .nullable()
    .optional(),
  name: z.string().max(256).optional(),
  tool_call_id: z.string().max(256).optional(),
});
export type ClientMessage = z.output<typeof messageSchema>;

const penalty = z.number().min(-2).max(2).nullish();

/** Built per config: the `max_tokens` bound is a deployment setting. */
export function createCompletionRequestSchema(limits: Config["chat"]) {
  const tokenLimit = z
    .number()
    .int()
    .min(1)
    .max(limits.maxTokens, `must be at most ${limits.maxTokens} (CHAT_MAX_TOKENS)`)
    .nullish();
  return z.object({
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
    // History and capture follow one reply; several choices would leave "the" reply undefined.
    n: z.literal(1, { error: "only n = 1 is supported" }).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    user: z.string().max(256).optional(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    /** Archive extension: names the conversation whose history is kept (also `X-Session-Id`). */
    session_id: sessionIdSchema.optional(),
    /** Archive extension: per-request switches (`remember: false` keeps this turn out of memory; `after`/`before` bound retrieved memories in time). */
    archive: z
      .object({ retrieval: z.boolean().optional(), remember: z.boolean().optional(), after: isoTime.optional(), before: isoTime.optional() })
      .optional(),
  });
}
export type CompletionRequestBody = z.output<ReturnType<typeof createCompletionRequestSchema>>;

/** The original Archive-AI shape, plus `session_id`. An empty message is checked after parsing (400, as before). */
export const chatRequestSchema = z.object({
  message: z.string(),
  session_id: sessionIdSchema.optional(),
});
