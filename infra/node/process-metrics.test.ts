import { afterEach, describe, expect, it } from "vitest";
import { renderPrometheus } from "../../functions/health/prometheus.js";
import { createEmbeddingThreads, type EmbeddingThreads } from "./embeddings/embedding-threads.js";
import { createNodeProcessMetricsSource } from "./process-metrics.js";

interface ProcessFigures {
  pid: number;
  rss_bytes: number;
  cpu_seconds_total: number;
  event_loop: { delay_p99_ms: number; delay_max_ms: number; utilisation: number };
  embedder: { threads: number; utilisation: number; busy_seconds_total: number } | null;
}

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((entry) => entry.close()));
});
const open = (options: Parameters<typeof createNodeProcessMetricsSource>[0] = {}) => {
  const source = createNodeProcessMetricsSource(options);
  opened.push(source);
  return { source, figures: async () => (await source.collect(async () => Promise.reject(new Error("no Redis needed")))).json as ProcessFigures };
};
/** The embedder face of a thread pool running the fake model (the local embedder is the same over the real one). */
const embedderOver = (threads: EmbeddingThreads) => ({ id: "fake-3", dimension: 3, embed: (texts: string[]) => threads.embed(texts), usage: () => threads.usage() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const blockEventLoop = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a request handler that never yields
  }
};

describe("Node process metrics source", () => {
  it("reports this process's resident memory, which grows with what it holds", async () => {
    const { figures } = open();
    const before = await figures();
    expect(before.pid).toBe(process.pid);
    expect(Math.abs(before.rss_bytes - process.memoryUsage().rss)).toBeLessThan(32 * 2 ** 20);
    const held = Buffer.alloc(128 * 2 ** 20, 1);
    const after = await figures();
    expect(after.rss_bytes - before.rss_bytes).toBeGreaterThan(100 * 2 ** 20);
    expect(held.length).toBeGreaterThan(0);
  });

  it("shows a blocked event loop in its delay p99 and utilisation", async () => {
    const { figures } = open();
    await sleep(300);
    const idle = await figures();
    expect(idle.event_loop.delay_p99_ms).toBeLessThan(80);
    for (let block = 0; block < 3; block++) {
      blockEventLoop(150);
      await sleep(20);
    }
    const blocked = await figures();
    expect(blocked.event_loop.delay_p99_ms).toBeGreaterThanOrEqual(100);
    expect(blocked.event_loop.delay_max_ms).toBeGreaterThanOrEqual(130);
    expect(blocked.event_loop.utilisation).toBeGreaterThan(idle.event_loop.utilisation);
    // Wall time blocked is not CPU time on a shared machine; the process used some CPU, at least.
    expect(blocked.cpu_seconds_total).toBeGreaterThan(idle.cpu_seconds_total);
  });

  it("measures the embedder threads' utilisation from their busy time", async () => {
    const threads: EmbeddingThreads = createEmbeddingThreads({ threads: 2, entry: new URL("./embeddings/fake-model-thread.ts", import.meta.url), settings: { msPerText: 300 } });
    opened.push(threads);
    await Promise.all([threads.embed(["warm"]), threads.embed(["warm"])]);
    const busy = open({ embedder: embedderOver(threads) });
    await Promise.all([threads.embed(["a"]), threads.embed(["b"])]);
    const working = await busy.figures();
    expect(working.embedder?.threads).toBe(2);
    // Both threads busy for nearly all of the window.
    expect(working.embedder?.utilisation).toBeGreaterThan(0.6);

    const idle = open({ embedder: embedderOver(threads) });
    await sleep(300);
    expect((await idle.figures()).embedder?.utilisation).toBeLessThan(0.05);
    expect(open().source.key).toBe("process");
    // An embedder without threads here (the pool's) has no utilisation to report.
    const pooled = { id: "pool", dimension: 3, embed: async (texts: string[]) => texts.map(() => Float32Array.of(1, 0, 0)) };
    expect(await open({ embedder: pooled }).figures()).toMatchObject({ embedder: null });
  });

  it("rolls its window, so old blocking leaves the figures", async () => {
    const { figures } = open({ windowMs: 200 });
    await sleep(50); // the monitor's first tick only starts its clock
    blockEventLoop(150);
    await sleep(20);
    expect((await figures()).event_loop.delay_max_ms).toBeGreaterThanOrEqual(100);
    await sleep(250);
    await figures(); // rolls: the block is now in the previous window
    await sleep(250);
    expect((await figures()).event_loop.delay_max_ms).toBeLessThan(80);
  });

  it("exposes Prometheus gauges", async () => {
    const threads = createEmbeddingThreads({ threads: 1, entry: new URL("./embeddings/fake-model-thread.ts", import.meta.url) });
    opened.push(threads);
    const { source } = open({ embedder: embedderOver(threads) });
    const text = renderPrometheus((await source.collect(async () => Promise.reject(new Error("unused")))).gauges);
    expect(text).toMatch(/^archive_process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^archive_event_loop_delay_p99_seconds [0-9.e-]+$/m);
    expect(text).toContain("# TYPE archive_process_cpu_seconds_total counter");
    expect(text).toContain("archive_embedder_threads 1");
    expect(text).toMatch(/^archive_embedder_utilisation [0-9.]+$/m);
  });
});
