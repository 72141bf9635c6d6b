import type { RequestScope } from "../request-scope.js";
import type { Redis } from "ioredis";
import type { InferencePool } from "../../gpu/pool.js";
import type { ChatCompletion, ChatCompletionRequest, ModelList } from "../../gpu/openai-types.js";
import type { Clock, IdGenerator } from "../../shared/clock.js";
import type { ChatConfig } from "./config.js";
import { AppError, badRequest, clientClosedRequest } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import type { RedisKeys } from "../../shared/redis-keys.js";
import { assembleMessages, latestUserMessage, messageText, referenceMessage, wantsReplay } from "./prompt.js";
import { retrievePassages } from "./retrieval.js";
import { engineError } from "./engine-errors.js";
import { engineDeadline, isChatCompletion, readEngineJson } from "./engine-reply.js";
import type { CapturedTurnRef, RetrievalRequest, Retriever, RetrievedPassage, TurnCapture } from "./hooks.js";
import { createHistoryStore, type HistoryMessage } from "./history.js";
import type { ClientMessage, CompletionRequestBody } from "./schema.js";
import { completionAsStream } from "./completion-stream.js";
import { completeWithRunCode, runCodeToolName, type CodeRunner, type ToolRun } from "./run-code.js";
import { passThroughChatStream } from "./stream.js";
import { defaultMaxTokens } from "./token-budget.js";
import { refuseUnsupported } from "./unsupported.js";
import { turnIdFor } from "./turn-identity.js";

/** What chat needs of the pool: routing, limits and retries stay the pool's business. */
export type ChatPool = Pick<InferencePool, "request" | "model" | "modelInfo">;

export interface ChatServiceDeps {
  pool: ChatPool;
  keys: RedisKeys;
  clock: Clock;
  ids: IdGenerator;
  config: ChatConfig;
  logger: Logger;
  retrievers?: readonly Retriever[];
  capture?: TurnCapture;
  /** How long retrieval may hold up a reply (default 300 ms). */
  retrievalBudgetMs?: number;
  /** The sandbox, for the run_code tool; without it the tool is never offered. */
  codeRunner?: CodeRunner | undefined;
  /** Total deadline of a non-streamed completion (INFERENCE_REQUEST_TIMEOUT_MS). */
  engineRequestTimeoutMs?: number;
  /** Idle lifetime of a session's history (default 30 days). */
  historyTtlSeconds?: number;
}

export interface ArchiveInfo {
  session_id: string | null;
  retrieved: { source: RetrievedPassage["source"]; id: string; similarity: number; citation: Record<string, unknown> }[];
  /** The run_code calls Archive executed for this answer: code, outcome, output. */
  tool_runs?: ToolRun[];
}

export type CompletionResult =
  | { kind: "json"; completion: ChatCompletion & { archive: ArchiveInfo }; sessionId: string | undefined }
  | { kind: "stream"; body: ReadableStream<Uint8Array>; sessionId: string | undefined };

export interface ChatService {
  /** `POST /v1/chat/completions`; `sessionId` is the body's or the `X-Session-Id` header's (nothing else names one). */
  complete(body: CompletionRequestBody, sessionId: string | undefined, scope: RequestScope): Promise<CompletionResult>;
  /** `POST /chat`: one message in, the reply text out; a session is always kept (a new one when none is named). */
  reply(input: { message: string; sessionId: string | undefined }, scope: RequestScope): Promise<{ response: string; engine: string; sessionId: string }>;
  models(signal: AbortSignal | undefined): Promise<ModelList>;
  /** The bounds chat enforces (CHAT_*), for the routes built on the same path (`/v1/responses`, `/v1/completions`). */
  readonly limits: ChatConfig["chat"];
}

const defaultEngineRequestTimeoutMs = 120_000;
const defaultRetrievalBudgetMs = 300;
/** Saving history delays the end of a reply; past this it is abandoned (and logged) instead. */
const historySaveBudgetMs = 2000;

export function createChatService(deps: ChatServiceDeps): ChatService {
  const { pool, clock, config } = deps;
  const retrievers = deps.retrievers ?? [];
  const history = createHistoryStore({
    keys: deps.keys,
    clock,
    maxMessages: config.chat.historyMessages,
    ttlSeconds: deps.historyTtlSeconds,
  });

  const checkBounds = (messages: readonly ClientMessage[]): number => {
    if (messages.length > config.chat.maxMessages) {
      throw new AppError({
        code: "too_many_messages",
        status: 400,
        title: "Bad Request",
        detail: `A request may hold at most ${config.chat.maxMessages} messages (got ${messages.length}); send fewer or use a session_id`,
        errors: [{ path: "messages", message: `at most ${config.chat.maxMessages} messages` }],
      });
    }
    const chars = messages.reduce((total, message) => total + messageText(message).length, 0);
    if (chars > config.chat.maxInputChars) {
      throw new AppError({
        code: "input_too_large",
        status: 413,
        title: "Payload Too Large",
        detail: `The messages hold ${chars} characters; the limit is ${config.chat.maxInputChars} (CHAT_MAX_INPUT_CHARS)`,
        errors: [{ path: "messages", message: `at most ${config.chat.maxInputChars} characters in total` }],
      });
    }
    return chars;
  };

  /**
   * Memory capture: started, never awaited; a failure is logged and the reply goes on. Returns
   * the captured turn's identity, so retrieval can tell that turn's own memory from context.
   */
  const startCapture = (scope: RequestScope, sessionId: string | undefined, message: string, answered: string | undefined): CapturedTurnRef | undefined => {
    const capture = deps.capture;
    if (!capture || message.trim() === "") return undefined;
    const session = sessionId ?? "";
    const turn = { turnId: turnIdFor(scope.tenant, session, scope.requestId, message), capturedAt: clock.now() };
    // Taken now, so the router holds the request's lease until the response is done. The `catch`
    // only keeps Node from calling a failure unhandled while we wait: it is reported below.
    const redis = scope.redis();
    redis.catch(() => undefined);
    const task = (async () => {
      // The enqueue (a Redis script) waits for the next turn of the event loop, after the engine
      // request went out: it shares this thread with the reply and must not go first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await capture.capture({ tenant: scope.tenant, endUser: scope.endUser, sessionId: session, message, answered, ...turn }, await redis);
    })().catch((error: unknown) => scope.logger.error("chat_capture_failed", { error }));
    scope.defer?.(task);
    return turn;
  };

  const loadHistory = async (scope: RequestScope, sessionId: string, budgetChars: number): Promise<HistoryMessage[]> => {
    try {
      return await history.load(await scope.redis(), scope, sessionId, budgetChars);
    } catch (error) {
      // History makes a reply better; without Redis the question can still be answered.
      scope.logger.warn("chat_history_unavailable", { error, session_id: sessionId });
      return [];
    }
  };

  const saveHistory = async (scope: RequestScope, sessionId: string, exchange: HistoryMessage[]): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const save = history.append(await scope.redis(), scope, sessionId, exchange);
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), historySaveBudgetMs);
      });
      // Promise.race subscribes to `save`, so a late rejection after the timeout is not unhandled.
      if ((await Promise.race([save, deadline])) === "timeout") {
        scope.logger.error("chat_history_save_failed", { session_id: sessionId, reason: "timeout" });
      }
    } catch (error) {
      scope.logger.error("chat_history_save_failed", { session_id: sessionId, error });
    } finally {
      clearTimeout(timer);
    }
  };

  const retrieveFor = async (
    scope: RequestScope,
    sessionId: string | undefined,
    query: string,
    turn: CapturedTurnRef | undefined,
    window: RetrievalRequest["window"],
  ): Promise<RetrievedPassage[]> => {
    let redis: Redis;
    try {
      redis = await scope.redis();
    } catch (error) {
      scope.logger.warn("chat_retrieval_skipped", { reason: "redis", error });
      return [];
    }
    return retrievePassages({
      retrievers,
      request: { tenant: scope.tenant, endUser: scope.endUser, sessionId: sessionId ?? "", query, redis, turn, window },
      signal: scope.signal,
      budgetMs: deps.retrievalBudgetMs ?? defaultRetrievalBudgetMs,
      logger: scope.logger,
    });
  };

  /** A rejection caused by the client leaving becomes a quiet 499 instead of a logged 500. */
  const unlessClientLeft = async <Result>(scope: RequestScope, work: Promise<Result>): Promise<Result> => {
    try {
      return await work;
    } catch (error) {
      if (scope.signal?.aborted) throw clientClosedRequest(error);
      throw error;
    }
  };

  const complete: ChatService["complete"] = async (body, requestedSession, scope) => {
    refuseUnsupported(body);
    const inputChars = checkBounds(body.messages);
    // Only an explicit session replays history: OpenAI's `user` names the person (scope.endUser),
    // and front-ends send it on every request of every conversation.
    const sessionId = requestedSession;
    const last = body.messages.at(-1);
    // The turn is the client's newest message when it is a user message; earlier ones were captured before.
    const userTurn = last?.role === "user" ? messageText(last) : undefined;
    // What the turn answered: the assistant message just before it, if any.
    const previous = body.messages.at(-2);
    const answered = previous?.role === "assistant" ? messageText(previous) : undefined;
    const captured = userTurn === undefined || body.archive?.remember === false ? undefined : startCapture(scope, sessionId, userTurn, answered);
    const window = body.archive && { after: body.archive.after, before: body.archive.before };

    const query = latestUserMessage(body.messages);
    const retrieve = (body.archive?.retrieval ?? config.chat.retrievalByDefault) && retrievers.length > 0 && Boolean(query?.trim());
    const replay = sessionId !== undefined && wantsReplay(body.messages);
    // The model's context window matters only when the client leaves `max_tokens` to us; a client
    // that names its model never waits on (or fails with) model discovery for it.
    const needsWindow = body.max_tokens == null && body.max_completion_tokens == null;
    const named = { id: body.model ?? "", maxModelLen: undefined };
    const [engineModel, replayed, passages] = await unlessClientLeft(
      scope,
      Promise.all([
        body.model === undefined ? pool.modelInfo(scope.signal) : needsWindow ? pool.modelInfo(scope.signal).catch(() => named) : named,
        replay ? loadHistory(scope, sessionId, config.chat.maxInputChars - inputChars) : [],
        retrieve && query ? retrieveFor(scope, sessionId, query, captured, window) : [],
      ]),
    );

    const model = body.model ?? engineModel.id;
    // The window is known only for the model the engine listed; another one gets the plain cap.
    const maxModelLen = model === engineModel.id ? engineModel.maxModelLen : undefined;
    const { messages, session_id: _session, archive: _switches, max_tokens, max_completion_tokens, ...sampling } = body;
    const assembled = assembleMessages(messages, replayed, referenceMessage(passages));
    const request: ChatCompletionRequest = {
      ...sampling,
      model,
      messages: assembled,
      // The default leaves the prompt room in the engine's window and never exceeds CHAT_MAX_TOKENS.
      max_tokens: needsWindow ? defaultMaxTokens({ messages: assembled, tools: body.tools, maxModelLen, cap: config.chat.maxTokens }) : max_tokens,
      max_completion_tokens,
    };
    const archive: ArchiveInfo = {
      session_id: sessionId ?? null,
      retrieved: passages.map(({ source, id, similarity, citation }) => ({ source, id, similarity, citation })),
    };
    // Undefined when there is no history to keep, so a streamed reply need not be decoded. With
    // n > 1 the history keeps choice 0. A reply without text (a tool call) is not kept: the client
    // runs the tool loop and sends those turns itself, and a bare user turn would replay wrongly.
    const remember =
      sessionId !== undefined && userTurn !== undefined
        ? async (content: string) => {
            if (content !== "") await saveHistory(scope, sessionId, [{ role: "user", content: userTurn }, { role: "assistant", content }]);
          }
        : undefined;
    scope.logger.debug("chat_completion", { model, session_id: sessionId, replayed: replayed.length, retrieved: passages.length, stream: body.stream === true });

    const stream = body.stream === true;
    const codeRunner = deps.codeRunner;
    if (codeRunner && (body.archive?.tools ?? config.chat.tools).includes(runCodeToolName)) {
      const send = async (step: ChatCompletionRequest) => {
        const answer = await pool.request("/v1/chat/completions", { body: step, signal: scope.signal });
        if (!answer.ok) throw await engineError(answer, "the chat completion");
        return readEngineJson<ChatCompletion>(answer, "the chat completion", isChatCompletion, scope.signal);
      };
      const { completion, runs } = await unlessClientLeft(
        scope,
        completeWithRunCode({ request, send, runner: codeRunner, maxSteps: config.chat.toolMaxSteps, signal: scope.signal, requestId: scope.requestId }),
      );
      const withRuns = { ...archive, tool_runs: runs };
      await remember?.(completion.choices[0]?.message.content ?? "");
      if (stream) return { kind: "stream", body: completionAsStream(completion, { leading: { archive: withRuns }, includeUsage: body.stream_options?.include_usage === true }), sessionId };
      return { kind: "json", completion: { ...completion, archive: withRuns }, sessionId };
    }
    // A stream is bounded by the first-token and idle deadlines; a single reply by one total deadline.
    const deadline = stream ? undefined : engineDeadline(deps.engineRequestTimeoutMs ?? defaultEngineRequestTimeoutMs, scope.signal);
    const guard = <T>(work: Promise<T>) => (deadline ? deadline.guard(work) : work);
    const response = await guard(
      unlessClientLeft(scope, pool.request("/v1/chat/completions", { body: request, signal: deadline?.signal ?? scope.signal, stream })),
    );
    if (!response.ok) throw await engineError(response, "the chat completion");

    if (stream && response.body) {
      const passThrough = passThroughChatStream(response.body, {
        leading: { archive },
        fallback: { id: `chatcmpl-${scope.requestId}`, created: Math.floor(clock.now() / 1000), model },
        // A stream cut off before [DONE] is not saved: half an answer would be replayed as a whole one.
        onComplete: remember && ((reply) => remember(reply.content)),
        onCancel: () => scope.logger.info("client_closed_request", { status: 499, during: "stream" }),
      });
      return { kind: "stream", body: passThrough, sessionId };
    }

    const completion = await guard(unlessClientLeft(scope, readEngineJson<ChatCompletion>(response, "the chat completion", isChatCompletion, deadline?.signal)));
    await remember?.(completion.choices[0]?.message.content ?? "");
    return { kind: "json", completion: { ...completion, archive }, sessionId };
  };

  return {
    complete,
    limits: config.chat,

    async reply(input, scope) {
      if (input.message.trim() === "") throw badRequest("The message is empty; send the text to answer in `message`", "empty_message");
      const sessionId = input.sessionId ?? deps.ids.next();
      const result = await complete({ messages: [{ role: "user", content: input.message }] }, sessionId, scope);
      if (result.kind !== "json") throw new Error("a non-streamed request produced a stream");
      const { completion } = result;
      return { response: completion.choices[0]?.message.content ?? "", engine: completion.model, sessionId };
    },

    async models(signal) {
      let response: Response;
      try {
        response = await pool.request("/v1/models", { method: "GET", signal });
      } catch (error) {
        if (signal?.aborted) throw clientClosedRequest(error);
        throw error;
      }
      if (!response.ok) throw await engineError(response, "the model list");
      return (await response.json()) as ModelList;
    },
  };
}
