/**
 * The OpenAI wire format as vLLM speaks it: the request and response bodies Archive sends to and
 * receives from the pool. Only the fields Archive reads or forwards are spelled out; engines add
 * more (vLLM's `prompt_logprobs`, `stop_reason`, …), hence the open index signatures on requests.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool" | "developer" | "function";

/** `text`, `image_url`, `input_audio`, `refusal`, or an engine's own (vLLM's `video_url`, …). */
export interface ChatContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  input_audio?: { data: string; format: string };
  [extension: string]: unknown;
}

export interface ChatToolCall {
  id: string;
  type: string;
  function?: { name: string; arguments: string };
  [extension: string]: unknown;
}

export interface ChatMessage {
  role: ChatRole;
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  [extension: string]: unknown;
}

export interface StreamOptions {
  include_usage?: boolean;
}

/** Sampling parameters both chat and text completions accept. */
export interface SamplingParameters {
  model: string;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  logit_bias?: Record<string, number> | null;
  user?: string;
  stream?: boolean | null;
  stream_options?: StreamOptions | null;
  [extension: string]: unknown;
}

export interface ChatCompletionRequest extends SamplingParameters {
  messages: ChatMessage[];
  max_completion_tokens?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  response_format?: { type: "text" | "json_object" | "json_schema"; json_schema?: unknown; [extension: string]: unknown } | null;
  tools?: unknown[] | null;
  tool_choice?: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call" | "abort";

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[]; reasoning_content?: string | null };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }[];
  usage?: Usage;
  system_fingerprint?: string | null;
}

/** One `data:` event of a streamed chat completion. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: "assistant"; content?: string | null; tool_calls?: Partial<ChatToolCall>[]; reasoning_content?: string | null };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }[];
  /** Only on the final chunk, and only with `stream_options.include_usage` (its `choices` is then empty). */
  usage?: Usage | null;
  system_fingerprint?: string | null;
}

export interface CompletionRequest extends SamplingParameters {
  prompt: string | string[] | number[] | number[][];
  /** With `logprobs`, returns the prompt's own token log-probabilities: how memory scores perplexity. */
  echo?: boolean;
  logprobs?: number | null;
  suffix?: string | null;
  best_of?: number | null;
}

/** Legacy completions log-probabilities; the first prompt token's entry is `null` (nothing precedes it). */
export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[] | null;
  text_offset: number[];
}

export interface Completion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: { index: number; text: string; logprobs: CompletionLogprobs | null; finish_reason: FinishReason | null }[];
  usage?: Usage;
}

export interface Model {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  /** vLLM extensions. */
  root?: string;
  max_model_len?: number;
}

export interface ModelList {
  object: "list";
  data: Model[];
}

export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
}

export interface Embedding {
  object: "embedding";
  index: number;
  embedding: number[];
}

export interface EmbeddingResponse {
  object: "list";
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/**
 * An engine's error body. OpenAI (and recent vLLM) wrap it in `{error: {...}}`; older vLLM releases
 * answer the flat form `{object: "error", message, type, code}`.
 */
export type EngineErrorBody =
  | { error: { message: string; type?: string; param?: string | null; code?: string | number | null } }
  | { object: "error"; message: string; type?: string; param?: string | null; code?: number | string | null };
