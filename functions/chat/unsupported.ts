import { AppError } from "../../shared/errors.js";
import type { CompletionRequestBody } from "./schema.js";

/**
 * The OpenAI chat-completions features no engine behind Archive can honour. Each is refused with
 * a 400 that names the field, so a client learns at once instead of getting an answer that quietly
 * ignored what it asked for. Everything else is forwarded (see schema.ts). `null` means "not set"
 * in OpenAI's API and is never refused.
 */
interface Refusal {
  message: string;
  /** Values that ask for nothing Archive lacks (e.g. `store: false`). */
  allows?: (value: unknown) => boolean;
}

const refusals: Record<string, Refusal> = {
  audio: { message: "audio output is not supported: engines answer in text (use /v1/audio/speech to speak a reply)" },
  functions: { message: "the legacy `functions` parameter is not supported; send `tools`" },
  function_call: { message: "the legacy `function_call` parameter is not supported; send `tool_choice`" },
  prediction: { message: "predicted outputs are not supported" },
  web_search_options: { message: "web search is not supported" },
  moderation: { message: "moderation is not supported" },
  verbosity: { message: "`verbosity` is not supported by the engine; ask for the length you want in the prompt" },
  prompt_cache_options: { message: "prompt cache options are not supported (the engine caches prompt prefixes by itself)" },
  prompt_cache_retention: { message: "prompt cache retention is not supported (the engine caches prompt prefixes by itself)" },
  store: { message: "stored completions are not supported; omit `store` or set it to false", allows: (value) => value === false },
  metadata: { message: "`metadata` belongs to stored completions, which are not supported" },
  service_tier: {
    message: "only the `auto` and `default` service tiers exist here",
    allows: (value) => value === "auto" || value === "default",
  },
  modalities: {
    message: 'only text output is supported: send `modalities: ["text"]` or omit it',
    allows: (value) => Array.isArray(value) && value.every((modality) => modality === "text"),
  },
};

const messageRefusals: Record<string, string> = {
  function_call: "the legacy `function_call` on an assistant message is not supported; send `tool_calls`",
  audio: "a reference to earlier audio output is not supported",
};

/** Throws the 400 when the request asks for something that would otherwise be silently ignored. */
export function refuseUnsupported(body: CompletionRequestBody): void {
  const problems: { path: string; message: string }[] = [];
  const fields = body as Record<string, unknown>;
  for (const [field, refusal] of Object.entries(refusals)) {
    const value = fields[field];
    if (value === undefined || value === null || refusal.allows?.(value)) continue;
    problems.push({ path: field, message: refusal.message });
  }
  body.messages.forEach((message, index) => {
    if (message.role === "function") {
      problems.push({ path: `messages.${index}.role`, message: "the legacy `function` role is not supported; answer a tool call with a `tool` message" });
    }
    for (const [field, message_] of Object.entries(messageRefusals)) {
      const value = (message as Record<string, unknown>)[field];
      if (value !== undefined && value !== null) problems.push({ path: `messages.${index}.${field}`, message: message_ });
    }
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, partIndex) => {
      if (part.type === "file") {
        problems.push({ path: `messages.${index}.content.${partIndex}.type`, message: "file content parts are not supported; send the text (or upload the document to the library)" });
      }
    });
  });
  if (problems.length === 0) return;
  throw new AppError({
    code: "unsupported_parameter",
    status: 400,
    title: "Bad Request",
    detail: `Not supported by Archive: ${problems.map((problem) => `\`${problem.path}\` (${problem.message})`).join("; ")}`,
    errors: problems,
  });
}
