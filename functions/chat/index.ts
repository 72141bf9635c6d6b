import type { CoreConfig } from "../../shared/config.js";
import { defineFunction, type HttpFunction } from "../http-function.js";
import { chatConfig, type ChatConfig } from "./config.js";
import { createChatRoutes } from "./routes.js";
import { createChatService, type ChatService, type ChatServiceDeps } from "./service.js";
import { createSessionRoutes } from "./session-routes.js";
import { createSessionStore } from "./session-store.js";

export type { CapturedTurn, CapturedTurnRef, RetrievalRequest, RetrievedPassage, Retriever, TurnCapture } from "./hooks.js";
export { defaultEndUser } from "./hooks.js";
export type { ArchiveInfo, ChatPool, ChatService, ChatServiceDeps, CompletionResult } from "./service.js";
export type { ClientMessage, CompletionRequestBody } from "./schema.js";
export { engineError } from "./engine-errors.js";
export { createChatService } from "./service.js";
export type { CodeRunner, ToolRun } from "./run-code.js";
export { defaultHistoryTtlSeconds } from "./history.js";
export type { ChatConfig };


export interface ChatFunctionDeps extends ChatServiceDeps {
  config: ChatConfig & Pick<CoreConfig, "maxBodyBytes">;
}

/** JSON escaping and multi-byte UTF-8 can make a body several times its character count. */
const bytesPerInputChar = 4;
const envelopeBytes = 64 * 1024;

/**
 * The chat function: `POST /v1/chat/completions`, `GET /v1/models` (OpenAI-compatible) and
 * `POST /chat` (Archive-AI's original shape), over the inference pool, with per-session history,
 * retrieval and memory capture through the seams in `hooks.ts`.
 */
/**
 * The body size a request holding CHAT_MAX_INPUT_CHARS characters may need, so that the generic
 * body limit does not cut it off first (chat completions, and the routes built on them).
 */
export const chatBodyBytes = (limits: Pick<ChatConfig["chat"], "maxInputChars">) => limits.maxInputChars * bytesPerInputChar + envelopeBytes;

export function createChatFunction(deps: ChatFunctionDeps): HttpFunction {
  const service = createChatService(deps);
  const needed = chatBodyBytes(deps.config.chat);
  const bodyLimits =
    needed > deps.config.maxBodyBytes
      ? [
          { pathPrefix: "/v1/chat/completions", maxBytes: needed },
          { pathPrefix: "/chat", maxBytes: needed },
        ]
      : undefined;
  return {
    name: "chat",
    routes: createChatRoutes({ service, limits: deps.config.chat }).route("/", createSessionRoutes(createSessionStore(deps))),
    needs: ["redis", "inference"],
    ...(bodyLimits ? { bodyLimits } : {}),
    // The routes built on the same chat path (`/v1/responses`) and voice use its service.
    provides: { chat: service },
  };
}

/** Chat over what the functions before it offer: their retrievers, memory's capture, the sandbox's runner. */
export const chatFunction = defineFunction({
  name: "chat",
  config: chatConfig,
  create: ({ platform, seams }) =>
    createChatFunction({
      ...platform,
      retrievers: seams.retrievers,
      capture: seams.capture,
      codeRunner: seams.codeRunner,
      retrievalBudgetMs: platform.config.chat.retrievalBudgetMs,
      engineRequestTimeoutMs: platform.config.inference.requestTimeoutMs,
    }),
});
