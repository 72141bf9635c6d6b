import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { toProblem, normalizeError } from "../../shared/problem.js";
import type { AppEnv } from "../app-env.js";
import { isAssetPath, type UiAssets } from "./assets.js";
import { createUiRoutes } from "./routes.js";

const encoder = new TextEncoder();

function appWith(files: Record<string, string>) {
  const read: string[] = [];
  const assets: UiAssets = {
    async read(path) {
      read.push(path);
      return path in files ? encoder.encode(files[path]) : null;
    },
  };
  const app = new Hono<AppEnv>().route("/", createUiRoutes(assets));
  app.onError((error, c) => {
    const problem = toProblem(normalizeError(error), "test");
    return c.json(problem, problem.status as 404);
  });
  return { app, read };
}

describe("UI routes", () => {
  it("serves index.html at /ui/ and hashed assets with their own type and a long cache", async () => {
    const { app } = appWith({ "index.html": "<!doctype html>", "assets/index-abc.js": "export {}", "assets/index-abc.css": "body{}" });
    const page = await app.request("/ui/");
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<!doctype html>");
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'self'/);
    const script = await app.request("/ui/assets/index-abc.js");
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await app.request("/ui/assets/index-abc.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("says how to build the UI when it has not been built", async () => {
    const { app } = appWith({});
    const response = await app.request("/ui/");
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.code).toBe("ui_not_built");
    expect(body.detail).toContain("npm run build:ui");
  });

  it("never asks the asset source for a path outside the build or of an unknown type", async () => {
    const { app, read } = appWith({ "index.html": "x" });
    for (const path of ["/ui/../package.json", "/ui/%2e%2e/package.json", "/ui/assets/..%2f..%2fpackage.json", "/ui/.git/config.js", "/ui/server.ts", "/ui/a//b.js"]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
    expect(read).toEqual([]);
    expect(isAssetPath("assets/index-3f9a.js")).toBe(true);
    expect(isAssetPath("assets/../index.html")).toBe(false);
  });
});
