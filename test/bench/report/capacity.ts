import { cpus } from "node:os";
import { round, runLoad, type LoadResult, type StreamRequest } from "../load.js";
import { sampled, type Sampler, type UsageSample } from "./sampler.js";

/** A request type the report finds the capacity of, by stepping concurrency until p99 breaks its budget. */
export interface RequestType {
  key: string;
  name: string;
  /** The budget, in words, as the report states it. */
  budget: string;
  /** p99 of the budgeted figure may not exceed this (ms). */
  budgetMs: number;
  /** `latency`: p99 of the whole request; `ttft_added`: p99 time to first token minus the engine's own. */
  figure: "latency" | "ttft_added";
  levels: readonly number[];
  stepMs: number;
  /** A step also lasts until this many requests were answered (at most `maxStepMs`): p99 of a few dozen is their maximum. */
  minRequests?: number;
  request: StreamRequest;
  /** The engine alone at the same concurrency (for `ttft_added`), run right before each step. */
  baseline?: StreamRequest;
  /** After each step (not measured): clean up what the step left, report what it left. */
  afterStep?(): Promise<Record<string, number>>;
}

export interface CapacityStep {
  concurrency: number;
  load: LoadResult;
  baseline?: LoadResult;
  /** The budgeted figure's p99 (ms). */
  p99_ms: number;
  within_budget: boolean;
  usage: UsageSample;
  after?: Record<string, number>;
}

export interface CapacityResult {
  key: string;
  name: string;
  budget: string;
  steps: CapacityStep[];
  /** The highest step within budget; null when even the first broke it. */
  capacity: { concurrency: number; throughput_rps: number; p99_ms: number } | null;
  /** The most requests/s of any step (budget or not, failures at most 1 %): the plateau once a resource saturates. */
  peak: { concurrency: number; throughput_rps: number } | null;
  /** What stopped it, read from the breaking step (or why nothing did). */
  limit: string;
  /** The same, for ranking: the kind of limit and the component it sits in. */
  limited_by: LimitKind;
}

export interface LimitKind {
  kind: "refusals" | "machine-cpu" | "event-loop" | "queueing" | "failures" | "not-reached";
  /** The busiest component at the breaking step. */
  component: string;
}

/** The longest a step runs to gather its `minRequests`. */
const maxStepMs = 30_000;

/** Failures beyond this share of a step's requests break the budget like a slow p99 does. */
const maxFailureShare = 0.01;

export async function findCapacity(type: RequestType, sampler: Sampler, log: (line: string) => void): Promise<CapacityResult> {
  const steps: CapacityStep[] = [];
  const measure = async (concurrency: number) => {
    const until = type.minRequests ? { minRequests: type.minRequests, maxMs: maxStepMs } : undefined;
    const baseline = type.baseline ? await runLoad(concurrency, type.stepMs, type.baseline, until) : undefined;
    const { result: load, usage } = await sampled(sampler, () => runLoad(concurrency, type.stepMs, type.request, until));
    const p99 = type.figure === "ttft_added" ? round(load.ttft_ms.p99 - (baseline?.ttft_ms.p99 ?? 0)) : load.latency_ms.p99;
    const step: CapacityStep = { concurrency, load, ...(baseline ? { baseline } : {}), p99_ms: p99, within_budget: !failedTooOften(load) && p99 <= type.budgetMs, usage };
    const after = await type.afterStep?.();
    if (after) step.after = after;
    steps.push(step);
    log(`  ${type.key} ×${concurrency}: ${load.throughput_rps} req/s, p99 ${p99} ms${load.failures ? `, ${load.failures} failed` : ""}${step.within_budget ? "" : " — over budget"}`);
    return step;
  };
  let passed: number | undefined;
  let broke: number | undefined;
  for (const concurrency of type.levels) {
    if (!(await measure(concurrency)).within_budget) {
      broke = concurrency;
      break;
    }
    passed = concurrency;
  }
  // One step between the last within budget and the first over it (geometric middle): capacity
  // to within ~1.4× instead of the levels' 2×, which is what two runs can agree on.
  if (passed !== undefined && broke !== undefined && broke > passed + 1) await measure(Math.round(Math.sqrt(passed * broke)));
  steps.sort((left, right) => left.concurrency - right.concurrency);
  const best = steps.filter((step) => step.within_budget).pop();
  const broken = steps.find((step) => !step.within_budget && step.concurrency > (best?.concurrency ?? 0));
  const peak = steps.filter((step) => !failedTooOften(step.load)).sort((left, right) => right.load.throughput_rps - left.load.throughput_rps)[0];
  return {
    key: type.key,
    name: type.name,
    budget: type.budget,
    steps,
    capacity: best ? { concurrency: best.concurrency, throughput_rps: best.load.throughput_rps, p99_ms: best.p99_ms } : null,
    peak: peak ? { concurrency: peak.concurrency, throughput_rps: peak.load.throughput_rps } : null,
    ...(broken
      ? explainLimit(broken, type.budgetMs)
      : { limit: `not reached: within budget up to ${best?.concurrency} at once (the highest step)`, limited_by: { kind: "not-reached" as const, component: "" } }),
  };
}

const failedTooOften = (load: LoadResult) => load.failures > maxFailureShare * (load.requests + load.failures) || load.requests === 0;

const saturated = 85;

/**
 * Reads the breaking step for its cause: refusals (a bounded queue answering 429), the whole
 * machine's CPU, one process's event loop (one core at most), its other threads, or none of these
 * (latency grows with queueing in front of a fixed-size pool).
 */
export function explainLimit(step: CapacityStep, budgetMs: number): { limit: string; limited_by: LimitKind } {
  const { load, usage } = step;
  const parts: string[] = [];
  const refused = Object.entries(load.failure_reasons).filter(([reason]) => reason === "status 429" || reason === "status 503");
  if (refused.length > 0) parts.push(`refusals (${refused.map(([reason, count]) => `${count}× ${reason.replace("status ", "")}`).join(", ")}): a bounded queue was full`);
  const failures = Object.entries(load.failure_reasons).filter(([reason]) => reason !== "status 429" && reason !== "status 503");
  if (failures.length > 0) parts.push(`failures (${failures.map(([reason, count]) => `${count}× ${reason}`).join(", ")})`);
  const byCpu = [...usage.components].sort((left, right) => right.cpu_percent - left.cpu_percent);
  const ours = byCpu.reduce((sum, component) => sum + component.cpu_percent, 0);
  // The machine's own count includes processes that are not ours (others sharing the cores).
  const total = Math.max(ours, usage.machine_cpu_percent);
  const cores = cpus().length;
  const top = byCpu.slice(0, 3).map((component) => `${component.name} ${Math.round(component.cpu_percent)} %`).join(", ");
  const loop = byCpu.find((component) => component.main_thread_cpu_percent >= saturated);
  const others = Math.max(0, Math.round(total - ours));
  if (total >= saturated * cores) parts.push(`the machine's CPU (${Math.round(total)} % of ${cores * 100} %: ${top}${others >= 20 ? `; processes outside the deployment ${others} %` : ""})`);
  if (loop) parts.push(`the event loop of the ${loop.name} (main thread ${Math.round(loop.main_thread_cpu_percent)} % of a core)`);
  if (parts.length === 0) parts.push(`no resource saturated (${top}); requests wait in a fixed-size pool or queue`);
  const kind: LimitKind["kind"] =
    refused.length > 0 ? "refusals" : total >= saturated * cores ? "machine-cpu" : loop ? "event-loop" : failures.length > 0 ? "failures" : "queueing";
  // The bench client is load, not the system: the busiest component of the system is the one named.
  const busiest = byCpu.find((component) => component.name !== "bench client")?.name ?? "";
  const broke = step.p99_ms > budgetMs ? `p99 ${step.p99_ms} ms > ${budgetMs} ms` : `${load.failures} of ${load.failures + load.requests} requests failed (> 1 %)`;
  return { limit: `${broke} at ${step.concurrency} at once; ${parts.join("; ")}`, limited_by: { kind, component: loop?.name ?? busiest } };
}
