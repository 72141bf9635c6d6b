import { describe, expect, it } from "vitest";
import { createEmulatedEngine, defaultEmulatedModel } from "./index.js";
import { createTestEngine } from "./test-support.js";

describe("health and models", () => {
  it("answers GET /health with 200 and an empty body, like vLLM", async () => {
    const response = await createTestEngine().app.request("/health");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("lists the served model in vLLM's model-card shape", async () => {
    const response = await createTestEngine({ model: "custom-model", maxModelLen: 4096 }).app.request("/v1/models");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(body.object).toBe("list");
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      id: "custom-model",
      object: "model",
      created: Date.UTC(2025, 0, 1) / 1000,
      owned_by: "vllm",
      root: "custom-model",
      parent: null,
      max_model_len: 4096,
      permission: [{ object: "model_permission", allow_logprobs: true }],
    });
  });

  it("serves archive-emulated-1 by default", async () => {
    const engine = createEmulatedEngine();
    expect(engine.model).toBe(defaultEmulatedModel);
    const body = (await (await engine.app.request("/v1/models")).json()) as { data: Array<{ id: string; created: number }> };
    expect(body.data[0]?.id).toBe("archive-emulated-1");
    expect(body.data[0]?.created).toBeGreaterThan(1_700_000_000);
  });

  it("answers unknown paths with FastAPI's 404 body", async () => {
    const response = await createTestEngine().app.request("/v1/nothing-here");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not Found" });
  });

  it("counts inference requests, including rejected ones", async () => {
    const engine = createTestEngine();
    await engine.app.request("/v1/chat/completions", { method: "POST", body: "{}" });
    await engine.app.request("/v1/embeddings", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: "hi" }),
    });
    expect(engine.stats).toMatchObject({ requests: 2, completed: 1, inFlight: 0, aborted: 0 });
  });
});
