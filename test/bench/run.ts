import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";

/**
 * `npm run bench [-- chat|memory|library|sandbox ...]`: runs the benchmarks, prints Markdown tables and
 * writes JSON to test/bench/results/<name>.json.
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
};

const requested = process.argv.slice(2).filter((name) => !name.startsWith("-"));
const unknown = requested.filter((name) => !(name in suites));
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(suites).join(", ")}\n`);
  process.exit(2);
}

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, date: new Date().toISOString() };
const outDir = new URL("results/", import.meta.url);
await mkdir(outDir, { recursive: true });
for (const name of requested.length > 0 ? requested : Object.keys(suites)) {
  process.stdout.write(`\n## ${name}\n\n`);
  const result = await suites[name]!();
  process.stdout.write(`${result.table}\n`);
  await writeFile(new URL(`${name}.json`, outDir), `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
}
process.exit(0);
