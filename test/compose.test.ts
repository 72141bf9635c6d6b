import { Hono } from "hono";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppEnv } from "../functions/app-env.js";
import { configGroups, functionModules } from "../functions/compose.js";
import { renderConfigTable } from "../functions/config-table.js";
import { defineFunction, type FunctionContext, type HttpFunction } from "../functions/http-function.js";
import { defineConfigSlice, type SectionOf } from "../shared/config.js";
import { authorized, harnessKeys, startHarness, type Harness } from "./harness.js";

// A whole function as a new folder would hold it: its variables, routes, a health check, figures
// for /metrics, and a seam it uses (chat's service). Composing it is one more module in the list.
const exampleConfig = defineConfigSlice(
  { EXAMPLE_GREETING: { schema: z.string().min(1).default("hello"), doc: "What the example function says." } },
  (raw) => ({ example: { greeting: raw.EXAMPLE_GREETING } }),
);

let greetings = 0;
const exampleFunction = defineFunction({
  name: "example",
  config: exampleConfig,
  create: ({ platform, seams }: FunctionContext<SectionOf<typeof exampleConfig>, undefined>): HttpFunction => {
    const routes = new Hono<AppEnv>();
    routes.get("/example/hello", (c) => {
      greetings += 1;
      return c.json({ greeting: platform.config.example.greeting, tenant: c.get("tenant"), chat_before_me: seams.chat !== undefined });
    });
    return {
      name: "example",
      routes,
      needs: ["redis"],
      checks: [{ name: "example", critical: false, run: async () => ({ status: "ok", greeting: platform.config.example.greeting }) }],
      metrics: [{ key: "example", collect: async () => ({ json: { greetings }, gauges: [{ name: "archive_example_greetings_total", help: "Greetings said", type: "counter", samples: [{ value: greetings }] }] }) }],
    };
  },
});

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ functions: ["chat"], modules: [exampleFunction], env: { EXAMPLE_GREETING: "hej" } });
});
afterAll(() => harness?.close());

describe("adding a function: its module, composed after Archive's own", () => {
  it("serves its routes with its own configuration, behind auth, seeing the seams of the functions before it", async () => {
    expect((await harness.app.request("/example/hello")).status).toBe(401);
    const response = await harness.app.request("/example/hello", authorized(harnessKeys.alice));
    expect(await response.json()).toEqual({ greeting: "hej", tenant: "alice", chat_before_me: true });
  });

  it("is listed, and has its health URL with the platform checks it named and its own", async () => {
    expect((await (await harness.app.request("/")).json()).functions).toEqual(["chat", "example"]);
    const own = await (await harness.app.request("/example/health")).json();
    expect(own).toMatchObject({ function: "example", status: "healthy", checks: { redis: { status: "ok" }, example: { status: "ok", greeting: "hej" } } });
    expect(Object.keys(own.checks).sort()).toEqual(["example", "redis"]);
    const all = await (await harness.app.request("/health")).json();
    expect(all.checks.example).toMatchObject({ status: "ok" });
  });

  it("reports its figures in /metrics and /metrics/prometheus", async () => {
    await harness.app.request("/example/hello", authorized(harnessKeys.alice));
    expect((await (await harness.app.request("/metrics")).json()).example.greetings).toBe(greetings);
    expect(await (await harness.app.request("/metrics/prometheus")).text()).toContain(`archive_example_greetings_total ${greetings}`);
  });

  it("documents its variables in the configuration table", () => {
    const table = renderConfigTable(configGroups([...functionModules, exampleFunction]));
    expect(table).toContain("| `EXAMPLE_GREETING` | example | `hello` | What the example function says. |");
  });

  it("names the platform checks it relies on by type: a misspelt one does not compile", () => {
    const misspelt: HttpFunction = {
      name: "typo",
      routes: new Hono<AppEnv>(),
      // @ts-expect-error "queus" is no platform check; `npm test` type-checks this file first.
      needs: ["queus"],
    };
    expect(misspelt.needs).toEqual(["queus"]);
  });
});
