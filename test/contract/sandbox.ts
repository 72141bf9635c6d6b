import { describe, expect, it } from "vitest";
import { jsonBody, withKey, type ContractTarget } from "./target.js";

interface Result {
  status: string;
  stdout: string;
  stderr: string;
  exit_code: number;
  duration_ms: number;
}

/**
 * The sandbox's HTTP contract on every runtime: in-process and the emulator run code under
 * bubblewrap themselves; workerd forwards it to a Node tier (SANDBOX_URL). The escape cases are
 * in test/sandbox-escape.test.ts, against the backend itself.
 */
export default function sandboxContract(target: () => ContractTarget) {
  const execute = (body: unknown, key = target().keys.alice) => target().fetch("/sandbox/execute", jsonBody(key, body));
  const run = async (body: unknown) => {
    const response = await execute(body);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Result;
  };

  describe("sandbox", () => {
    it("runs Python and JavaScript with stdin and files", async () => {
      const python = await run({
        language: "python",
        code: "import sys\nprint(sys.stdin.read().upper(), open('data.csv').read().count(','))",
        stdin: "hello",
        files: [{ name: "data.csv", content: "a,b,c" }],
      });
      expect(python).toMatchObject({ status: "ok", stdout: "HELLO 2\n", stderr: "", exit_code: 0 });
      expect(python.duration_ms).toBeGreaterThan(0);
      const javascript = await run({ language: "javascript", code: "console.log([1, 2, 3].map((n) => n * n).join(' '))" });
      expect(javascript).toMatchObject({ status: "ok", stdout: "1 4 9\n", exit_code: 0 });
    });

    it("reports a failing program as an error with its exit code and stderr", async () => {
      const result = await run({ language: "python", code: "import sys\nprint('partial')\nraise SystemExit('boom')" });
      expect(result).toMatchObject({ status: "error", stdout: "partial\n", exit_code: 1 });
      expect(result.stderr).toContain("boom");
      const thrown = await run({ language: "javascript", code: "throw new TypeError('nope')" });
      expect(thrown.status).toBe("error");
      expect(thrown.stderr).toContain("TypeError: nope");
    });

    it("honours timeout_ms", async () => {
      const result = await run({ language: "javascript", code: "while (true) {}", timeout_ms: 500 });
      expect(result.status).toBe("timeout");
      expect(result.duration_ms).toBeGreaterThanOrEqual(500);
    });

    it("refuses bad requests with problem+json naming the field", async () => {
      for (const [body, field] of [
        [{ language: "ruby", code: "puts 1" }, "language"],
        [{ language: "python" }, "code"],
        [{ language: "python", code: "x".repeat(100_001) }, "code"],
        [{ language: "python", code: "1", timeout_ms: 3_600_000 }, "timeout_ms"],
        [{ language: "python", code: "1", files: [{ name: "../etc/passwd", content: "" }] }, "files.0.name"],
      ] as const) {
        const response = await execute(body);
        expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(422);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
        const problem = (await response.json()) as { errors: { path: string }[] };
        expect(problem.errors.map((error) => error.path)).toContain(field);
      }
      const unauthenticated = await target().fetch("/sandbox/execute", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      expect(unauthenticated.status).toBe(401);
    });

    it("runs 20 concurrent executions, all successfully", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => run({ language: index % 2 ? "python" : "javascript", code: `print(${index})`.replace("print", index % 2 ? "print" : "console.log") })),
      );
      expect(results.map((result) => result.status)).toEqual(Array(20).fill("ok"));
      expect(results.map((result) => Number(result.stdout))).toEqual(Array.from({ length: 20 }, (_, index) => index));
    });

    it("answers a burst of 200 with 429 + Retry-After beyond its queue, and nothing hangs", async () => {
      const responses = await Promise.all(Array.from({ length: 200 }, () => execute({ language: "python", code: "print(1)" })));
      const statuses = responses.map((response) => response.status);
      const rejected = responses.filter((response) => response.status === 429);
      expect(statuses.every((status) => status === 200 || status === 429), String(statuses)).toBe(true);
      expect(rejected.length).toBeGreaterThan(0);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(20);
      for (const response of rejected) expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      await Promise.all(responses.map((response) => response.body?.cancel()));
    });

    it("reports its health from a real run and its figures in /metrics", async () => {
      const health = await target().fetch("/sandbox/health");
      expect(health.status).toBe(200);
      const report = (await health.json()) as { status: string; checks: Record<string, { status: string; backend: string }> };
      expect(report.status).toBe("healthy");
      expect(Object.keys(report.checks)).toEqual(["sandbox"]);
      expect(report.checks.sandbox?.status).toBe("ok");
      const metrics = (await (await target().fetch("/metrics")).json()) as { sandbox: { executions: Record<string, number>; queued: number; duration_ms: { p50: number; p99: number } } };
      expect(metrics.sandbox.executions.ok).toBeGreaterThan(0);
      expect(metrics.sandbox.queued).toBe(0);
      expect(metrics.sandbox.duration_ms.p99).toBeGreaterThanOrEqual(metrics.sandbox.duration_ms.p50);
      const text = await (await target().fetch("/metrics/prometheus", withKey(target().keys.alice))).text();
      expect(text).toMatch(/^archive_sandbox_executions_total\{status="ok"\} [1-9]/m);
      expect(text).toMatch(/^archive_sandbox_queue_depth 0$/m);
    });
  });
}
