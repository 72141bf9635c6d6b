import type { HealthCheck } from "../health/index.js";
import type { Clock } from "../../shared/clock.js";
import { isAppError } from "../../shared/errors.js";
import type { SandboxLanguage } from "./backend.js";
import type { SandboxService } from "./service.js";

const probes: Record<SandboxLanguage, string> = {
  python: "print(6 * 7)",
  javascript: "console.log(6 * 7)",
};

/** How long a passing test run stands for the sandbox: a run costs ~100 ms of CPU, and the UI polls `/health` every 2 s. */
export const sandboxCheckFreshMs = 10_000;

/**
 * Runs a tiny program in each language through the real backend and queue: a sandbox that cannot
 * create its namespaces (or a remote tier that is down) fails here. Not critical — everything
 * else still serves — so it degrades `/health` rather than making it unhealthy. A pass is reused
 * for `sandboxCheckFreshMs` (its age is reported), so a sandbox that breaks after a pass shows within
 * that time; availability is checked every time, and after a failure every check runs again.
 */
export function createSandboxCheck(service: SandboxService, clock: Clock): HealthCheck {
  let lastPass: number | undefined;
  return {
    name: "sandbox",
    critical: false,
    async run({ timeoutMs, signal }) {
      const availability = await service.backend.availability();
      if (!availability.available) return { status: "fail", backend: service.backend.name, detail: availability.reason };
      const now = clock.now();
      if (lastPass !== undefined && now - lastPass < sandboxCheckFreshMs) return { status: "ok", backend: service.backend.name, checked_ms_ago: now - lastPass };
      lastPass = undefined;
      const results = await Promise.all(
        (Object.entries(probes) as [SandboxLanguage, string][]).map(async ([language, code]) => {
          try {
            const result = await service.execute({ language, code, timeout_ms: Math.max(1, timeoutMs - 100) }, { signal });
            return [language, result.status === "ok" && result.stdout.trim() === "42" ? "ok" : `${result.status}: ${result.stderr.slice(0, 200)}`] as const;
          } catch (error) {
            // A full queue means busy, not broken.
            if (isAppError(error) && error.status === 429) return [language, "busy"] as const;
            throw error;
          }
        }),
      );
      const problems = results.filter(([, outcome]) => outcome !== "ok");
      if (problems.length === 0) {
        lastPass = clock.now();
        return { status: "ok", backend: service.backend.name, checked_ms_ago: 0 };
      }
      const busy = problems.every(([, outcome]) => outcome === "busy");
      return {
        status: busy ? "warn" : "fail",
        backend: service.backend.name,
        detail: problems.map(([language, outcome]) => `${language}: ${outcome}`).join("; "),
      };
    },
  };
}
