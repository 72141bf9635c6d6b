import { describe, expect, it } from "vitest";
import { withKey, type ContractTarget } from "./target.js";

export function foundationContract(target: () => ContractTarget) {
  describe("foundation", () => {
    it("reports healthy with real checks", async () => {
      const response = await target().fetch("/health");
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.status).toBe("healthy");
      expect(body.checks.redis.status).toBe("ok");
      expect(body.checks.inference.status).toBe("ok");
      expect(body.checks.embedder).toMatchObject({ status: "ok", dimension: expect.any(Number) });
      expect(typeof body.version).toBe("string");
      expect(typeof body.uptime_seconds).toBe("number");
    });

    it("answers every function's health URL", async () => {
      const { functions } = await (await target().fetch("/")).json();
      for (const name of functions as string[]) {
        const response = await target().fetch(`/${name}/health`);
        expect(response.status, name).toBe(200);
        expect((await response.json()).function).toBe(name);
      }
    });

    it("serves JSON and Prometheus metrics without a key and without tenant data", async () => {
      const json = await (await target().fetch("/metrics")).json();
      expect(json).toHaveProperty("uptime_seconds");
      // Memory's own figures (no placeholder stands in for them: without memory's source there are none).
      expect(json.memory_stats).toMatchObject({ total_memories: expect.any(Number), hot_memories: expect.any(Number), index_type: "exact" });
      expect(json.services.map((service: { name: string }) => service.name)).toEqual(expect.arrayContaining(["redis", "inference"]));
      expect(JSON.stringify(json)).not.toMatch(/alice|bob/);
      const text = await (await target().fetch("/metrics/prometheus")).text();
      expect(text).toMatch(/^# HELP archive_up/m);
    });

    it("requires a valid key and maps it to its tenant", async () => {
      const missing = await target().fetch("/whoami");
      expect(missing.status).toBe(401);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      expect((await missing.json()).code).toBe("unauthorized");
      expect((await target().fetch("/whoami", withKey("not-a-real-key-000"))).status).toBe(401);
      const ok = await target().fetch("/whoami", withKey(target().keys.bob));
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ tenant: "bob" });
    });

    it("answers unknown routes and wrong methods with problem+json", async () => {
      const unknown = await target().fetch("/no/such/route", withKey(target().keys.alice));
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get("content-type")).toBe("application/problem+json");
      // Public paths are public only to read: a DELETE needs a key (then meets the 405).
      expect((await target().fetch("/health", { method: "DELETE" })).status).toBe(401);
      const wrongMethod = await target().fetch("/health", withKey(target().keys.alice, { method: "DELETE" }));
      expect(wrongMethod.status).toBe(405);
      expect((await wrongMethod.json()).code).toBe("method_not_allowed");
    });
  });
}
