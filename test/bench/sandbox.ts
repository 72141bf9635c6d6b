/**
 * Sandbox benchmark: executions per second and latency of a trivial Python and JavaScript
 * program through the real service and bubblewrap backend (slot queue, setpriv, prlimit, bwrap,
 * cgroups where writable), 1 and 8 at a time.
 *
 *   npm run bench -- sandbox        or        npx tsx test/bench/sandbox.ts [--runs 200]
 */
import type { SandboxLanguage } from "../../functions/sandbox/index.js";
import { createHistogram } from "../../shared/histogram.js";
import { startBwrapSandbox } from "../sandbox-backend.js";

const programs: Record<SandboxLanguage, string> = { python: "print(6 * 7)", javascript: "console.log(6 * 7)" };

export async function benchSandbox(options: { runs?: number } = {}) {
  const runs = options.runs ?? 200;
  const sandbox = await startBwrapSandbox({ SANDBOX_CONCURRENCY: "8", SANDBOX_QUEUE_SIZE: "0", SANDBOX_UID_BASE: "64000" });
  const rows: { language: SandboxLanguage; concurrency: number; runs: number; per_second: number; p50_ms: number; p99_ms: number; failures: number }[] = [];
  try {
    for (const language of ["python", "javascript"] as const) {
      // One unmeasured run first: the page cache holds the interpreter afterwards, as in service.
      await sandbox.service.execute({ language, code: programs[language] });
      for (const concurrency of [1, 8]) {
        const latency = createHistogram();
        let failures = 0;
        let next = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < runs) {
              next += 1;
              const begun = performance.now();
              const result = await sandbox.service.execute({ language, code: programs[language] });
              latency.record(performance.now() - begun);
              if (result.status !== "ok" || result.stdout.trim() !== "42") failures += 1;
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        const { p50, p99 } = latency.summary();
        rows.push({ language, concurrency, runs, per_second: Math.round((runs / seconds) * 10) / 10, p50_ms: p50, p99_ms: p99, failures });
      }
    }
  } finally {
    await sandbox.close();
  }
  const table = [
    `| program (${runs} runs each) | concurrent | executions/s | p50 (ms) | p99 (ms) | failed |`,
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map((row) => `| ${row.language === "python" ? "Python `print(6 * 7)`" : "JavaScript `console.log(6 * 7)`"} | ${row.concurrency} | ${row.per_second} | ${row.p50_ms} | ${row.p99_ms} | ${row.failures} |`),
  ].join("\n");
  return { name: "sandbox", rows, table };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const position = process.argv.indexOf("--runs");
  const result = await benchSandbox({ runs: position === -1 ? undefined : Number(process.argv[position + 1]) });
  process.stdout.write(`${result.table}\n`);
  process.exit(0);
}
