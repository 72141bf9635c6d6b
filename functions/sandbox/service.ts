import type { Clock } from "../../shared/clock.js";
import type { SandboxSettings } from "./config.js";
import { serviceUnavailable, validationFailed } from "../../shared/errors.js";
import { createHistogram } from "../../shared/histogram.js";
import { sandboxUnavailableCode, type SandboxBackend, type SandboxResult, type SandboxStatus } from "./backend.js";
import { createSlotLimiter } from "./limiter.js";
import type { ExecuteRequest } from "./schema.js";

export type SandboxConfig = SandboxSettings["sandbox"];

export const sandboxStatuses: readonly SandboxStatus[] = ["ok", "error", "timeout", "memory_limit", "output_limit"];

export interface SandboxFigures {
  backend: string;
  concurrency: number;
  in_flight: number;
  queued: number;
  executions: Record<SandboxStatus, number>;
  rejected: number;
  unavailable: number;
  duration_ms: { p50: number; p99: number; count: number };
}

export interface SandboxService {
  execute(request: ExecuteRequest, options?: { signal?: AbortSignal | undefined; requestId?: string | undefined }): Promise<SandboxResult>;
  figures(): SandboxFigures;
  readonly durations: ReturnType<typeof createHistogram>;
  readonly backend: SandboxBackend;
}

/**
 * Execution policy in front of any backend: resolves the timeout within its maximum, refuses when
 * the backend cannot isolate (503 with its reason, never a fallback), bounds concurrency with a
 * wait queue, and keeps this process's figures.
 */
export function createSandboxService(deps: { backend: SandboxBackend; config: SandboxConfig; clock: Clock }): SandboxService {
  const { backend, config } = deps;
  const durations = createHistogram();
  const executions = Object.fromEntries(sandboxStatuses.map((status) => [status, 0])) as Record<SandboxStatus, number>;
  let rejected = 0;
  let unavailable = 0;
  const limiter = createSlotLimiter({
    concurrency: config.concurrency,
    queueSize: config.queueSize,
    queueTimeoutMs: config.queueTimeoutMs,
    now: deps.clock.now,
    typicalMs: () => durations.summary().p50,
  });

  return {
    backend,
    durations,
    async execute(request, options = {}) {
      const timeoutMs = request.timeout_ms ?? config.timeoutMs;
      if (timeoutMs > config.maxTimeoutMs) {
        throw validationFailed([{ path: "timeout_ms", message: `timeout_ms may be at most ${config.maxTimeoutMs}` }]);
      }
      const availability = await backend.availability();
      if (!availability.available) {
        unavailable += 1;
        throw serviceUnavailable(`The sandbox cannot run code: ${availability.reason}`, { code: sandboxUnavailableCode, retryAfterSeconds: 30 });
      }
      let slot: number;
      try {
        slot = await limiter.acquire(options.signal);
      } catch (error) {
        rejected += 1;
        throw error;
      }
      try {
        const job = { language: request.language, code: request.code, stdin: request.stdin ?? "", timeoutMs, files: request.files ?? [] };
        const result = await backend.run(job, { slot, signal: options.signal, requestId: options.requestId });
        executions[result.status] += 1;
        durations.record(result.duration_ms);
        return result;
      } finally {
        limiter.release(slot);
      }
    },
    figures() {
      const { p50, p99, count } = durations.summary();
      return {
        backend: backend.name,
        concurrency: config.concurrency,
        in_flight: limiter.inFlight,
        queued: limiter.queued,
        executions: { ...executions },
        rejected,
        unavailable,
        duration_ms: { p50, p99, count },
      };
    },
  };
}
