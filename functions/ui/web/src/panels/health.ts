import { ApiError, messageOf } from "../api.js";
import { lineChart } from "../charts.js";
import { formatNumber, h, replaceChildren } from "../dom.js";
import type { Panel, PanelContext } from "./panel.js";
import { panelSection } from "./parts.js";

interface CheckResult {
  status: "ok" | "warn" | "fail";
  latency_ms?: number;
  detail?: string;
  endpoints?: { url: string; state: string }[];
  queues?: Record<string, { waiting: number; active: number; delayed: number; failed: number; workers: number }>;
}

interface HealthReport {
  status: "healthy" | "degraded" | "unhealthy";
  checks: Record<string, CheckResult>;
  version: string;
  uptime_seconds: number;
}

interface Metrics {
  system: { cpu_percent: number; memory_percent: number; memory_used_mb: number } | null;
  requests: { total: number; by_status: Record<string, number>; latency_ms: { p50: number; p95: number; p99: number } };
  pool?: { in_flight: number; queued: number; queue_capacity: number; rejected: number; endpoints: { state: string }[] };
  memory_stats?: { total_memories: number; hot_memories?: number; archived_memories?: number; scoring_lag_seconds?: number };
  library?: { documents_ingested: number; chunks_indexed: number; ingest_failures: number; searches_served: number };
}

interface Sample {
  at: number;
  rate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  inFlight: number | null;
  queued: number | null;
}

const intervalMs = 2000;
/** Ten minutes of samples, kept in this tab only. */
const capacity = (10 * 60 * 1000) / intervalMs;

export const healthPanel: Panel = { id: "health", title: "Health", requires: null, create: createHealth };

/** `/health` and `/metrics` every 2 s while visible; the charts' history lives in the browser. */
function createHealth({ api }: PanelContext) {
  const history: Sample[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let previous: { at: number; total: number } | undefined;
  const banner = h("p", { class: "banner", role: "status" }, "Checking…");
  const checks = h("table", { class: "checks" });
  const figures = h("dl", { class: "figures-grid" });
  const charts = h("div", { class: "charts" });
  const updated = h("p", { class: "hint" });

  async function tick() {
    const at = Date.now();
    const [health, metrics] = await Promise.allSettled([
      // Public, and a 503 still carries the report: read it rather than treating it as no answer.
      fetch("/health", { cache: "no-store" }).then((response) => response.json() as Promise<HealthReport>),
      api.json<Metrics>("/metrics"),
    ]);
    if (health.status === "fulfilled") showHealth(health.value);
    else banner.textContent = `No answer from /health: ${messageOf(health.reason)}`;
    if (metrics.status === "fulfilled") showMetrics(metrics.value, at);
    else replaceChildren(figures, h("div", {}, h("dt", {}, "Metrics"), h("dd", {}, metricsProblem(metrics.reason))));
    updated.textContent = `Updated ${new Date(at).toLocaleTimeString()} · every ${intervalMs / 1000} s`;
  }

  function showHealth(report: HealthReport) {
    banner.textContent = `Archive ${report.version} is ${report.status} · up ${formatUptime(report.uptime_seconds)}`;
    banner.className = `banner ${report.status}`;
    replaceChildren(
      checks,
      h("caption", {}, "Checks"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Check"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Latency"), h("th", { scope: "col" }, "Details"))),
      h(
        "tbody",
        {},
        Object.entries(report.checks).map(([name, result]) =>
          h(
            "tr",
            { "data-check": name },
            h("th", { scope: "row" }, name),
            h("td", {}, h("span", { class: `pill ${result.status}` }, result.status)),
            h("td", {}, result.latency_ms === undefined ? "—" : `${result.latency_ms} ms`),
            h("td", {}, describe(result)),
          ),
        ),
      ),
    );
  }

  function showMetrics(metrics: Metrics, at: number) {
    const total = metrics.requests.total;
    const rate = previous && at > previous.at ? ((total - previous.total) * 1000) / (at - previous.at) : null;
    previous = { at, total };
    const latency = metrics.requests.latency_ms;
    history.push({ at, rate, p50: latency.p50, p95: latency.p95, p99: latency.p99, inFlight: metrics.pool?.in_flight ?? null, queued: metrics.pool?.queued ?? null });
    if (history.length > capacity) history.shift();

    const pair = (term: string, value: string) => h("div", {}, h("dt", {}, term), h("dd", {}, value));
    replaceChildren(
      figures,
      pair("Requests", `${total.toLocaleString()} (${Object.entries(metrics.requests.by_status).map(([status, count]) => `${status} ${count}`).join(", ")})`),
      metrics.system ? pair("CPU / memory", `${formatNumber(metrics.system.cpu_percent, 0)} % / ${formatNumber(metrics.system.memory_percent, 0)} %`) : null,
      metrics.pool ? pair("Inference pool", `${metrics.pool.in_flight} in flight, ${metrics.pool.queued}/${metrics.pool.queue_capacity} queued, ${metrics.pool.rejected} refused`) : null,
      metrics.pool ? pair("Endpoints", countStates(metrics.pool.endpoints)) : null,
      metrics.memory_stats ? pair("Memories", `${metrics.memory_stats.total_memories} (scoring lag ${formatNumber(metrics.memory_stats.scoring_lag_seconds ?? 0, 1)} s)`) : null,
      metrics.library ? pair("Library", `${metrics.library.documents_ingested} documents, ${metrics.library.chunks_indexed} chunks, ${metrics.library.searches_served} searches`) : null,
    );
    const column = (pick: (sample: Sample) => number | null) => history.map(pick);
    replaceChildren(
      charts,
      lineChart("Request rate", "req/s", [{ label: "rate", values: column((sample) => sample.rate), tone: "a" }], capacity),
      lineChart(
        "Latency percentiles",
        "ms",
        [
          { label: "p50", values: column((sample) => sample.p50), tone: "a" },
          { label: "p95", values: column((sample) => sample.p95), tone: "b" },
          { label: "p99", values: column((sample) => sample.p99), tone: "c" },
        ],
        capacity,
      ),
      lineChart(
        "Inference pool",
        "requests",
        [
          { label: "in flight", values: column((sample) => sample.inFlight), tone: "a" },
          { label: "queued", values: column((sample) => sample.queued), tone: "b" },
        ],
        capacity,
      ),
    );
  }

  const loop = () => {
    void tick().finally(() => (timer = setTimeout(loop, intervalMs)));
  };

  const element = panelSection(
    "health",
    "Health",
    banner,
    checks,
    h("h3", {}, "Figures"),
    figures,
    h("h3", {}, "Last 10 minutes"),
    charts,
    updated,
  );
  return {
    element,
    show() {
      clearTimeout(timer);
      loop();
    },
    hide() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

function metricsProblem(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return "This server protects /metrics with ARCHIVE_METRICS_KEY; sign in with that key to see figures.";
  return messageOf(error);
}

function describe(result: CheckResult): string {
  if (result.endpoints) return result.endpoints.map((endpoint) => `${endpoint.url} ${endpoint.state}`).join(", ") || (result.detail ?? "");
  if (result.queues) {
    return Object.entries(result.queues)
      .map(([name, queue]) => `${name}: ${queue.waiting} waiting, ${queue.active} active, ${queue.failed} failed`)
      .join("; ");
  }
  return result.detail ?? "";
}

function countStates(endpoints: readonly { state: string }[]): string {
  const counts = new Map<string, number>();
  for (const endpoint of endpoints) counts.set(endpoint.state, (counts.get(endpoint.state) ?? 0) + 1);
  return [...counts].map(([state, count]) => `${count} ${state}`).join(", ") || "none";
}

function formatUptime(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
