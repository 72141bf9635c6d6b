import { isAppError, serviceUnavailable } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { ModelList } from "./openai-types.js";

/**
 * Which model to ask the engine for. Never hard-coded (the original's 404-on-mismatch bug): the
 * configured name, else the first id the engine lists at `GET /v1/models`, asked once and cached.
 */
export function createModelResolver(options: {
  configured: string | undefined;
  /** The pool's own request, so discovery obeys routing, limits and retries. */
  request: (path: string, init: { method: string }) => Promise<Response>;
  logger: Logger;
}): (signal?: AbortSignal) => Promise<string> {
  let discovery: Promise<string> | undefined;

  const discover = async (): Promise<string> => {
    const response = await options.request("/v1/models", { method: "GET" });
    if (!response.ok) {
      await response.body?.cancel();
      throw serviceUnavailable(`The inference engine refused to list its models (HTTP ${response.status})`, { code: "inference_unavailable" });
    }
    const list = (await response.json()) as Partial<ModelList>;
    const id = list.data?.[0]?.id;
    if (!id) throw serviceUnavailable("The inference engine lists no model", { code: "inference_unavailable" });
    options.logger.info("inference_model_discovered", { model: id });
    return id;
  };

  return (signal) => {
    if (options.configured) return Promise.resolve(options.configured);
    // One discovery shared by all callers; it runs without any one caller's signal, so a caller
    // leaving early only stops its own wait. A failure is not cached: the next call tries again.
    const shared = (discovery ??= discover().catch((error: unknown) => {
      discovery = undefined;
      throw isAppError(error) ? error : serviceUnavailable("Model discovery failed", { code: "inference_unavailable", cause: error });
    }));
    if (!signal) return shared;
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  };
}
