/**
 * The GPU inference pool: portable (Web APIs only). The Modal endpoint source needs Node and is
 * imported by composition roots from `gpu/modal-endpoints.ts` directly, never through this file,
 * so bundling `gpu/` for Workers never pulls in the gRPC SDK.
 */
export { createInferencePool } from "./pool.js";
export type { InferencePool, InferencePoolConfig, InferencePoolOptions, PoolFetch, PoolRequestInit } from "./pool-types.js";
export type { PoolSnapshot } from "./pool-snapshot.js";
export type { EndpointSnapshot, EndpointState, Percentiles } from "./endpoint.js";
export { createStaticEndpointSource } from "./endpoint-source.js";
export type { EndpointSource } from "./endpoint-source.js";
export {
  createSseDecoder,
  observeChatCompletionStream,
  readChatCompletionChunks,
  readSseEvents,
  sseDone,
} from "./sse.js";
export type { ChatStreamObserver, SseDecoder, SseEvent } from "./sse.js";
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatContentPart,
  ChatMessage,
  ChatRole,
  ChatToolCall,
  Completion,
  CompletionLogprobs,
  CompletionRequest,
  Embedding,
  EmbeddingRequest,
  EmbeddingResponse,
  EngineErrorBody,
  FinishReason,
  Model,
  ModelList,
  SamplingParameters,
  StreamOptions,
  Usage,
} from "./openai-types.js";
