import type { Clock } from "../shared/clock.js";
import { serviceUnavailable } from "../shared/errors.js";
import type { InferenceEndpointConfig } from "../shared/config.js";
import type { Logger } from "../shared/logger.js";
import { createEndpoint, type Endpoint } from "./endpoint.js";
import type { EndpointSource } from "./endpoint-source.js";

/**
 * The pool's current endpoints, kept in step with an `EndpointSource`. Endpoints that stay in the
 * source keep their state and figures across refreshes; endpoints that leave it stop taking work
 * and are forgotten once their last request ends (never cut off mid-stream).
 */
export interface EndpointRegistry {
  /** Current endpoints, retired ones included until they drain (routing skips them). */
  endpoints(): Iterable<Endpoint>;
  size(): number;
  /** Undefined when endpoints are known (the hot path awaits nothing); else the first listing. */
  ready(): Promise<void> | undefined;
  refresh(): Promise<void>;
  refreshIfStale(): Promise<void>;
  forgetIfRetired(endpoint: Endpoint): void;
}

export interface EndpointRegistryOptions {
  source: EndpointSource;
  clock: Clock;
  logger: Logger;
  refreshIntervalMs: number;
  /** Called after a refresh changed the endpoint set (new capacity for waiters). */
  onChange?: () => void;
  /** Endpoints known up front (static configuration): usable and visible before any listing. */
  initial?: readonly InferenceEndpointConfig[];
}

export function createEndpointRegistry(options: EndpointRegistryOptions): EndpointRegistry {
  const { source, clock, logger } = options;
  const byUrl = new Map<string, Endpoint>();
  let listedAt: number | undefined;
  let inFlight: Promise<void> | undefined;

  const apply = (configs: readonly InferenceEndpointConfig[]) => {
    const seen = new Set<string>();
    let changed = false;
    for (const config of configs) {
      seen.add(config.url);
      const existing = byUrl.get(config.url);
      if (existing) {
        changed ||= existing.retired || existing.maxConcurrency !== config.maxConcurrency;
        existing.retired = false;
        existing.maxConcurrency = config.maxConcurrency;
      } else {
        byUrl.set(config.url, createEndpoint(config));
        changed = true;
      }
    }
    for (const [url, endpoint] of byUrl) {
      if (seen.has(url) || endpoint.retired) continue;
      endpoint.retired = true;
      changed = true;
      if (endpoint.inFlight === 0) byUrl.delete(url);
    }
    if (changed) {
      logger.info("inference_endpoints_listed", { source: source.name, endpoints: configs.length });
      options.onChange?.();
    }
  };

  const refresh = () => {
    inFlight ??= source
      .list()
      .then(
        (configs) => {
          listedAt = clock.now();
          apply(configs);
        },
        (error: unknown) => {
          logger.warn("inference_endpoints_list_failed", { source: source.name, error });
          throw serviceUnavailable(`Could not list inference endpoints from ${source.name}`, {
            code: "inference_unavailable",
            cause: error,
            retryAfterSeconds: 5,
          });
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  if (options.initial) {
    for (const config of options.initial) byUrl.set(config.url, createEndpoint(config));
    listedAt = clock.now();
  }

  const isStale = () => listedAt === undefined || clock.now() - listedAt >= options.refreshIntervalMs;

  return {
    endpoints: () => byUrl.values(),
    size: () => {
      let count = 0;
      for (const endpoint of byUrl.values()) if (!endpoint.retired) count++;
      return count;
    },
    ready() {
      if (listedAt === undefined) return refresh();
      // Known endpoints keep serving while a stale list is refreshed in the background.
      if (isStale()) void refresh().catch(() => undefined);
      return undefined;
    },
    refresh,
    refreshIfStale: () => (isStale() ? refresh() : Promise.resolve()),
    forgetIfRetired(endpoint) {
      if (!endpoint.retired || endpoint.inFlight > 0) return;
      for (const [url, candidate] of byUrl) if (candidate === endpoint) byUrl.delete(url);
    },
  };
}
