/**
 * POST /v1/chat/completions in vLLM's wire format, streaming and not.
 * The reply is composed by synthetic-reply.ts; this file only speaks HTTP.
 */
import { Hono } from "hono";
import { delay } from "./delay.js";
import { acceptRequest, checkContextLength, createdSeconds, generationDelayMs, usage, type EngineDeps } from "./engine-deps.js";
import { finishGeneration, type Generation } from "./generation.js";
import { planOutput, type PlannedToolCall } from "./assistant-output.js";
import { engineErrorResponse } from "./errors.js";
import { chatLogprobEntry, type ChatLogprobEntry } from "./logprobs.js";
import {
  chatCompletionRequestSchema,
  rejectStreamOptions,
  stopSequences,
  type ChatCompletionRequest,
  type ChatMessage,
} from "./request-schemas.js";
import { createSseResponse, type TimedEvent } from "./sse.js";
import type { ChatTurn } from "./synthetic-reply.js";
import { countTokens } from "./tokenize.js";

// A chat template wraps each message in markers (<|im_start|>role … <|im_end|>)
// and primes the assistant turn; these stand in for those template tokens.
const templateTokensPerMessage = 4;
const templateTokensForReply = 3;

export function createChatRoutes(deps: EngineDeps): Hono {
  const routes = new Hono();

  routes.post("/v1/chat/completions", async (c) => {
    const accepted = await acceptRequest(deps, "chat", c.req.raw, chatCompletionRequestSchema, (body) => rejectStreamOptions(body) ?? rejectToolChoiceWithoutTools(body));
    if (!accepted.ok) return accepted.response;
    const request = accepted.data;

    const turns = request.messages.map(toTurn);
    const promptTokens = countPromptTokens(turns);
    const requestedMaxTokens = request.max_completion_tokens ?? request.max_tokens ?? null;
    const tooLong = checkContextLength(deps, promptTokens, requestedMaxTokens);
    if (tooLong) return tooLong;

    const output = planOutput(request, turns, deps.languageModel);
    const generation = finishGeneration(
      output.kind === "text" ? output.text : "",
      {
        previousCore: null,
        maxTokens: requestedMaxTokens ?? deps.maxModelLen - promptTokens,
        stop: stopSequences(request.stop),
        draftFinished: true,
      },
      deps.languageModel,
    );
    const toolCalls =
      output.kind === "tool_calls"
        ? output.calls.map((call) => ({ id: `chatcmpl-tool-${deps.createId()}`, type: "function" as const, function: call }))
        : undefined;
    const reply: ChatReply = {
      id: `chatcmpl-${deps.createId()}`,
      created: createdSeconds(deps),
      promptTokens,
      generation,
      toolCalls,
      completionTokens: toolCalls ? toolCalls.reduce((total, call) => total + countTokens(call.function.arguments), 0) : generation.tokens.length,
      // Deterministic: every choice is the same answer (as vLLM with temperature 0).
      choices: request.n ?? 1,
      topLogprobs: request.logprobs ? (request.top_logprobs ?? 0) : null,
    };
    const tracker = deps.recorder.begin("chat");
    const signal = c.req.raw.signal;
    if (request.stream) return createSseResponse(chatChunks(deps, request, reply), { signal, tracker });

    if (!(await delay(generationDelayMs(deps, reply.completionTokens), signal))) {
      tracker.abort();
      // Nobody is listening any more; 499 is the conventional "client closed request".
      return new Response(null, { status: 499 });
    }
    tracker.complete();
    const logprobs = reply.topLogprobs === null || toolCalls ? null : { content: logprobEntries(deps, reply) };
    return c.json({
      id: reply.id,
      object: "chat.completion",
      created: reply.created,
      model: deps.model,
      choices: Array.from({ length: reply.choices }, (_, index) => ({
        index,
        message: toolCalls ? { role: "assistant", content: null, tool_calls: toolCalls } : { role: "assistant", content: generation.text, tool_calls: [] },
        logprobs,
        finish_reason: toolCalls ? "tool_calls" : generation.finishReason,
        stop_reason: toolCalls ? null : generation.stopReason,
      })),
      usage: usage(promptTokens, reply.completionTokens * reply.choices),
      prompt_logprobs: null,
    });
  });

  return routes;
}

interface ChatReply {
  readonly id: string;
  readonly created: number;
  readonly promptTokens: number;
  readonly generation: Generation;
  /** Set when the answer is tool calls instead of text. */
  readonly toolCalls: readonly { id: string; type: "function"; function: PlannedToolCall }[] | undefined;
  /** Per choice. */
  readonly completionTokens: number;
  readonly choices: number;
  /** null when the request did not ask for logprobs. */
  readonly topLogprobs: number | null;
}

/** vLLM's rule: a forced tool choice needs tools to choose from. */
function rejectToolChoiceWithoutTools(request: ChatCompletionRequest): Response | null {
  const forced = request.tool_choice === "required" || (typeof request.tool_choice === "object" && request.tool_choice !== null);
  if (!forced || (request.tools && request.tools.length > 0)) return null;
  return engineErrorResponse("BadRequestError", "When using `tool_choice`, `tools` must be set.", "tool_choice");
}

/** Arguments arrive in a few pieces, as a model writes them, so clients must join the deltas. */
function argumentPieces(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

/** The `choices[0]` entries of one choice's chunks, in order. */
function choiceDeltas(deps: EngineDeps, reply: ChatReply, index: number): { choice: Record<string, unknown>; completionTokens: number }[] {
  const { generation, toolCalls } = reply;
  const deltas: { choice: Record<string, unknown>; completionTokens: number }[] = [
    { choice: { index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }, completionTokens: 0 },
  ];
  if (toolCalls) {
    toolCalls.forEach((call, callIndex) => {
      deltas.push({
        choice: { index, delta: { tool_calls: [{ index: callIndex, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, logprobs: null, finish_reason: null },
        completionTokens: 0,
      });
      for (const piece of argumentPieces(call.function.arguments)) {
        deltas.push({ choice: { index, delta: { tool_calls: [{ index: callIndex, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }, completionTokens: 0 });
      }
    });
    deltas.push({ choice: { index, delta: {}, logprobs: null, finish_reason: "tool_calls", stop_reason: null }, completionTokens: reply.completionTokens });
    return deltas;
  }
  const entries = reply.topLogprobs === null ? null : logprobEntries(deps, reply);
  const lastIndex = generation.tokens.length - 1;
  generation.tokens.forEach((token, tokenIndex) => {
    const entry = entries?.[tokenIndex];
    const isLast = tokenIndex === lastIndex;
    deltas.push({
      choice: {
        index,
        delta: { content: token.text },
        logprobs: entry ? { content: [entry] } : null,
        finish_reason: isLast ? generation.finishReason : null,
        stop_reason: isLast ? generation.stopReason : null,
      },
      completionTokens: tokenIndex + 1,
    });
  });
  if (generation.tokens.length === 0) {
    deltas.push({ choice: { index, delta: { content: "" }, logprobs: null, finish_reason: generation.finishReason, stop_reason: generation.stopReason }, completionTokens: 0 });
  }
  return deltas;
}

function chatChunks(deps: EngineDeps, request: ChatCompletionRequest, reply: ChatReply): TimedEvent[] {
  const { promptTokens } = reply;
  const continuousUsage = request.stream_options?.continuous_usage_stats === true;
  const chunk = (choices: unknown[], completionTokens: number): Record<string, unknown> => ({
    id: reply.id,
    object: "chat.completion.chunk",
    created: reply.created,
    model: deps.model,
    choices,
    ...(continuousUsage ? { usage: usage(promptTokens, completionTokens) } : {}),
  });
  // With n > 1 the choices' chunks interleave, one step of each choice per token time, as vLLM's do.
  const perChoice = Array.from({ length: reply.choices }, (_, index) => choiceDeltas(deps, reply, index));
  const events: TimedEvent[] = [];
  const steps = perChoice[0]?.length ?? 0;
  for (let step = 0; step < steps; step++) {
    perChoice.forEach((deltas, index) => {
      const entry = deltas[step]!;
      // vLLM sends the role with the first engine output, i.e. after time to first token.
      const delayMs = index > 0 ? 0 : step === 0 ? deps.firstTokenDelayMs : step === 1 ? 0 : deps.tokenDelayMs;
      events.push({ delayMs, payload: chunk([entry.choice], entry.completionTokens) });
    });
  }
  if (request.stream_options?.include_usage) {
    const total = reply.completionTokens * reply.choices;
    events.push({ delayMs: 0, payload: { ...chunk([], total), usage: usage(promptTokens, total) } });
  }
  return events;
}

function logprobEntries(deps: EngineDeps, reply: ChatReply): ChatLogprobEntry[] {
  return reply.generation.tokens.map((token) =>
    chatLogprobEntry(token, reply.topLogprobs ?? 0, deps.languageModel),
  );
}

export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (!content) return "";
  return content
    .map((part) => (part.type === "text" && part.text !== undefined ? part.text : ""))
    .filter((text) => text !== "")
    .join("\n");
}

function toTurn(message: ChatMessage): ChatTurn {
  return { role: message.role, text: messageText(message) };
}

function countPromptTokens(turns: readonly ChatTurn[]): number {
  let total = templateTokensForReply;
  for (const turn of turns) total += templateTokensPerMessage + countTokens(turn.text);
  return total;
}
