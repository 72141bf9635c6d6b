import type { FinishReason, Usage } from "../../../gpu/openai-types.js";
import type { ResponseRequestBody } from "./schema.js";
import type { OutputItem, ResponseObject, ResponseStatus, ResponseUsage } from "./wire.js";

/** What a response shows of its request; fixed from `response.created` to `response.completed`. */
export type ResponseFrame = Omit<ResponseObject, "status" | "output" | "usage" | "error" | "incomplete_details" | "completed_at">;

export function frameOf(body: ResponseRequestBody, ids: { id: string; createdAt: number; model: string }): ResponseFrame {
  return {
    id: ids.id,
    object: "response",
    created_at: Math.floor(ids.createdAt / 1000),
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: ids.model,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? null,
    text: { format: body.text?.format ?? { type: "text" }, verbosity: "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? null,
    truncation: "disabled",
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

export interface ResponseState {
  status: ResponseStatus;
  output: OutputItem[];
  usage?: Usage | undefined;
  /** Set when the reply stopped at `max_output_tokens`. */
  finishReason?: FinishReason | null | undefined;
  error?: { code: string; message: string } | undefined;
  completedAt?: number | undefined;
  archive?: unknown;
}

export function responseObject(frame: ResponseFrame, state: ResponseState): ResponseObject {
  const response: ResponseObject = {
    ...frame,
    status: state.status,
    completed_at: state.completedAt === undefined ? null : Math.floor(state.completedAt / 1000),
    error: state.error ?? null,
    incomplete_details: state.status === "incomplete" ? { reason: state.finishReason === "content_filter" ? "content_filter" : "max_output_tokens" } : null,
    output: state.output,
    usage: state.usage ? responseUsage(state.usage) : null,
  };
  if (state.archive !== undefined) response.archive = state.archive;
  return response;
}

/** Stopped by the token limit (or a filter): OpenAI calls that "incomplete", not "completed". */
export const statusFor = (finishReason: FinishReason | null | undefined): ResponseStatus =>
  finishReason === "length" || finishReason === "content_filter" ? "incomplete" : "completed";

function responseUsage(usage: Usage): ResponseUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}
