/**
 * POST /v1/completions (the legacy text API) in vLLM's wire format. Its main
 * user is memory scoring: `echo: true, logprobs: 1, max_tokens: 0|1` returns
 * the prompt's own token logprobs, from which perplexity is computed.
 */
import { Hono } from "hono";
import { delay } from "./delay.js";
import { acceptRequest, checkContextLength, createdSeconds, generationDelayMs, usage, type EngineDeps } from "./engine-deps.js";
import { engineErrorResponse } from "./errors.js";
import { finishGeneration, type Generation } from "./generation.js";
import { legacyLogprobs, type ScoredPiece } from "./logprobs.js";
import {
  completionRequestSchema,
  rejectMultipleChoices,
  rejectStreamOptions,
  stopSequences,
  type CompletionRequest,
} from "./request-schemas.js";
import { createSseResponse, type TimedEvent } from "./sse.js";
import { spellAfter } from "./tokenize.js";

/** OpenAI's and vLLM's default for the legacy completions API. */
const defaultMaxTokens = 16;

interface PromptCompletion {
  readonly prompt: string;
  readonly promptPieces: readonly ScoredPiece[];
  readonly generation: Generation;
}

export function createCompletionRoutes(deps: EngineDeps): Hono {
  const routes = new Hono();

  routes.post("/v1/completions", async (c) => {
    const accepted = await acceptRequest(
      deps,
      "completion",
      c.req.raw,
      completionRequestSchema,
      (body) =>
        rejectMultipleChoices(body.n) ??
        rejectStreamOptions(body) ??
        (body.stream && typeof body.prompt !== "string" && body.prompt.length > 1
          ? engineErrorResponse("BadRequestError", "Streaming more than one prompt is not supported by the emulated engine.", "prompt")
          : null),
    );
    if (!accepted.ok) return accepted.response;
    const request = accepted.data;
    const prompts = typeof request.prompt === "string" ? [request.prompt] : request.prompt;

    const maxTokens = request.max_tokens ?? defaultMaxTokens;
    const completions = prompts.map((prompt) => completePrompt(deps, prompt, maxTokens, stopSequences(request.stop)));
    for (const completion of completions) {
      const tooLong = checkContextLength(deps, completion.promptPieces.length, maxTokens);
      if (tooLong) return tooLong;
    }

    const id = `cmpl-${deps.createId()}`;
    const created = createdSeconds(deps);
    const tracker = deps.recorder.begin("completion");
    const signal = c.req.raw.signal;
    const [single] = completions;
    if (request.stream && single) {
      return createSseResponse(completionChunks(deps, request, { id, created, completion: single }), { signal, tracker });
    }

    const longest = Math.max(...completions.map((completion) => completion.generation.tokens.length));
    if (!(await delay(generationDelayMs(deps, longest), signal))) {
      tracker.abort();
      // Nobody is listening any more; 499 is the conventional "client closed request".
      return new Response(null, { status: 499 });
    }
    tracker.complete();
    const promptTokens = sum(completions.map((completion) => completion.promptPieces.length));
    const completionTokens = sum(completions.map((completion) => completion.generation.tokens.length));
    return c.json({
      id,
      object: "text_completion",
      created,
      model: deps.model,
      choices: completions.map((completion, index) => {
        const pieces = [...(request.echo ? completion.promptPieces : []), ...completion.generation.tokens];
        return {
          index,
          text: (request.echo ? completion.prompt : "") + completion.generation.text,
          logprobs: wantsLogprobs(request) ? legacyLogprobs(pieces, 0, request.logprobs ?? 0, deps.languageModel) : null,
          finish_reason: completion.generation.finishReason,
          stop_reason: completion.generation.stopReason,
          prompt_logprobs: null,
        };
      }),
      usage: usage(promptTokens, completionTokens),
    });
  });

  return routes;
}

function completePrompt(deps: EngineDeps, prompt: string, maxTokens: number, stop: string[]): PromptCompletion {
  const { languageModel } = deps;
  const scored = languageModel.scoreText(prompt);
  const promptPieces = scored.map((entry, index) => ({
    text: entry.token.text,
    logprob: entry.logprob,
    previousCore: index === 0 ? null : (scored[index - 1]?.token.core ?? null),
  }));
  // Continue after the last real word; a trailing-whitespace token has an empty core.
  const lastCore = scored.findLast((entry) => entry.token.core !== "")?.token.core ?? null;
  const continuation = languageModel.continueText(lastCore, maxTokens);
  const hugsPrompt = prompt === "" || /\s$/.test(prompt);
  const draft = continuation.cores.map((core, index) => spellAfter(core, index === 0 && hugsPrompt)).join("");
  const generation = finishGeneration(
    draft,
    { previousCore: lastCore, maxTokens, stop, draftFinished: continuation.finished },
    languageModel,
  );
  return { prompt, promptPieces, generation };
}

function completionChunks(
  deps: EngineDeps,
  request: CompletionRequest,
  reply: { id: string; created: number; completion: PromptCompletion },
): TimedEvent[] {
  const { completion } = reply;
  const { generation } = completion;
  const topCount = request.logprobs ?? 0;
  const chunk = (choice: Record<string, unknown>): Record<string, unknown> => ({
    id: reply.id,
    object: "text_completion",
    created: reply.created,
    model: deps.model,
    choices: [{ index: 0, finish_reason: null, stop_reason: null, ...choice }],
  });
  const logprobsFor = (pieces: readonly ScoredPiece[], offset: number): unknown =>
    wantsLogprobs(request) ? legacyLogprobs(pieces, offset, topCount, deps.languageModel) : null;

  const events: TimedEvent[] = [];
  let offset = 0;
  if (request.echo) {
    events.push({
      delayMs: deps.firstTokenDelayMs,
      payload: chunk({ text: completion.prompt, logprobs: logprobsFor(completion.promptPieces, 0) }),
    });
    offset = completion.prompt.length;
  }
  const lastIndex = generation.tokens.length - 1;
  generation.tokens.forEach((token, index) => {
    const isLast = index === lastIndex;
    const firstDelay = request.echo ? 0 : deps.firstTokenDelayMs;
    events.push({
      delayMs: index === 0 ? firstDelay : deps.tokenDelayMs,
      payload: chunk({
        text: token.text,
        logprobs: logprobsFor([token], offset),
        finish_reason: isLast ? generation.finishReason : null,
        stop_reason: isLast ? generation.stopReason : null,
      }),
    });
    offset += token.text.length;
  });
  if (generation.tokens.length === 0) {
    const finish = { text: "", logprobs: null, finish_reason: generation.finishReason, stop_reason: generation.stopReason };
    events.push({ delayMs: request.echo ? 0 : deps.firstTokenDelayMs, payload: chunk(finish) });
  }
  if (request.stream_options?.include_usage) {
    const completionTokens = generation.tokens.length;
    events.push({
      delayMs: 0,
      payload: {
        id: reply.id,
        object: "text_completion",
        created: reply.created,
        model: deps.model,
        choices: [],
        usage: usage(completion.promptPieces.length, completionTokens),
      },
    });
  }
  return events;
}

function wantsLogprobs(request: CompletionRequest): boolean {
  return request.logprobs !== null && request.logprobs !== undefined;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
