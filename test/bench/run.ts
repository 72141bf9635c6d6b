import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";

/**
 * `npm run bench [-- chat|memory|library|sandbox|voice ...]`: runs the benchmarks, prints Markdown tables and
 * writes JSON to test/bench/results/<name>.json.
 * `npm run bench -- report`: the capacity report (test/bench/results/capacity.md and .json, ~10 minutes; not run by default).
 * `npm run bench -- report-compare A.json B.json`: two reports' capacity figures side by side.
 */
interface BenchResult {
  name: string;
  table: string;
}

const suites: Record<string, () => Promise<BenchResult>> = {
  chat: async () => (await import("./chat.js")).benchChat(),
  memory: async () => (await import("./memory.js")).benchMemory(),
  library: async () => (await import("./library.js")).benchLibrary(),
  sandbox: async () => (await import("./sandbox.js")).benchSandbox(),
  voice: async () => (await import("./voice.js")).benchVoice(),
};
/** Only when asked for by name: too long for a default run. */
const onRequest: Record<string, () => Promise<BenchResult>> = {
  report: async () => (await import("./report/index.js")).benchReport(),
};

if (process.argv[2] === "report-compare") {
  const [first, second] = process.argv.slice(3);
  if (!first || !second) {
    process.stderr.write("usage: npm run bench -- report-compare A.json B.json\n");
    process.exit(2);
  }
  const { compareReports } = await import("./report/compare.js");
  const comparison = await compareReports(first, second);
  process.stdout.write(`${comparison.table}\n`);
  process.exit(comparison.within ? 0 : 1);
}

const requested = process.argv.slice(2).filter((name) => !name.startsWith("-"));
const unknown = requested.filter((name) => !(name in suites) && !(name in onRequest));
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark ${unknown.join(", ")}; choose from ${[...Object.keys(suites), ...Object.keys(onRequest), "report-compare"].join(", ")}\n`);
  process.exit(2);
}

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, date: new Date().toISOString() };
const outDir = new URL("results/", import.meta.url);
await mkdir(outDir, { recursive: true });
for (const name of requested.length > 0 ? requested : Object.keys(suites)) {
  process.stdout.write(`\n## ${name}\n\n`);
  const result = await (suites[name] ?? onRequest[name])!();
  process.stdout.write(`${result.table}\n`);
  // The report is named for what it writes (capacity.json beside capacity.md).
  await writeFile(new URL(`${result.name}.json`, outDir), `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
}
process.exit(0);
