import { isAppError, serviceUnavailable } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { ModelList } from "./openai-types.js";

/** The model to ask for and its context window (vLLM's `max_model_len`; undefined when the engine does not say). */
export interface ModelInfo {
  id: string;
  maxModelLen: number | undefined;
}

export interface ModelResolver {
  /** The configured name, else the first id the engine lists. */
  model(signal?: AbortSignal): Promise<string>;
  /** The model and its context window, from the same one cached `GET /v1/models`. */
  info(signal?: AbortSignal): Promise<ModelInfo>;
}

/**
 * Which model to ask the engine for. Never hard-coded (the original's 404-on-mismatch bug): the
 * configured name, else the first id the engine lists at `GET /v1/models`, asked once and cached.
 * The same answer carries the context window, which chat needs to choose a default `max_tokens`
 * that leaves room for the prompt.
 */
export function createModelResolver(options: {
  configured: string | undefined;
  /** The pool's own request, so discovery obeys routing, limits and retries. */
  request: (path: string, init: { method: string }) => Promise<Response>;
  logger: Logger;
}): ModelResolver {
  let discovery: Promise<ModelInfo> | undefined;

  const discover = async (): Promise<ModelInfo> => {
    const response = await options.request("/v1/models", { method: "GET" });
    if (!response.ok) {
      await response.body?.cancel();
      throw serviceUnavailable(`The inference engine refused to list its models (HTTP ${response.status})`, { code: "inference_unavailable" });
    }
    const list = (await response.json()) as Partial<ModelList>;
    const entry = (options.configured ? list.data?.find((model) => model.id === options.configured) : undefined) ?? list.data?.[0];
    const id = options.configured ?? entry?.id;
    if (!id) throw serviceUnavailable("The inference engine lists no model", { code: "inference_unavailable" });
    const length = entry?.id === id ? entry.max_model_len : undefined;
    const maxModelLen = typeof length === "number" && Number.isInteger(length) && length > 0 ? length : undefined;
    options.logger.info("inference_model_discovered", { model: id, max_model_len: maxModelLen });
    return { id, maxModelLen };
  };

  const info = (signal?: AbortSignal): Promise<ModelInfo> => {
    // One discovery shared by all callers; it runs without any one caller's signal, so a caller
    // leaving early only stops its own wait. A failure is not cached: the next call tries again.
    const shared = (discovery ??= discover().catch((error: unknown) => {
      discovery = undefined;
      throw isAppError(error) ? error : serviceUnavailable("Model discovery failed", { code: "inference_unavailable", cause: error });
    }));
    if (!signal) return shared;
    return new Promise<ModelInfo>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  };

  return {
    model: (signal) => (options.configured ? Promise.resolve(options.configured) : info(signal).then((found) => found.id)),
    async info(signal) {
      if (!options.configured) return info(signal);
      // A configured model never waits on a failing discovery: without the window the default is CHAT_MAX_TOKENS.
      try {
        return await info(signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        return { id: options.configured, maxModelLen: undefined };
      }
    },
  };
}
