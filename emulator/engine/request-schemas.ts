/**
 * Request bodies the emulated engine accepts, validated like vLLM's pydantic
 * models: unknown fields are allowed (OpenAI clients send many), malformed
 * known fields are a 400 in vLLM's error format.
 */
import { z } from "zod";
import { engineErrorResponse } from "./errors.js";

const stopSchema = z.union([z.string(), z.array(z.string())]).nullish();
const streamOptionsSchema = z
  .looseObject({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() })
  .nullish();
// Sampling settings are accepted and ignored: the emulated engine is deterministic.
const countSchema = z.number().int().min(1).nullish();

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

export const chatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().nullish(),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: streamOptionsSchema,
  max_tokens: countSchema,
  max_completion_tokens: countSchema,
  n: countSchema,
  stop: stopSchema,
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string() })]).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z.looseObject({ type: z.enum(["text", "json_object", "json_schema"]) }).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z.looseObject({
  model: z.string().nullish(),
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  stream: z.boolean().nullish(),
  stream_options: streamOptionsSchema,
  // 0 is allowed with echo: it asks for prompt logprobs only (how perplexity is measured).
  max_tokens: z.number().int().min(0).nullish(),
  n: countSchema,
  stop: stopSchema,
  echo: z.boolean().nullish(),
  logprobs: z.number().int().min(0).max(20).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.looseObject({
  model: z.string().nullish(),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

export type ParsedRequest<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly response: Response };

export async function parseRequestBody<T>(request: Request, schema: z.ZodType<T>): Promise<ParsedRequest<T>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, response: engineErrorResponse("BadRequestError", `Request body is not valid JSON: ${reason}`) };
  }
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, data: result.data };
  const message = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
  return { ok: false, response: engineErrorResponse("BadRequestError", message) };
}

export function stopSequences(stop: string | readonly string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === "string" ? [stop] : [...stop]).filter((sequence) => sequence.length > 0);
}

/** vLLM serves n > 1 by sampling; a deterministic emulator would return n identical copies, so it refuses. */
export function rejectMultipleChoices(n: number | null | undefined): Response | null {
  if (n === null || n === undefined || n === 1) return null;
  return engineErrorResponse("BadRequestError", "n > 1 is not supported by the emulated engine.", "n");
}

/** Same rule and message as vLLM: stream_options only make sense on a stream. */
export function rejectStreamOptions(request: { stream?: boolean | null; stream_options?: unknown }): Response | null {
  if (request.stream_options === null || request.stream_options === undefined || request.stream === true) return null;
  return engineErrorResponse("BadRequestError", "Stream options can only be defined when `stream=True`.", "stream_options");
}
