import { describe, expect, it } from "vitest";
import type { ContractTarget } from "./target.js";

/** The web UI as every runtime serves it: the built page and its assets, public, under a strict CSP. */
export default function uiContract(target: () => ContractTarget) {
  describe("web UI", () => {
    it("serves the built page at /ui/ without a key, under a strict Content-Security-Policy", async () => {
      const page = await target().fetch("/ui/");
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("cache-control")).toBe("no-cache");
      const policy = page.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("connect-src 'self'");
      expect(policy).not.toContain("unsafe-inline");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      const html = await page.text();
      // Nothing inline, nothing from another origin: every script and stylesheet is one of ours.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);

      const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((match) => match[1]!);
      expect(assets.some((path) => path.endsWith(".js"))).toBe(true);
      expect(assets.some((path) => path.endsWith(".css"))).toBe(true);
      for (const path of assets) {
        const asset = await target().fetch(path);
        expect(asset.status, path).toBe(200);
        expect(asset.headers.get("content-type"), path).toBe(path.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
        expect(asset.headers.get("cache-control"), path).toContain("immutable");
        expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(1000);
      }
    });

    it("sends a browser at / to the UI and keeps the JSON index for API clients", async () => {
      const browser = await target().fetch("/", { headers: { accept: "text/html,application/xhtml+xml" }, redirect: "manual" });
      expect(browser.status).toBe(302);
      expect(new URL(browser.headers.get("location") ?? "", "http://x").pathname).toBe("/ui/");
      const client = await target().fetch("/");
      expect((await client.json()).functions).toContain("ui");
      const bare = await target().fetch("/ui", { redirect: "manual" });
      expect(bare.status).toBe(308);
    });

    it("answers unknown or unsafe UI paths with 404 problem+json", async () => {
      for (const path of ["/ui/assets/nope.js", "/ui/..%2fpackage.json", "/ui/.env.js", "/ui/assets/x.exe"]) {
        const response = await target().fetch(path);
        expect(response.status, path).toBe(404);
        expect(response.headers.get("content-type"), path).toBe("application/problem+json");
      }
    });
  });
}
