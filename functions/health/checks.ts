import type { Redis } from "ioredis";

export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  status: CheckStatus;
  latency_ms?: number;
  detail?: string;
  [figure: string]: unknown;
}

/** The checks the platform itself runs; a function names those it relies on (a typo does not compile). */
export type PlatformCheckName = "redis" | "inference" | "queues" | "embedder";

/**
 * One dependency probe. A failing critical check makes the system unhealthy (503); a failing
 * non-critical one (the GPU pool, a queue) only degrades it, since the rest still serves.
 */
export interface HealthCheck {
  name: string;
  critical: boolean;
  /** Its own budget when it needs more than the shared one (a round trip through a speech model). */
  timeoutMs?: number;
  run(context: { redis: () => Promise<Redis>; signal: AbortSignal; timeoutMs: number }): Promise<CheckResult>;
}

export type HealthStatus = "healthy" | "degraded" | "unhealthy";

export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, CheckResult>;
}

class CheckTimeout extends Error {}

/** Runs checks in parallel, each bounded by `timeoutMs`; a check that throws or times out fails. */
export async function runChecks(
  checks: readonly HealthCheck[],
  redis: () => Promise<Redis>,
  timeoutMs: number,
  now: () => number,
): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (check): Promise<[HealthCheck, CheckResult]> => {
      const budgetMs = check.timeoutMs ?? timeoutMs;
      const controller = new AbortController();
      const started = now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new CheckTimeout());
        }, budgetMs);
      });
      try {
        const result = await Promise.race([check.run({ redis, signal: controller.signal, timeoutMs: budgetMs }), timeout]);
        return [check, { latency_ms: now() - started, ...result }];
      } catch (error) {
        const detail = error instanceof CheckTimeout ? `no answer within ${budgetMs} ms` : describe(error);
        return [check, { status: "fail", latency_ms: now() - started, detail }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failedCritical = results.some(([check, result]) => check.critical && result.status === "fail");
  const anyProblem = results.some(([, result]) => result.status !== "ok");
  return {
    status: failedCritical ? "unhealthy" : anyProblem ? "degraded" : "healthy",
    checks: Object.fromEntries(results.map(([check, result]) => [check.name, result])),
  };
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const redisCheck: HealthCheck = {
  name: "redis",
  critical: true,
  async run({ redis }) {
    const client = await redis();
    const reply = await client.ping();
    if (reply !== "PONG") return { status: "fail", detail: `PING answered ${reply}` };
    // Retention is our policy; a Redis that may evict would silently drop memories.
    let policy: string;
    try {
      [, policy] = (await client.config("GET", "maxmemory-policy")) as [string, string];
    } catch {
      // Managed Redis services often disable CONFIG; Redis itself is fine, the policy just unknown.
      return { status: "warn", detail: "could not read maxmemory-policy (CONFIG disabled?); make sure it is noeviction" };
    }
    return policy === "noeviction"
      ? { status: "ok" }
      : { status: "warn", detail: `maxmemory-policy is ${policy}; set noeviction so Redis never evicts data`, policy };
  },
};
