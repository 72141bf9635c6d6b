import type { InferenceEndpointConfig } from "../shared/config.js";

/**
 * Where the pool's endpoints come from. The pool asks again from time to time, so a source may
 * change its answer (a Modal redeploy moves the URL); endpoints that stay keep their state.
 */
export interface EndpointSource {
  /** A short name for logs ("static", "modal:app/function"). */
  readonly name: string;
  list(signal?: AbortSignal): Promise<InferenceEndpointConfig[]>;
  close?(): void;
}

/** The endpoints from configuration (`INFERENCE_ENDPOINTS`), fixed for the process's life. */
export function createStaticEndpointSource(endpoints: readonly InferenceEndpointConfig[]): EndpointSource {
  const frozen = endpoints.map((endpoint) => ({ ...endpoint }));
  return {
    name: "static",
    list: () => Promise.resolve(frozen.map((endpoint) => ({ ...endpoint }))),
  };
}
