import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareReports } from "./compare.js";

const dir = await mkdtemp(join(tmpdir(), "report-compare-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The fields of a capacity.json the comparison reads. */
function report(chatRps: number, scoringTurns: number, concurrency = 16) {
  return {
    machine: { date: "2026-12-02T02:00:00Z", commit: "abc1234", load_average_at_start: 0.2, cpu_probe_ms_at_start: 50, cpu_probe_ms_at_end: 52.5, steal_percent: 0.4 },
    capacity: [
      { key: "chat", capacity: { concurrency, throughput_rps: chatRps, p99_ms: 120 } },
      { key: "transcription", capacity: null },
    ],
    scoring: { turns_per_s: scoringTurns },
    knobs: [{ knob: "EMBEDDINGS_THREADS", to: "1", request: "memory-search", after: { concurrency: 4, throughput_rps: 50 } }],
    storage: { items: [{ item: "memory (hot, in Redis)", bytes_per_item: 5000 }] },
  };
}

async function saved(name: string, value: unknown) {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe("report-compare", () => {
  it("says two runs agree when every figure is within ±15 %", async () => {
    const comparison = await compareReports(await saved("a.json", report(100, 20)), await saved("b.json", report(110, 18)));
    expect(comparison.within).toBe(true);
    expect(comparison.table).toContain("| chat: req/s at capacity | 100 | 110 | +10 % | yes |");
    expect(comparison.table).toContain("| memory scoring: turns/s | 20 | 18 | -10 % | yes |");
    expect(comparison.table).toContain("All figures agree within ±15 %.");
    // How fast a core was at each end of each run, to tell a slower machine from a slower Archive.
    expect(comparison.table).toContain("cpu probe 50 → 52.5 ms, steal 0.4 %");
  });

  it("flags a figure that moved by more, and a capacity step that changed", async () => {
    const comparison = await compareReports(await saved("c.json", report(100, 20)), await saved("d.json", report(80, 20, 8)));
    expect(comparison.within).toBe(false);
    expect(comparison.table).toContain("| chat: req/s at capacity | 100 | 80 | -20 % | **no** | capacity step 16 → 8 at once |");
    expect(comparison.table).toContain("Some figures differ by more than ±15 % (marked **no**).");
  });
});
