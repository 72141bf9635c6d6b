import type { Config } from "../../shared/config.js";
import type { ArchiveFunction } from "../function.js";
import { createChatRoutes } from "./routes.js";
import { createChatService, type ChatService, type ChatServiceDeps } from "./service.js";
import { createSessionRoutes } from "./session-routes.js";
import { createSessionStore } from "./session-store.js";

export type { CapturedTurn, CapturedTurnRef, RetrievalRequest, RetrievedPassage, Retriever, TurnCapture } from "./hooks.js";
export { defaultEndUser } from "./hooks.js";
export type { ArchiveInfo, ChatPool, ChatScope, ChatService, ChatServiceDeps, CompletionResult } from "./service.js";
export type { ClientMessage, CompletionRequestBody } from "./schema.js";
export { engineError } from "./engine-errors.js";
export { scopeOf as chatScopeOf } from "./routes.js";
export { createChatService } from "./service.js";
export type { CodeRunner, ToolRun } from "./run-code.js";
export { defaultHistoryTtlSeconds } from "./history.js";

export interface ChatFunctionDeps extends ChatServiceDeps {
  config: Pick<Config, "chat" | "memory" | "maxBodyBytes">;
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
export const chatBodyBytes = (limits: Pick<Config["chat"], "maxInputChars">) => limits.maxInputChars * bytesPerInputChar + envelopeBytes;

/** The function, plus its service for the routes built on the same chat path (`/v1/responses`). */
export type ChatFunction = ArchiveFunction & { service: ChatService };

export function createChatFunction(deps: ChatFunctionDeps): ChatFunction {
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
    checks: ["redis", "inference"],
    ...(bodyLimits ? { bodyLimits } : {}),
    service,
  };
}
