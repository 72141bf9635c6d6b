/**
 * What every route of the emulated engine depends on (model, window, delays, stats, clock, ids),
 * built once by createEmulatedEngine and handed to each route group, and the checks every route
 * makes against it (the model name, the context window).
 */
import type { z } from "zod";
import { engineErrorResponse, modelNotFoundResponse } from "./errors.js";
import type { LanguageModel } from "./language-model.js";
import { parseRequestBody, type ParsedRequest } from "./request-schemas.js";
import type { StatsRecorder } from "./stats.js";

export interface EngineDeps {
  readonly model: string;
  readonly maxModelLen: number;
  readonly tokenDelayMs: number;
  readonly firstTokenDelayMs: number;
  readonly languageModel: LanguageModel;
  readonly recorder: StatsRecorder;
  /** Milliseconds since the epoch; only used for `created` fields. */
  readonly now: () => number;
  /** Unique suffix for response ids ("chatcmpl-<id>"). */
  readonly createId: () => string;
}

/** Like vLLM: an omitted model means the served one; any other name is a 404. */
function checkModel(deps: EngineDeps, requestedModel: string | null | undefined): Response | null {
  if (requestedModel === undefined || requestedModel === null || requestedModel === "") return null;
  return requestedModel === deps.model ? null : modelNotFoundResponse(requestedModel);
}

/**
 * How every endpoint starts, as vLLM does: count the request, parse the body (a 400 for bad JSON or
 * a bad field), then refuse another model's name and whatever else `refuse` names. Either the
 * request or the error response to send.
 */
export async function acceptRequest<T extends { model?: string | null | undefined }>(
  deps: EngineDeps,
  kind: string | undefined,
  request: Request,
  schema: z.ZodType<T>,
  refuse: (body: T) => Response | null = () => null,
): Promise<ParsedRequest<T>> {
  deps.recorder.countRequest(kind);
  const parsed = await parseRequestBody(request, schema);
  if (!parsed.ok) return parsed;
  const rejection = checkModel(deps, parsed.data.model) ?? refuse(parsed.data);
  return rejection ? { ok: false, response: rejection } : parsed;
}

export function createdSeconds(deps: EngineDeps): number {
  return Math.floor(deps.now() / 1000);
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details: null;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: null,
  };
}

/** Total wait for a whole generation, so non-streaming replies take as long as streamed ones. */
export function generationDelayMs(deps: EngineDeps, completionTokens: number): number {
  return deps.firstTokenDelayMs + deps.tokenDelayMs * Math.max(0, completionTokens - 1);
}

/** vLLM refuses a request whose prompt plus requested completion exceeds the context window. */
export function checkContextLength(deps: EngineDeps, promptTokens: number, maxTokens: number | null): Response | null {
  const requested = promptTokens + (maxTokens ?? 0);
  if (requested <= deps.maxModelLen && promptTokens < deps.maxModelLen) return null;
  return engineErrorResponse(
    "BadRequestError",
    `This model's maximum context length is ${deps.maxModelLen} tokens. However, you requested ` +
      `${requested} tokens (${promptTokens} in the messages, ${maxTokens ?? 0} in the completion). ` +
      "Please reduce the length of the messages or completion.",
  );
}
