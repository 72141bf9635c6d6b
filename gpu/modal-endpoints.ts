/**
 * NODE-ONLY. Discovers the vLLM web endpoint of a Modal deployment (see `gpu/modal/`). The `modal`
 * SDK talks gRPC over HTTP/2, which Workers cannot do, so only Node composition roots import this
 * file; the portable pool sees nothing but the `EndpointSource` it returns.
 */
import { ModalClient } from "modal";
import type { EndpointSource } from "./endpoint-source.js";

/** The slice of `ModalClient` we use, so tests can hand in a fake (Modal's cloud is not reachable here). */
export interface ModalFunctionLookup {
  functions: {
    fromName(appName: string, name: string, params?: { environment?: string }): Promise<{ getWebUrl(): Promise<string | undefined> }>;
  };
  close?(): void;
}

export interface ModalEndpointSourceOptions {
  app: string;
  function: string;
  environment?: string | undefined;
  /** Concurrency limit for the discovered endpoint (`INFERENCE_CONCURRENCY`). */
  maxConcurrency: number;
  /** Defaults to `new ModalClient({ environment })`, created on first use (auth from MODAL_TOKEN_ID/SECRET). */
  client?: ModalFunctionLookup;
}

export function createModalEndpointSource(options: ModalEndpointSourceOptions): EndpointSource {
  let client = options.client;
  // Only a client we built is ours to close.
  const owned = client === undefined;
  const name = `modal:${options.app}/${options.function}`;

  return {
    name,
    async list() {
      client ??= new ModalClient(options.environment ? { environment: options.environment } : {});
      const lookupParams = options.environment ? { environment: options.environment } : undefined;
      const modalFunction = await client.functions.fromName(options.app, options.function, lookupParams);
      const url = await modalFunction.getWebUrl();
      if (!url) {
        throw new Error(`${name} has no web URL: deploy it with @modal.web_server (see gpu/modal/vllm_server.py)`);
      }
      return [{ url: url.replace(/\/+$/, ""), maxConcurrency: options.maxConcurrency }];
    },
    close() {
      if (owned) client?.close?.();
    },
  };
}
