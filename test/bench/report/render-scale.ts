import type { CapacityResult, LimitKind } from "./capacity.js";
import { number, table } from "./markdown.js";
import type { CapacityReport } from "./render.js";

const kindText: Record<LimitKind["kind"], (component: string) => string> = {
  "machine-cpu": (component) => `the machine's cores, the largest share in the ${component}`,
  "event-loop": (component) => `the ${component}'s event loop (one core at most)`,
  refusals: (component) => `a bounded queue answering 429 (in the ${component})`,
  queueing: (component) => `a fixed-size pool: requests wait while no core is saturated (busiest: the ${component})`,
  failures: (component) => `failing requests (busiest: the ${component})`,
  "not-reached": () => "nothing within the steps tried",
};

/** Limits ranked by how many request types they stop, then by the lowest throughput among them. */
export function rankBottlenecks(capacity: readonly CapacityResult[]) {
  const groups = new Map<string, { kind: LimitKind["kind"]; component: string; results: CapacityResult[] }>();
  for (const result of capacity) {
    if (result.limited_by.kind === "not-reached") continue;
    const key = `${result.limited_by.kind}:${result.limited_by.component}`;
    const group = groups.get(key) ?? { ...result.limited_by, results: [] };
    group.results.push(result);
    groups.set(key, group);
  }
  const lowest = (results: CapacityResult[]) => Math.min(...results.map((result) => result.capacity?.throughput_rps ?? 0));
  return [...groups.values()].sort((left, right) => right.results.length - left.results.length || lowest(left.results) - lowest(right.results));
}

export function renderBottlenecks(report: CapacityReport): string {
  const ranked = rankBottlenecks(report.capacity);
  const effectFor = (key: string) => report.knobs.filter((effect) => effect.request === key);
  const lines = ranked.map((group, index) => {
    const which = group.results
      .map((result) => `${result.key} (${result.capacity ? `${number(result.capacity.concurrency)} at once, ${number(result.capacity.throughput_rps)} req/s` : "over budget from the first step"})`)
      .join(", ");
    const knobs = group.results.flatMap((result) => effectFor(result.key)).map((effect) => `${effect.knob} ${effect.from.split(" ")[0]} → ${effect.to}: ${effect.recommendation}`);
    return `${index + 1}. **${kindText[group.kind](group.component)}** — limits ${which}.${knobs.length > 0 ? ` Measured: ${knobs.join("; ")}.` : ""}`;
  });
  const chat = report.capacity.find((result) => result.key === "chat");
  const workers = report.knobs.find((effect) => effect.knob === "worker processes");
  const chatRate = chat?.capacity?.throughput_rps ?? 0;
  const redisFull = report.growth.redis_full.find((row) => row.maxmemory_gb === 4);
  const recommendations = [
    `- **Memory scoring vs chat**: one worker process scores ${report.scoring.turns_per_s} turns/s; the HTTP process takes ${chat?.capacity ? `${number(chatRate)} chat turns/s at its capacity` : "no chat step within budget (section 3)"}. ${
      !chat?.capacity
        ? ""
        : chatRate > report.scoring.turns_per_s
        ? `Sustained chat at capacity leaves a growing capture queue: about ${number(Math.ceil(chatRate / Math.max(0.01, report.scoring.turns_per_s)))} worker processes' worth of scoring per HTTP process (on cores of their own), or a backlog that drains when chat is quiet.`
        : "Scoring keeps up with chat at capacity."
    }${workers?.scoring ? ` A second worker process on these same two cores: ${workers.scoring.before_turns_per_s} → ${workers.scoring.after_turns_per_s} turns/s (${workers.scoring.change_percent > 0 ? "+" : ""}${workers.scoring.change_percent} %).` : ""}`,
    `- **Redis maxmemory**: measured at its limit (set 1 MB below what Redis held): ${report.full_redis.map((outcome) => `${outcome.request} answered ${outcome.status}${outcome.code ? ` \`${outcome.code}\`` : ""} in ${outcome.ms} ms`).join("; ")}${report.full_redis.some((outcome) => outcome.status >= 500 && outcome.status !== 503) ? " — a 5xx that is not a 503: Archive does not yet turn Redis's out-of-memory refusal into an answer that says Redis is full" : ""}. Set it (Archive runs \`noeviction\`, so at the limit writes fail loudly instead of data vanishing) with headroom over the growth table: a 4 GB Redis holds about ${number(redisFull?.memories)} hot memories or ${number(redisFull?.documents)} documents of ${report.growth.document_kb} kB. Watch \`archive_redis_used_memory_bytes\` / \`archive_redis_maxmemory_bytes\` on \`/metrics/prometheus\`; archival (\`ARCHIVE_DAYS\`, \`ARCHIVE_KEEP_RECENT\`) moves old memories out at ${number(report.storage.redis_freed_per_archived_memory)} B freed each.`,
    "- **Per-process memory**: each HTTP and worker process holds the model (section 1) and, per tenant it serves, the replicas; count them before adding processes to a box.",
  ];
  return [
    "## 4. Bottlenecks, ranked, and recommendations",
    "",
    "What stopped each request type (section 3), grouped and ranked by how many request types it limits:",
    "",
    ...lines,
    "",
    "Each knob changed once from its default, everything else equal, and the capacity it should move measured again:",
    "",
    table(
      ["knob", "from → to", "request type", "capacity before (at once, req/s)", "after", "throughput change", "compared", "so"],
      report.knobs.map((effect) => [
        effect.knob,
        `${effect.from} → ${effect.to}`,
        effect.request,
        effect.before ? `${effect.before.concurrency}, ${effect.before.throughput_rps}` : "none within budget",
        effect.after ? `${effect.after.concurrency}, ${effect.after.throughput_rps}` : "none within budget",
        effect.throughput_change_percent === null ? "–" : `${effect.throughput_change_percent > 0 ? "+" : ""}${effect.throughput_change_percent} %`,
        effect.basis,
        effect.recommendation,
      ]),
      "|---|---|---|---:|---:|---:|---|---|",
    ),
    "",
    ...recommendations,
  ].join("\n");
}

export function renderScale(report: CapacityReport): string {
  const { scale } = report;
  const simulation = scale.simulation;
  const chat = scale.chat_turn;
  return [
    "## 5. Beyond one machine",
    "",
    "CPU each tier spends per request at capacity (from the same steps, less what it uses idle), and what that implies for one Redis: its commands run on one thread, so it is",
    "full when that thread is (the ceiling), whatever the number of HTTP and worker processes in front of it. Figures are for full load; keep ~30 % headroom.",
    "",
    table(
      ["request type", "req/s at capacity", "HTTP CPU ms / req", "worker CPU ms / req", "Redis CPU ms / req", "Redis ceiling (req/s)", "HTTP processes (a core each) at that ceiling"],
      scale.rows.map((row) => [row.request, number(row.throughput_rps), number(row.http_cpu_ms), number(row.worker_cpu_ms), number(row.redis_cpu_ms), number(row.redis_ceiling_rps), number(row.http_processes_at_redis_ceiling)]),
    ),
    "",
    `Memory scoring: ${number(scale.scoring.worker_cpu_ms_per_turn)} ms of worker CPU and ${number(scale.scoring.redis_cpu_ms_per_turn)} ms of Redis CPU per turn; ${number(scale.scoring.workers_at_redis_ceiling)} busy worker processes would fill one Redis with scoring alone.`,
    chat
      ? `A chat turn with memory (the request plus its scoring job) costs Redis ${number(chat.redis_cpu_ms)} ms: one Redis tops out near ${number(chat.redis_ceiling_turns_per_s)} turns/s, which takes about ${number(chat.http_processes)} HTTP processes and ${number(chat.worker_processes)} worker processes (a core each) to generate. Past that, Redis is the limit; before it, cores for HTTP and workers are.`
      : "",
    "",
    simulation
      ? `Simulated on this machine: two HTTP processes against the one Redis instead of one, load spread over both (${simulation.request}): capacity ${simulation.before ? `${simulation.before.concurrency} at once, ${simulation.before.throughput_rps} req/s` : "none"} → ${simulation.after ? `${simulation.after.concurrency} at once, ${simulation.after.throughput_rps} req/s` : "none"}${simulation.throughput_change_percent === null ? "" : ` (${simulation.throughput_change_percent > 0 ? "+" : ""}${simulation.throughput_change_percent} %)`}; limit: ${simulation.result.limit}. With two cores shared by every process, a second HTTP process adds an event loop, not a core: scale-out pays on machines with cores to spare, or across machines.`
      : "",
    "",
    `Vector replicas: each HTTP process keeps, per tenant it serves, ${number(scale.replica.bytes_per_memory)} B per memory and ${number(scale.replica.bytes_per_chunk)} B per library chunk (section 1): a tenant with 100,000 memories is ~${number(scale.replica.tenant_100k_memories_mb)} MB in every HTTP process that serves it, one with 10,000 documents of 100 kB ~${number(scale.replica.tenant_10k_documents_mb)} MB. Past a few such tenants, route tenants to HTTP processes (sticky by API key) so each process holds only its own.`,
    "",
    "**What Archive supports today:**",
    "- Any number of HTTP processes (`infra/node/server.ts`) and worker processes (`infra/node/worker.ts`) on any number of machines against **one** Redis; they are stateless, and the replicas stay read-your-writes across processes (the change stream in Redis).",
    "- One Redis with a single primary: the private one, Debian's, or a managed single-shard Redis (cluster mode off) that allows `EVAL` (Lua), `INFO`, streams and `maxmemory-policy noeviction`. Only redis-server 7.0 is tested here.",
    "",
    "**What it does not support:**",
    `- **Redis Cluster** (or a managed Redis in cluster mode). BullMQ needs every key of a queue in one hash slot, i.e. a hash tag in its prefix (\`{archive}:bull\`); Archive's queue prefix is \`<REDIS_PREFIX>:bull\` and REDIS_PREFIX allows no braces. The memory store's and vector index's Lua scripts touch several keys of one tenant at once, which would need a \`{tenant}\` tag in every tenant key (\`archive:t:{<tenant>}:…\`). Neither exists today.`,
    "- Several Redis servers with tenants sharded across them (one `REDIS_URL` per deployment), and reading from Redis replicas.",
    "- A vector engine inside Redis (Redis 8 / Redis Stack) instead of the in-process replicas: it would remove the per-process replica memory above.",
  ].join("\n");
}
