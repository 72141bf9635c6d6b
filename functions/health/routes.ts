import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import type { HttpFunction } from "../http-function.js";
import { renderPrometheus } from "./prometheus.js";
import type { HealthService } from "./service.js";

export function createHealthRoutes(health: HealthService, functions: readonly HttpFunction[]): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  // A person's browser asks for HTML and gets the web UI; API clients keep the JSON index.
  const hasUi = functions.some((fn) => fn.name === "ui");
  routes.get("/", (c) => {
    if (hasUi && c.req.header("accept")?.includes("text/html")) return c.redirect("/ui/", 302);
    return c.json({ service: "archive", version: health.version, health: "/health", functions: functions.map((fn) => fn.name) });
  });

  // Which tenant the caller's key maps to: the quickest way to check a key works.
  routes.get("/whoami", (c) => c.json({ tenant: c.get("tenant") }));

  routes.get("/health", async (c) => {
    const report = await health.health(c.get("redis"));
    return c.json(report, report.status === "unhealthy" ? 503 : 200);
  });

  // Each function's health covers just the dependencies that function needs.
  for (const fn of functions) {
    routes.get(`/${fn.name}/health`, async (c) => {
      const report = await health.health(c.get("redis"), fn);
      return c.json({ function: fn.name, ...report }, report.status === "unhealthy" ? 503 : 200);
    });
  }

  routes.get("/metrics", async (c) => c.json(await health.metrics(c.get("redis"))));

  routes.get("/metrics/prometheus", async (c) =>
    c.body(renderPrometheus(await health.prometheusGauges(c.get("redis"))), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    }),
  );

  return routes;
}
