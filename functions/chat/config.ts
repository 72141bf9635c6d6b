import { z } from "zod";
import { defineConfigSlice, type SectionOf, flag, integer } from "../../shared/config.js";

/** Chat's variables: history, request bounds, retrieval budget, tools. */
export const chatConfig = defineConfigSlice(
  {
    MEMORY_RETRIEVAL: { schema: flag.default(true), doc: "Add relevant memories and library passages to chat context by default (per request: `archive.retrieval`)." },
    CHAT_HISTORY_MESSAGES: { schema: integer(0, 1000).default(20), doc: "Messages of a session's history kept and replayed." },
    CHAT_MAX_MESSAGES: { schema: integer(1, 10000).default(256), doc: "Most messages accepted in one chat request." },
    CHAT_MAX_INPUT_CHARS: { schema: integer(1, 10000000).default(200000), doc: "Most characters of message content in one chat request." },
    CHAT_RETRIEVAL_BUDGET_MS: { schema: integer(1, 60000).default(300), doc: "Longest a chat request waits for memory and library retrieval before it goes on without." },
    CHAT_MAX_TOKENS: { schema: integer(1, 1000000).default(4096), doc: "Upper bound (and default) for `max_tokens`." },
    CHAT_TOOLS: { schema: z.enum(["", "run_code"]).default(""), doc: "Tools Archive offers the model and runs itself on every chat request (per request: `archive.tools`): `run_code` runs Python/JavaScript in the sandbox." },
    CHAT_TOOL_MAX_STEPS: { schema: integer(1, 16).default(4), doc: "Rounds of tool calls Archive runs for one chat request before the model must answer in text." },
  },
  (raw) => ({
    chat: {
      historyMessages: raw.CHAT_HISTORY_MESSAGES,
      maxMessages: raw.CHAT_MAX_MESSAGES,
      maxInputChars: raw.CHAT_MAX_INPUT_CHARS,
      maxTokens: raw.CHAT_MAX_TOKENS,
      tools: raw.CHAT_TOOLS ? [raw.CHAT_TOOLS] : [],
      toolMaxSteps: raw.CHAT_TOOL_MAX_STEPS,
      retrievalBudgetMs: raw.CHAT_RETRIEVAL_BUDGET_MS,
      retrievalByDefault: raw.MEMORY_RETRIEVAL,
    },
  }),
);

export type ChatConfig = SectionOf<typeof chatConfig>;
