import type { Config } from "../../shared/config.js";
import type { ArchiveFunction } from "../function.js";
import { createChatRoutes } from "./routes.js";
import { createChatService, type ChatServiceDeps } from "./service.js";
import { createSessionRoutes } from "./session-routes.js";
import { createSessionStore } from "./session-store.js";

export type { CapturedTurn, CapturedTurnRef, RetrievalRequest, RetrievedPassage, Retriever, TurnCapture } from "./hooks.js";
export { defaultEndUser } from "./hooks.js";
export type { ArchiveInfo, ChatPool, ChatService, ChatServiceDeps } from "./service.js";
export { createChatService } from "./service.js";
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
export function createChatFunction(deps: ChatFunctionDeps): ArchiveFunction {
  const service = createChatService(deps);
  // A body that may hold CHAT_MAX_INPUT_CHARS characters must not be cut off by the generic body limit first.
  const needed = deps.config.chat.maxInputChars * bytesPerInputChar + envelopeBytes;
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
  };
}
