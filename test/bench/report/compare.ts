import { readFile } from "node:fs/promises";
import { number, table } from "./markdown.js";
import type { CapacityReport } from "./render.js";

/** The acceptance bound: two runs on one machine agree within this on capacity figures. */
const tolerancePercent = 15;

const difference = (first: number, second: number) => (first === 0 && second === 0 ? 0 : Math.round(((second - first) / Math.max(1e-9, Math.abs(first))) * 1000) / 10);

/**
 * `npm run bench -- report-compare A.json B.json`: the capacity figures of two report runs side by
 * side, with the difference and whether it is within ±15 %. Throughput at capacity is the figure
 * compared; the concurrency steps are coarse (powers of two), so a changed step is shown too.
 */
export async function compareReports(firstPath: string, secondPath: string): Promise<{ table: string; within: boolean }> {
  const [first, second] = (await Promise.all([firstPath, secondPath].map(async (path) => JSON.parse(await readFile(path, "utf8")) as CapacityReport))) as [CapacityReport, CapacityReport];
  const rows: (string | number)[][] = [];
  let within = true;
  const add = (figure: string, a: number | undefined, b: number | undefined, extra = "") => {
    const change = difference(a ?? 0, b ?? 0);
    const ok = Math.abs(change) <= tolerancePercent;
    within &&= ok;
    rows.push([figure, number(a), number(b), `${change > 0 ? "+" : ""}${change} %`, ok ? "yes" : "**no**", extra]);
  };
  const steps = (a: number | undefined, b: number | undefined) => (a === b ? "" : `capacity step ${number(a)} → ${number(b)} at once`);
  for (const result of first.capacity) {
    const other = second.capacity.find((candidate) => candidate.key === result.key);
    add(`${result.key}: req/s at capacity`, result.capacity?.throughput_rps, other?.capacity?.throughput_rps, steps(result.capacity?.concurrency, other?.capacity?.concurrency));
    add(`${result.key}: peak req/s`, result.peak?.throughput_rps, other?.peak?.throughput_rps);
  }
  add("memory scoring: turns/s", first.scoring.turns_per_s, second.scoring.turns_per_s);
  for (const effect of first.knobs) {
    const other = second.knobs.find((candidate) => candidate.knob === effect.knob);
    add(`${effect.knob} → ${effect.to} (${effect.request}): req/s at capacity`, effect.after?.throughput_rps, other?.after?.throughput_rps, steps(effect.after?.concurrency, other?.after?.concurrency));
  }
  for (const item of first.storage.items) {
    add(`bytes per ${item.item}`, item.bytes_per_item, second.storage.items.find((candidate) => candidate.item === item.item)?.bytes_per_item);
  }
  const describe = (label: string, path: string, { machine }: CapacityReport) =>
    `${label}: ${path} (${machine.date}, ${machine.commit}, load ${machine.load_average_at_start}, cpu probe ${number(machine.cpu_probe_ms_at_start)} → ${number(machine.cpu_probe_ms_at_end)} ms, steal ${number(machine.steal_percent)} %)`;
  const header = `${describe("A", firstPath, first)}\n${describe("B", secondPath, second)}\n`;
  const body = table(["figure", "A", "B", "B vs A", `within ±${tolerancePercent} %`, "note"], rows, "|---|---:|---:|---:|---|---|");
  return { table: `${header}\n${body}\n\n${within ? `All figures agree within ±${tolerancePercent} %.` : `Some figures differ by more than ±${tolerancePercent} % (marked **no**).`}`, within };
}
