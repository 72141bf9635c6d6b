import type { LimitKind } from "./capacity.js";
import { number, table } from "./markdown.js";
import type { CapacityReport } from "./render.js";

const limitLabel: Record<LimitKind["kind"], (component: string) => string> = {
  "machine-cpu": (component) => `the cores (most: ${component})`,
  "event-loop": (component) => `the ${component}'s event loop`,
  refusals: (component) => `its bounded queue: 429 (${component})`,
  queueing: (component) => `waiting in a fixed pool (${component})`,
  failures: (component) => `failures (${component})`,
  "not-reached": () => "not reached in the steps tried",
};

/**
 * The README's performance summary, drawn from the same run as capacity.md so its figures can
 * never drift from the report's (the lead pastes it into README.md).
 */
export function renderReadmeSection(report: CapacityReport): string {
  const { machine, storage, growth, scale, scoring } = report;
  const cost = (prefix: string) => number(storage.items.find((item) => item.item.startsWith(prefix))?.bytes_per_item);
  const fourGb = growth.redis_full.find((row) => row.maxmemory_gb === 4);
  const chat = report.capacity.find((result) => result.key === "chat");
  const chatTurn = scale.chat_turn;
  const second = scale.simulation;
  const secondHttp =
    second?.throughput_change_percent === null || second?.throughput_change_percent === undefined
      ? ""
      : `; a second HTTP process on these same ${machine.cores} cores changed ${second.request} throughput by ${second.throughput_change_percent > 0 ? "+" : ""}${second.throughput_change_percent} % (capacity.md, section 5)`;
  return [
    "`npm run bench -- report` measures what one machine can carry and writes [test/bench/results/capacity.md](test/bench/results/capacity.md) (and `.json`): resource use per",
    "process, Redis bytes per item and the growth that follows, the capacity of each request type (concurrency stepped until p99 breaks a stated budget) and what",
    "limits it, each main knob changed once, and what N HTTP processes and M workers need from one Redis. It takes about ten minutes and needs nothing but this",
    `repository. The latest: ${machine.date.slice(0, 10)}, commit \`${machine.commit}\`, ${machine.cores} × ${machine.cpu}, ${machine.ram_gb} GB, Node ${machine.node} (load average ${machine.load_average_at_start} at the start).`,
    "The self-hosted deployment (`infra/node/`: one HTTP process, one worker process, Redis, the emulated engine, each its own process) at its defaults:",
    "",
    table(
      ["request type", "budget", "capacity (at once)", "req/s", "limited by"],
      report.capacity.map((result) => [
        result.key,
        result.budget,
        result.capacity ? number(result.capacity.concurrency) : "none",
        number(result.capacity?.throughput_rps),
        limitLabel[result.limited_by.kind](result.limited_by.component),
      ]),
      "|---|---|---:|---:|---|",
    ),
    "",
    `Memory scoring runs behind chat in the worker: ${scoring.turns_per_s} turns/s per worker process. Redis holds ${cost("memory")} B per memory, ${cost("library chunk")} B per library chunk, ${cost("chat history")} B per history message and ${cost("queued")} B per queued job; archived memories take ${number(storage.cold_bytes_per_memory)} B each on disk. A 4 GB Redis is full at ~${number(fourGb?.memories)} memories or ~${number(fourGb?.documents)} documents of ${growth.document_kb} kB (it refuses writes then: \`noeviction\`).`,
    "",
    "**Where you outgrow one machine**, in the order it happens here:",
    `- **Cores for the HTTP and worker processes** come first${chat?.capacity ? ` (chat: ${number(chat.capacity.throughput_rps)} streams/s at ${number(chat.capacity.concurrency)} at once before the first-token budget breaks)` : ""}. Add HTTP processes (\`infra/node/server.ts\`, stateless) and worker processes (\`infra/node/worker.ts\`) on more cores or machines, all against the one Redis${secondHttp}.`,
    `- **Memory per process**: each holds the local model (${report.model_memory.first_thread_mb} MB + ${report.model_memory.per_further_thread_mb} MB per further thread) and, per tenant it serves, its vector replicas (${number(scale.replica.bytes_per_memory)} B per memory: ~${number(scale.replica.tenant_100k_memories_mb)} MB for a tenant with 100,000).`,
    `- **Redis** is one thread: ${chatTurn ? `a chat turn with memory costs it ${number(chatTurn.redis_cpu_ms)} ms of CPU, so one Redis tops out near ${number(chatTurn.redis_ceiling_turns_per_s)} turns/s (about ${number(chatTurn.http_processes)} HTTP and ${number(chatTurn.worker_processes)} worker processes' worth)` : "see capacity.md, section 5, for its CPU per request"}, and its memory is full at the figures above. Beyond that Archive needs more than one Redis, which it does not support today: Redis Cluster would need hash-tagged keys (BullMQ's \`{prefix}\` and a \`{tenant}\` tag for the multi-key scripts), and tenants are not sharded across Redis servers. A managed single-shard Redis with Lua, \`INFO\` and \`noeviction\` is the next step up.`,
    "",
    "`/metrics` (and `/metrics/prometheus`) report the same figures live: each process's resident memory, CPU, event-loop delay p99 and embedder thread utilisation, and Redis's `used_memory` and fragmentation.",
    "The older per-suite benchmarks (`npm run bench -- chat|memory|library|sandbox|voice`) measure single paths in more depth; `npm run bench -- report-compare A.json B.json` puts two reports side by side.",
  ].join("\n");
}
