import { round } from "../load.js";
import type { CapacityResult, CapacityStep } from "./capacity.js";
import type { KnobEffect } from "./knobs.js";
import type { UsageSample } from "./sampler.js";
import type { ScoringResult } from "./scoring.js";
import type { StorageResult } from "./storage.js";

/** CPU per request of each tier, at a request type's capacity step, and what that means for one Redis. */
export interface ScaleRow {
  request: string;
  throughput_rps: number;
  http_cpu_ms: number;
  worker_cpu_ms: number;
  redis_cpu_ms: number;
  /** Requests/s at which the one Redis thread would be busy all the time (nothing else running). */
  redis_ceiling_rps: number | null;
  /** HTTP processes, each on a core of its own at full load, that would bring Redis to that ceiling. */
  http_processes_at_redis_ceiling: number | null;
}

export interface ScaleResult {
  rows: ScaleRow[];
  scoring: { worker_cpu_ms_per_turn: number; redis_cpu_ms_per_turn: number; workers_at_redis_ceiling: number | null };
  /** A chat turn with memory: the chat request plus its scoring job. */
  chat_turn: { redis_cpu_ms: number; redis_ceiling_turns_per_s: number | null; http_processes: number | null; worker_processes: number | null } | null;
  /** Each HTTP process holds a replica of the vectors and BM25 index of every tenant it serves. */
  replica: { bytes_per_memory: number; bytes_per_chunk: number; tenant_100k_memories_mb: number; tenant_10k_documents_mb: number };
  /** The HTTP-processes knob: two HTTP processes on the same two cores, same Redis. */
  simulation: KnobEffect | undefined;
}

const cpuPercent = (usage: UsageSample, prefix: string) =>
  usage.components.filter((component) => component.name.startsWith(prefix)).reduce((total, component) => total + component.cpu_percent, 0);

/**
 * CPU ms per request of the components whose name starts with `prefix` over a sample, less what
 * they use idle (probes, BullMQ's polling, heartbeats): the marginal cost, which is what scales.
 */
function cpuMsPerRequest(usage: UsageSample, idle: UsageSample, prefix: string, requests: number): number {
  const idlePercent = cpuPercent(idle, prefix) / Math.max(1, idle.components.filter((component) => component.name.startsWith(prefix)).length);
  const count = usage.components.filter((component) => component.name.startsWith(prefix)).length;
  const percent = Math.max(0, cpuPercent(usage, prefix) - idlePercent * count);
  return round((percent * 10 * usage.seconds) / Math.max(1, requests));
}

/** Redis CPU ms per request (INFO cpu), less its idle rate. */
function redisMsPerRequest(usage: UsageSample, idle: UsageSample, requests: number): number {
  const marginal = Math.max(0, usage.redis_cpu_ms - (idle.redis_cpu_ms / Math.max(0.001, idle.seconds)) * usage.seconds);
  return Math.round((marginal / Math.max(1, requests)) * 1000) / 1000;
}

export const stepAtCapacity = (result: CapacityResult): CapacityStep | undefined =>
  result.steps.filter((step) => step.within_budget).pop() ?? result.steps[0];

const ratio = (numerator: number, denominator: number) => (denominator > 0 ? round(numerator / denominator) : null);

export function computeScale(input: {
  idle: UsageSample;
  capacity: readonly CapacityResult[];
  scoring: ScoringResult;
  storage: StorageResult;
  replicas: { bytes_per_memory: number; bytes_per_chunk: number };
  effects: readonly KnobEffect[];
}): ScaleResult {
  const rows = input.capacity.flatMap((result): ScaleRow[] => {
    const step = stepAtCapacity(result);
    if (!step) return [];
    const requests = step.load.requests;
    const http = cpuMsPerRequest(step.usage, input.idle, "HTTP process", requests);
    const redis = redisMsPerRequest(step.usage, input.idle, requests);
    return [{
      request: result.key,
      throughput_rps: step.load.throughput_rps,
      http_cpu_ms: http,
      worker_cpu_ms: cpuMsPerRequest(step.usage, input.idle, "worker process", requests),
      redis_cpu_ms: redis,
      redis_ceiling_rps: redis > 0 ? Math.round(1000 / redis) : null,
      http_processes_at_redis_ceiling: ratio(http, redis),
    }];
  });
  const turns = input.scoring.turns;
  const scoringWorker = cpuMsPerRequest(input.scoring.usage, input.idle, "worker process", turns);
  const scoringRedis = redisMsPerRequest(input.scoring.usage, input.idle, turns);
  const chat = rows.find((row) => row.request === "chat");
  const chatRedis = chat ? round(chat.redis_cpu_ms + scoringRedis) : 0;
  const chatCeiling = chatRedis > 0 ? Math.round(1000 / chatRedis) : null;
  const chunkPerDocument = input.storage.chunks_per_source_kb * 100;
  return {
    rows,
    scoring: { worker_cpu_ms_per_turn: scoringWorker, redis_cpu_ms_per_turn: scoringRedis, workers_at_redis_ceiling: ratio(scoringWorker, scoringRedis) },
    chat_turn: chat
      ? {
          redis_cpu_ms: chatRedis,
          redis_ceiling_turns_per_s: chatCeiling,
          http_processes: chatCeiling === null ? null : round((chatCeiling * chat.http_cpu_ms) / 1000),
          worker_processes: chatCeiling === null ? null : round((chatCeiling * scoringWorker) / 1000),
        }
      : null,
    replica: {
      bytes_per_memory: input.replicas.bytes_per_memory,
      bytes_per_chunk: input.replicas.bytes_per_chunk,
      tenant_100k_memories_mb: Math.round((input.replicas.bytes_per_memory * 100_000) / 2 ** 20),
      tenant_10k_documents_mb: Math.round((input.replicas.bytes_per_chunk * chunkPerDocument * 10_000) / 2 ** 20),
    },
    simulation: input.effects.find((effect) => effect.knob.startsWith("HTTP processes")),
  };
}
