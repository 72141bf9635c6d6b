import { createModalEndpointSource } from "../../gpu/modal-endpoints.js";
import { createInferencePool, type InferencePool } from "../../gpu/pool.js";
import type { Clock } from "../../shared/clock.js";
import type { Config } from "../../functions/compose.js";
import type { InferenceEndpointConfig } from "../../shared/config.js";
import type { Logger } from "../../shared/logger.js";
import { createNodeHttpTransport } from "./http-transport.js";

/** The pool on Node: static endpoints or the web URL of a Modal deployment, over node:http. */
export function createNodePool(options: {
  config: Config;
  logger: Logger;
  clock: Clock;
  endpoints?: InferenceEndpointConfig[] | undefined;
}): InferencePool {
  const { inference } = options.config;
  const endpoints =
    options.endpoints ??
    (inference.modal
      ? createModalEndpointSource({ ...inference.modal, maxConcurrency: inference.concurrency })
      : inference.endpoints);
  const transport = createNodeHttpTransport();
  const pool = createInferencePool({ endpoints, config: inference, logger: options.logger, clock: options.clock, fetch: transport.fetch });
  return {
    ...pool,
    close() {
      pool.close();
      transport.close();
    },
  };
}
