import { Hono } from "hono";
import { z } from "zod";
import { tapBody } from "../../gpu/body-tap.js";
import type { CompletionRequest } from "../../gpu/openai-types.js";
import type { InferencePool } from "../../gpu/pool.js";
import { AppError, clientClosedRequest } from "../../shared/errors.js";
import type { ChatConfig } from "../chat/index.js";
import { engineError } from "../chat/index.js";
import type { AppEnv } from "../app-env.js";
import { eventStreamHeaders, readJson } from "../http.js";
import { outOfBounds } from "./errors.js";

/** Prompts in one request (OpenAI allows batches; each is a full generation on the engine). */
export const maxPromptsPerCompletion = 64;
/** Choices per prompt (`n`, `best_of`): each is another generation. */
export const maxChoicesPerCompletion = 16;

export interface CompletionRoutesOptions {
  pool: Pick<InferencePool, "request" | "model">;
  limits: ChatConfig["chat"];
}

const count = z.number().int().min(1).max(maxChoicesPerCompletion, `at most ${maxChoicesPerCompletion}`).nullish();
const tokens = z.array(z.number().int().min(0));

/**
 * Bounds on what costs engine time; every other field (vLLM's `guided_json`, `logit_bias`,
 * `suffix`, …) reaches the engine as sent, which judges it.
 */
function createRequestSchema(limits: ChatConfig["chat"]) {
  return z.looseObject({
    model: z.string().min(1).max(256).optional(),
    prompt: z.union([z.string(), z.array(z.string()), tokens, z.array(tokens)], {
      error: "prompt must be a string, an array of strings, or token ids",
    }),
    // 0 is meaningful with `echo`: score the prompt, generate nothing (vLLM, OpenAI legacy).
    max_tokens: z.number().int().min(0).max(limits.maxTokens, `must be at most ${limits.maxTokens} (CHAT_MAX_TOKENS)`).nullish(),
    n: count,
    best_of: count,
    logprobs: z.number().int().min(0).max(20).nullish(),
    stream: z.boolean().nullish(),
  });
}

/**
 * `POST /v1/completions`: the engine's legacy completions, passed through (editors' autocomplete
 * uses it). No retrieval and no memory capture — a prefix to continue is not a conversation turn.
 */
export function createCompletionRoutes(options: CompletionRoutesOptions): Hono<AppEnv> {
  const { pool, limits } = options;
  const schema = createRequestSchema(limits);
  const routes = new Hono<AppEnv>();

  routes.post("/v1/completions", async (c) => {
    const body = await readJson(c, schema);
    checkPromptSize(body.prompt, limits);
    const signal = c.req.raw.signal;
    const stream = body.stream === true;
    let response: Response;
    try {
      const request: CompletionRequest = { ...body, model: body.model ?? (await pool.model(signal)) };
      response = await pool.request("/v1/completions", { body: request, signal, stream });
    } catch (error) {
      if (signal.aborted) throw clientClosedRequest(error);
      throw error;
    }
    if (!response.ok) throw await engineError(response, "the completion");
    // The engine's bytes, unchanged: its JSON, or its event stream (the pool cancels the engine if the client leaves).
    const logger = c.get("logger");
    const reply = stream && response.body
      ? tapBody(response.body, { cancel: () => logger.info("client_closed_request", { status: 499, during: "stream" }) })
      : response.body;
    return new Response(reply, {
      status: 200,
      headers: stream ? eventStreamHeaders : { "Content-Type": "application/json" },
    });
  });

  return routes;
}

function checkPromptSize(prompt: string | string[] | number[] | number[][], limits: ChatConfig["chat"]): void {
  const prompts: (string | number | number[])[] = typeof prompt === "string" ? [prompt] : prompt;
  const batch = prompt.length > 0 && (typeof prompt[0] === "string" || Array.isArray(prompt[0]));
  if (batch && prompts.length > maxPromptsPerCompletion) {
    throw outOfBounds("prompt", `at most ${maxPromptsPerCompletion} prompts per request; got ${prompts.length}`);
  }
  // A token id stands for a few characters; counting it as one keeps the bound simple and safe.
  const size = prompts.reduce<number>((total, item) => total + (typeof item === "number" ? 1 : item.length), 0);
  if (size > limits.maxInputChars) {
    throw new AppError({
      code: "input_too_large",
      status: 413,
      title: "Payload Too Large",
      detail: `The prompt holds ${size} characters; the limit is ${limits.maxInputChars} (CHAT_MAX_INPUT_CHARS)`,
      errors: [{ path: "prompt", message: `at most ${limits.maxInputChars} characters in total` }],
    });
  }
}
