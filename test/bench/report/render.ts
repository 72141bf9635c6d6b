import type { CapacityResult } from "./capacity.js";
import type { FullRedisOutcome } from "./full-redis.js";
import type { GrowthTable } from "./growth.js";
import type { KnobEffect } from "./knobs.js";
import type { MachineDescription, ModelMemory } from "./machine.js";
import { number, table } from "./markdown.js";
import { renderBottlenecks, renderScale } from "./render-scale.js";
import type { ComponentUsage, UsageSample } from "./sampler.js";
import { stepAtCapacity, type ScaleResult } from "./scale.js";
import type { ScoringResult } from "./scoring.js";
import type { StorageResult } from "./storage.js";

export interface CapacityReport {
  machine: MachineDescription;
  duration_s: number;
  quick: boolean;
  corpus: { memories: number; chunks: number };
  model_memory: ModelMemory;
  baselines: {
    idle: UsageSample;
    replicas: { http_rss_idle_mb: number; memory_replica_mb: number; library_replica_mb: number; bytes_per_memory: number; bytes_per_chunk: number };
  };
  storage: StorageResult;
  growth: GrowthTable;
  capacity: CapacityResult[];
  scoring: ScoringResult;
  knobs: KnobEffect[];
  scale: ScaleResult;
  voice_seconds: number;
  /** Processes that died during the run (restarted, their request type measured again). */
  incidents: string[];
  /** What a write and reads answered with Redis at its maxmemory. */
  full_redis: FullRedisOutcome[];
}

const mb = (bytes: number) => `${number(Math.round((bytes / 2 ** 20) * 10) / 10)}`;
const component = (usage: UsageSample, prefix: string): ComponentUsage | undefined => usage.components.find((entry) => entry.name.startsWith(prefix));
const cpu = (usage: UsageSample, prefix: string) => number(Math.round(component(usage, prefix)?.cpu_percent ?? 0));

function renderHeader(report: CapacityReport): string {
  const { machine } = report;
  return [
    "# Archive capacity report",
    "",
    `Measured ${machine.date.slice(0, 16).replace("T", " ")} UTC on ${machine.cores} × ${machine.cpu}, ${machine.ram_gb} GB RAM, Node ${machine.node}, redis-server ${machine.redis}; commit \`${machine.commit}\`${machine.dirty ? " with uncommitted changes" : ""}; load average ${machine.load_average_at_start} when the run began; the run took ${report.duration_s} s.`,
    `A fixed single-threaded workload (machine.ts, \`cpuProbeMs\`) took ${number(machine.cpu_probe_ms_at_start)} ms on one core at the start and ${number(machine.cpu_probe_ms_at_end)} ms at the end; other guests took ${number(machine.steal_percent)} % of the CPU time during the run (steal): compare these before comparing two runs' figures.`,
    "Every figure below comes from this one run of `npm run bench -- report` (JSON: `capacity.json` beside this file).",
    ...(report.quick ? ["", "**REPORT_QUICK=1: fewer, shorter steps. A check that the report runs, not figures to keep.**"] : []),
    ...report.incidents.map((incident) => `\n**During this run ${incident}.**`),
    "",
    "How: the self-hosted deployment as `infra/node/` runs it, each part its own process on this machine: one private redis-server, the emulated engine",
    "(a stand-in for vLLM streaming 16 tokens 5 ms apart), one HTTP process (`infra/node/server.ts`) and one worker process (`infra/node/worker.ts`),",
    `every setting at its default, over ${number(report.corpus.memories)} memories of one user and ${number(report.corpus.chunks)} library chunks (random vectors under the local model's id; queries are embedded by the real model).`,
    "The load generator is this process, closed-loop clients on keep-alive `node:http`: it shares the cores with what it measures and is listed as \"bench client\".",
    "CPU and resident memory come from /proc (100 % = one core busy); Redis memory from `INFO memory`.",
  ].join("\n");
}

function renderBaselines(report: CapacityReport): string {
  const { idle, replicas } = report.baselines;
  const states: [string, UsageSample][] = [["idle (3 s)", idle]];
  for (const result of report.capacity) {
    const step = stepAtCapacity(result);
    if (step) states.push([`${result.key} at ${step.concurrency} at once`, step.usage]);
  }
  const httpThreads = (usage: UsageSample) => {
    const http = component(usage, "HTTP process");
    return http ? `${Math.round(http.main_thread_cpu_percent)} / ${Math.round(http.other_threads_cpu_percent)} / ${Math.round(http.child_processes_cpu_percent)}` : "–";
  };
  const cpuTable = table(
    ["state", "HTTP process", "its event loop / other threads (model, flite) / child processes (sandbox, pocketsphinx)", "worker process", "Redis", "engine (emulated)", "bench client", "whole machine"],
    states.map(([name, usage]) => [name, cpu(usage, "HTTP process"), httpThreads(usage), cpu(usage, "worker process"), cpu(usage, "Redis"), cpu(usage, "engine"), cpu(usage, "bench client"), number(Math.round(usage.machine_cpu_percent))]),
  );
  const rss = (usage: UsageSample, prefix: string) => number(component(usage, prefix)?.rss_mb);
  const memoryTable = table(
    ["state", "HTTP process RSS MB", "worker process RSS MB", "Redis RSS MB", "Redis used_memory MB", "fragmentation"],
    states.map(([name, usage]) => [name, rss(usage, "HTTP process"), rss(usage, "worker process"), rss(usage, "Redis"), mb(usage.redis.used_memory_bytes), usage.redis.mem_fragmentation_ratio]),
  );
  return [
    "## 1. Resource baselines",
    "",
    "CPU in % of one core, idle and at each request type's capacity (the highest step within its budget, section 3); \"whole machine\" counts every process on it, ours and others':",
    "",
    cpuTable,
    "",
    memoryTable,
    "",
    `The local model (USE-lite) adds ${report.model_memory.first_thread_mb} MB of resident memory to a process when its first thread loads it and ${report.model_memory.per_further_thread_mb} MB per further thread (\`EMBEDDINGS_THREADS\`, default min(2, cores)); the HTTP and the worker process each load it.`,
    `The HTTP process grew from ${replicas.http_rss_idle_mb} MB by ${replicas.memory_replica_mb} MB when its first memory search loaded the user's replica (${number(replicas.bytes_per_memory)} B per memory: vector, BM25 postings, ids) and by ${replicas.library_replica_mb} MB for the library's (${number(replicas.bytes_per_chunk)} B per chunk). Every HTTP process holds these for each tenant it serves.`,
  ].join("\n");
}

function renderStorage(report: CapacityReport): string {
  const { storage, growth } = report;
  const history = storage.items.find((item) => item.item.startsWith("chat history"));
  return [
    "## 2. Storage per item",
    "",
    "Redis `used_memory` after writing N items through the code that writes them in service, minus before (a Redis nobody else wrote to):",
    "",
    table(
      ["item", "bytes each", "N", "what one item held"],
      [
        ...storage.items.map((item) => [item.item, number(item.bytes_per_item), number(item.count), item.detail]),
        ["cold store (files), per archived memory", number(storage.cold_bytes_per_memory), "the memories above", "record and vector, written by archival"],
        ["Redis freed per archived memory", number(storage.redis_freed_per_archived_memory), "the memories above", "what archival gives back"],
      ],
      "|---|---:|---:|---|",
    ),
    "",
    `History is bounded by design: at most ${history?.detail.match(/sessions of (\d+)/)?.[1] ?? "20"} messages a session (\`CHAT_HISTORY_MESSAGES\`), expiring 30 days after the last one; a queued job leaves Redis when scored (finished ones are kept up to 10,000 per queue).`,
    "",
    "Growth, computed from those figures (Redis RSS at the fragmentation measured with the capacity corpus loaded):",
    "",
    table(
      ["hot memories", "Redis used MB", "Redis RSS MB", "cold store MB if all archived"],
      growth.memories.map((row) => [row.what, number(row.redis_mb), number(row.redis_rss_mb), number(row.cold_mb)]),
    ),
    "",
    table(["library", "Redis used MB", "Redis RSS MB"], growth.documents.map((row) => [row.what, number(row.redis_mb), number(row.redis_rss_mb)])),
    "",
    `A document of ${growth.document_kb} kB of text is ${number(Math.round(storage.chunks_per_source_kb * growth.document_kb))} chunks, ${mb(growth.document_bytes)} MB in Redis. Archive runs Redis \`noeviction\`: when \`used_memory\` reaches \`maxmemory\`, writes are refused (nothing is evicted). Where one Redis is full, with 10 % kept free for queues, history and peaks:`,
    "",
    table(["maxmemory", "hot memories (nothing else)", `documents of ${growth.document_kb} kB (nothing else)`], growth.redis_full.map((row) => [`${row.maxmemory_gb} GB`, number(row.memories), number(row.documents)])),
  ].join("\n");
}

function renderCapacity(report: CapacityReport): string {
  const summary = table(
    ["request type", "budget", "capacity (at once)", "throughput at capacity (req/s)", "p99 at capacity (ms)", "peak req/s (at once)", "what limits it"],
    report.capacity.map((result) => [
      result.name,
      result.budget,
      result.capacity ? number(result.capacity.concurrency) : "none: over budget from 1",
      number(result.capacity?.throughput_rps),
      number(result.capacity?.p99_ms),
      result.peak ? `${number(result.peak.throughput_rps)} (${result.peak.concurrency})` : "–",
      result.limit,
    ]),
    "|---|---|---:|---:|---:|---:|---|",
  );
  const details = report.capacity.map((result) =>
    [
      `**${result.key}** — ${result.budget}`,
      "",
      table(
        ["at once", "req/s", "p50 ms", "p99 ms (budgeted figure)", "failed", "HTTP CPU %", "worker CPU %", "Redis CPU %", "engine CPU %", "client CPU %", "machine CPU %", "note"],
        result.steps.map((step) => [
          step.concurrency,
          step.load.throughput_rps,
          step.load.latency_ms.p50,
          `${step.p99_ms}${step.within_budget ? "" : " ✗"}`,
          step.load.failures,
          cpu(step.usage, "HTTP process"),
          cpu(step.usage, "worker process"),
          cpu(step.usage, "Redis"),
          cpu(step.usage, "engine"),
          cpu(step.usage, "bench client"),
          number(Math.round(step.usage.machine_cpu_percent)),
          [step.baseline ? `engine alone: TTFT p99 ${step.baseline.ttft_ms.p99} ms` : "", step.after?.capture_backlog ? `${step.after.capture_backlog} turns left to score` : ""].filter(Boolean).join("; "),
        ]),
      ),
    ].join("\n"),
  );
  const { scoring } = report;
  return [
    "## 3. Capacity per request type",
    "",
    "Concurrency doubled until the budgeted p99 (or > 1 % failures) broke the budget, then one step between the last two; capacity is the highest step within it, peak the most requests/s any step served (where a resource saturates, the plateau). Steps of a few seconds each (and until enough requests were answered, at most 30 s: 100 for chat, 200 for each search, 40 uploads, 20 transcriptions; the sandbox 8 s), so p99 rests on a hundred to a few thousand requests (20 to 100 for transcription and ingestion).",
    "",
    summary,
    "",
    `**Memory scoring** (the worker's share of every chat turn): ${number(scoring.turns)} captured turns enqueued at once were scored in ${scoring.seconds} s, **${scoring.turns_per_s} turns/s** with one worker process${scoring.complete ? "" : " (not all within the wait: the rate counts those that were)"}. Chat with memory on sustains at most this many turns a second before the capture queue grows.`,
    "",
    ...details.flatMap((detail) => [detail, ""]),
  ].join("\n");
}

export function renderReport(report: CapacityReport): string {
  return [renderHeader(report), renderBaselines(report), renderStorage(report), renderCapacity(report), renderBottlenecks(report), renderScale(report)].join("\n\n") + "\n";
}
