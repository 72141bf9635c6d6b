import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { loadConfig } from "../functions/compose.js";
import { createBwrapSandboxBackend } from "../infra/node/sandbox-bwrap.js";
import { systemClock } from "../shared/clock.js";
import { silentLogger } from "../shared/logger.js";
import { post, startHarness, type Harness } from "./harness.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "archive-no-userns-"));
  await chmod(dir, 0o755); // the fake bwrap runs as the sandbox uid
  // What bwrap says on a kernel that forbids unprivileged user namespaces.
  await writeFile(join(dir, "bwrap"), "#!/bin/sh\necho 'bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n");
  await chmod(join(dir, "bwrap"), 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = { SANDBOX_UID_BASE: "62500" };

function harnessWith(bwrapPath: string): Promise<Harness> {
  const config = loadConfig(env).sandbox;
  const sandbox = createBwrapSandboxBackend({ config, logger: silentLogger, clock: systemClock, bwrapPath });
  return startHarness({ functions: ["sandbox"], sandbox, env });
}

describe.each([
  ["bwrap cannot create its namespaces", () => join(dir, "bwrap"), /non-privileged user namespaces/],
  ["bubblewrap is not installed", () => join(dir, "no-such-bwrap"), /apt-get install bubblewrap/],
])("when %s", (_, bwrapPath, reason) => {
  it("reports degraded health with the reason and refuses to run code with 503, never running it unsandboxed", async () => {
    const harness = await harnessWith(bwrapPath());
    onTestFinished(() => harness.close());
    const { app } = harness;
    const health = await app.request("/sandbox/health");
    expect(health.status).toBe(200);
    const report = await health.json();
    expect(report.status).toBe("degraded");
    expect(report.checks.sandbox).toMatchObject({ status: "fail", backend: "bubblewrap", detail: expect.stringMatching(reason) });
    expect((await (await app.request("/health")).json()).status).toBe("degraded");

    const marker = join(dir, "ran");
    const response = await app.request("/sandbox/execute", post({ language: "python", code: `open(${JSON.stringify(marker)}, "w").write("ran")` }));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    const problem = await response.json();
    expect(problem).toMatchObject({ code: "sandbox_unavailable", detail: expect.stringMatching(reason) });
    await expect(import("node:fs/promises").then((fs) => fs.access(marker))).rejects.toThrow();
    const metrics = await (await app.request("/metrics")).json();
    expect(metrics.sandbox.unavailable).toBe(1);
  });
});
