/**
 * POST /v1/chat/completions in vLLM's wire format, streaming and not.
 * The reply is composed by synthetic-reply.ts; this file only speaks HTTP.
 */
import { Hono } from "hono";
import { delay } from "./delay.js";
import {
  checkContextLength,
  checkModel,
  createdSeconds,
  generationDelayMs,
  usage,
  type EngineContext,
} from "./engine-context.js";
import { finishGeneration, type Generation } from "./generation.js";
import { chatLogprobEntry, type ChatLogprobEntry } from "./logprobs.js";
import {
  chatCompletionRequestSchema,
  parseRequestBody,
  rejectMultipleChoices,
  rejectStreamOptions,
  stopSequences,
  type ChatCompletionRequest,
  type ChatMessage,
} from "./request-schemas.js";
import { createSseResponse, type TimedEvent } from "./sse.js";
import { composeReply, type ChatTurn } from "./synthetic-reply.js";
import { countTokens } from "./tokenize.js";

// A chat template wraps each message in markers (<|im_start|>role … <|im_end|>)
// and primes the assistant turn; these stand in for those template tokens.
const TEMPLATE_TOKENS_PER_MESSAGE = 4;
const TEMPLATE_TOKENS_FOR_REPLY = 3;

export function createChatRoutes(context: EngineContext): Hono {
  const routes = new Hono();

  routes.post("/v1/chat/completions", async (c) => {
    context.recorder.countRequest("chat");
    const parsed = await parseRequestBody(c.req.raw, chatCompletionRequestSchema);
    if (!parsed.ok) return parsed.response;
    const request = parsed.data;
    const rejection =
      checkModel(context, request.model) ?? rejectMultipleChoices(request.n) ?? rejectStreamOptions(request);
    if (rejection) return rejection;

    const turns = request.messages.map(toTurn);
    const promptTokens = countPromptTokens(turns);
    const requestedMaxTokens = request.max_completion_tokens ?? request.max_tokens ?? null;
    const tooLong = checkContextLength(context, promptTokens, requestedMaxTokens);
    if (tooLong) return tooLong;

    const generation = finishGeneration(
      composeReply(turns, context.languageModel),
      {
        previousCore: null,
        maxTokens: requestedMaxTokens ?? context.maxModelLen - promptTokens,
        stop: stopSequences(request.stop),
        draftFinished: true,
      },
      context.languageModel,
    );
    const reply: ChatReply = {
      id: `chatcmpl-${context.createId()}`,
      created: createdSeconds(context),
      promptTokens,
      generation,
      topLogprobs: request.logprobs ? (request.top_logprobs ?? 0) : null,
    };
    const tracker = context.recorder.begin("chat");
    const signal = c.req.raw.signal;
    if (request.stream) return createSseResponse(chatChunks(context, request, reply), { signal, tracker });

    if (!(await delay(generationDelayMs(context, generation.tokens.length), signal))) {
      tracker.abort();
      // Nobody is listening any more; 499 is the conventional "client closed request".
      return new Response(null, { status: 499 });
    }
    tracker.complete();
    return c.json({
      id: reply.id,
      object: "chat.completion",
      created: reply.created,
      model: context.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: generation.text, tool_calls: [] },
          logprobs: reply.topLogprobs === null ? null : { content: logprobEntries(context, reply) },
          finish_reason: generation.finishReason,
          stop_reason: generation.stopReason,
        },
      ],
      usage: usage(promptTokens, generation.tokens.length),
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
  /** null when the request did not ask for logprobs. */
  readonly topLogprobs: number | null;
}

function chatChunks(context: EngineContext, request: ChatCompletionRequest, reply: ChatReply): TimedEvent[] {
  const { generation, promptTokens } = reply;
  const continuousUsage = request.stream_options?.continuous_usage_stats === true;
  const chunk = (choices: unknown[], completionTokens: number): Record<string, unknown> => ({
    id: reply.id,
    object: "chat.completion.chunk",
    created: reply.created,
    model: context.model,
    choices,
    ...(continuousUsage ? { usage: usage(promptTokens, completionTokens) } : {}),
  });
  const entries = reply.topLogprobs === null ? null : logprobEntries(context, reply);
  const lastIndex = generation.tokens.length - 1;

  // vLLM sends the role with the first engine output, i.e. after time to first token.
  const events: TimedEvent[] = [
    {
      delayMs: context.firstTokenDelayMs,
      payload: chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }], 0),
    },
  ];
  generation.tokens.forEach((token, index) => {
    const entry = entries?.[index];
    const isLast = index === lastIndex;
    events.push({
      delayMs: index === 0 ? 0 : context.tokenDelayMs,
      payload: chunk(
        [
          {
            index: 0,
            delta: { content: token.text },
            logprobs: entry ? { content: [entry] } : null,
            finish_reason: isLast ? generation.finishReason : null,
            stop_reason: isLast ? generation.stopReason : null,
          },
        ],
        index + 1,
      ),
    });
  });
  if (generation.tokens.length === 0) {
    const finish = { index: 0, delta: { content: "" }, logprobs: null, finish_reason: generation.finishReason };
    events.push({ delayMs: 0, payload: chunk([{ ...finish, stop_reason: generation.stopReason }], 0) });
  }
  if (request.stream_options?.include_usage) {
    events.push({
      delayMs: 0,
      payload: { ...chunk([], generation.tokens.length), usage: usage(promptTokens, generation.tokens.length) },
    });
  }
  return events;
}

function logprobEntries(context: EngineContext, reply: ChatReply): ChatLogprobEntry[] {
  return reply.generation.tokens.map((token) =>
    chatLogprobEntry(token, reply.topLogprobs ?? 0, context.languageModel),
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
  let total = TEMPLATE_TOKENS_FOR_REPLY;
  for (const turn of turns) total += TEMPLATE_TOKENS_PER_MESSAGE + countTokens(turn.text);
  return total;
}
