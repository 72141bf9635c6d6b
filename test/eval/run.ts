/**
 * `npm run eval -- <suite> [options]`: retrieval quality on data no one here wrote, always beside
 * a BM25-only baseline from the same run. Each suite prints Markdown tables and writes JSON under
 * test/eval/results/. A tool for the team, not part of `npm test`.
 */
const suites: Record<string, (args: string[]) => Promise<void>> = {
  locomo: async (args) => (await import("./locomo.js")).evalLocomo(args),
  library: async () => (await import("./library.js")).evalLibrary(),
};

const [suiteName, ...args] = process.argv.slice(2);
const suite = suiteName === undefined ? undefined : suites[suiteName];
if (!suite) {
  process.stderr.write(`Usage: npm run eval -- <suite> [options]; suites: ${Object.keys(suites).join(", ")}\n`);
  process.exit(2);
}
await suite(args);
process.exit(0);

export {};
