import { defaultLocalEmbedderThreads } from "../../../infra/node/embeddings/local-embedder.js";
import { round } from "../load.js";
import type { CapacityResult } from "./capacity.js";
import type { Deployment } from "./deployment.js";
import type { ScoringResult } from "./scoring.js";

/** One setting changed once from the default, and the request type whose capacity it should move. */
export interface Knob {
  knob: string;
  from: string;
  to: string;
  request: string;
  restart: Parameters<Deployment["restart"]>[0];
  /** Worker knobs also move scoring throughput. */
  scoring?: boolean;
}

export const knobs: Knob[] = [
  { knob: "EMBEDDINGS_THREADS", from: `${defaultLocalEmbedderThreads()} (default, min(2, cores))`, to: "1", request: "memory-search", restart: { httpEnv: { EMBEDDINGS_THREADS: "1" } } },
  { knob: "INFERENCE_CONCURRENCY", from: "16 (default)", to: "64", request: "chat", restart: { httpEnv: { INFERENCE_CONCURRENCY: "64" } } },
  { knob: "SANDBOX_CONCURRENCY", from: "4 (default)", to: "8", request: "sandbox", restart: { httpEnv: { SANDBOX_CONCURRENCY: "8" } } },
  { knob: "worker processes", from: "1", to: "2", request: "ingestion", restart: { workers: 2 }, scoring: true },
  { knob: "HTTP processes (scale-out on one machine)", from: "1", to: "2", request: "memory-search", restart: { http: 2 } },
];

export interface Capacity {
  concurrency: number;
  throughput_rps: number;
}

export interface KnobEffect {
  knob: string;
  from: string;
  to: string;
  request: string;
  before: Capacity | null;
  after: Capacity | null;
  /** Throughput after vs before (%), at capacity, or where a run had none at the highest concurrency both ran. */
  throughput_change_percent: number | null;
  /** What the change compares. */
  basis: string;
  result: CapacityResult;
  scoring?: { before_turns_per_s: number; after_turns_per_s: number; change_percent: number };
  recommendation: string;
}

const change = (before: number, after: number) => round(((after - before) / Math.max(1e-9, before)) * 100);

/** The measured effect of a knob, and what follows from it for a machine like the one measured. */
function compare(before: CapacityResult, after: CapacityResult): { change: number | null; basis: string } {
  if (before.capacity && after.capacity) return { change: change(before.capacity.throughput_rps, after.capacity.throughput_rps), basis: "req/s at capacity" };
  const common = before.steps.filter((step) => after.steps.some((other) => other.concurrency === step.concurrency)).pop();
  const other = common && after.steps.find((step) => step.concurrency === common.concurrency);
  if (!common || !other) return { change: null, basis: "nothing comparable" };
  return { change: change(common.load.throughput_rps, other.load.throughput_rps), basis: `req/s at ${common.concurrency} at once (over budget in a run)` };
}

export function knobEffect(knob: Knob, before: CapacityResult, after: CapacityResult, scoring?: { before: ScoringResult; after: ScoringResult }): KnobEffect {
  const { change: throughput, basis } = compare(before, after);
  const scoringChange = scoring ? change(scoring.before.turns_per_s, scoring.after.turns_per_s) : undefined;
  const moved = throughput ?? 0;
  const verdict =
    moved >= 15
      ? `raise it: ${knob.to} gave +${moved} % here`
      : moved <= -15
        ? `keep ${knob.from.split(" ")[0]}: ${knob.to} cost ${moved} % here`
        : `no effect beyond noise here (${moved > 0 ? "+" : ""}${moved} %): the limit is elsewhere (${after.limited_by.component || "not reached"})`;
  return {
    knob: knob.knob,
    from: knob.from,
    to: knob.to,
    request: knob.request,
    before: before.capacity && { concurrency: before.capacity.concurrency, throughput_rps: before.capacity.throughput_rps },
    after: after.capacity && { concurrency: after.capacity.concurrency, throughput_rps: after.capacity.throughput_rps },
    throughput_change_percent: throughput,
    basis,
    result: after,
    ...(scoring && scoringChange !== undefined
      ? { scoring: { before_turns_per_s: scoring.before.turns_per_s, after_turns_per_s: scoring.after.turns_per_s, change_percent: scoringChange } }
      : {}),
    recommendation: verdict,
  };
}
