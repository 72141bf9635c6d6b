import { describe, expect, it } from "vitest";
import type { InferenceEndpointConfig } from "../shared/config.js";
import type { EndpointSource } from "./endpoint-source.js";
import { createFakeFetch, json, testPoolConfig } from "./fake-fetch.js";
import { createModalEndpointSource, type ModalFunctionLookup } from "./modal-endpoints.js";
import { createInferencePool } from "./pool.js";

const A = "http://engine-a:8000";
const config = testPoolConfig({ queueTimeoutMs: 1000, connectTimeoutMs: 200, firstTokenTimeoutMs: 200 });
const models = (...ids: string[]) => json({ object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "vllm" })) });

describe("model", () => {
  it("uses the configured model without asking the engine", async () => {
    const fake = createFakeFetch({ [A]: () => models("other") });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 2 }], config: { ...config, model: "pinned" }, fetch: fake.fetch });
    expect(await pool.model()).toBe("pinned");
    expect(fake.calls).toHaveLength(0);
  });

  it("asks GET /v1/models once for concurrent callers and caches the first id", async () => {
    const fake = createFakeFetch({ [A]: () => models("Qwen/Qwen2.5-3B-Instruct", "lora") });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 2 }], config, fetch: fake.fetch });
    expect(await Promise.all([pool.model(), pool.model(), pool.model()])).toEqual(Array(3).fill("Qwen/Qwen2.5-3B-Instruct"));
    expect(await pool.model()).toBe("Qwen/Qwen2.5-3B-Instruct");
    expect(fake.calls.map((call) => `${call.method} ${call.path}`)).toEqual(["GET /v1/models"]);
    expect(pool.snapshot().in_flight).toBe(0);
  });

  it("does not cache a failure, and one caller's abort does not fail the others", async () => {
    let answer = () => models();
    const fake = createFakeFetch({ [A]: () => answer() });
    const pool = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 2 }], config, fetch: fake.fetch });
    await expect(pool.model()).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/no model/) });

    answer = () => models("m1");
    const leaving = new AbortController();
    leaving.abort(new DOMException("gone", "AbortError"));
    await expect(pool.model(leaving.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect(await pool.model()).toBe("m1");
  });
});

describe("requests on the wire", () => {
  it("sends the API key, strips URL credentials into Basic auth, and never shows secrets in figures", async () => {
    const fake = createFakeFetch({ "http://engine-a:8000": () => json({}) });
    const withKey = createInferencePool({ endpoints: [{ url: A, maxConcurrency: 1 }], config: { ...config, apiKey: "sk-vllm" }, fetch: fake.fetch });
    await (await withKey.request("/v1/chat/completions", { body: { model: "m" } })).text();
    expect(fake.calls[0]?.headers.get("authorization")).toBe("Bearer sk-vllm");
    expect(fake.calls[0]?.headers.get("content-type")).toBe("application/json");
    expect(fake.calls[0]?.body).toBe('{"model":"m"}');
    expect(fake.calls[0]?.method).toBe("POST");

    const withUserInfo = createInferencePool({ endpoints: [{ url: "http://user:s3cret@engine-a:8000", maxConcurrency: 1 }], config, fetch: fake.fetch });
    await (await withUserInfo.request("/v1/models")).text();
    expect(fake.calls[1]?.headers.get("authorization")).toBe(`Basic ${btoa("user:s3cret")}`);
    const shown = JSON.stringify(withUserInfo.snapshot());
    expect(shown).not.toContain("s3cret");
    expect(withUserInfo.snapshot().endpoints[0]?.url).toBe("http://***@engine-a:8000");
  });
});

describe("endpoint sources", () => {
  it("follows a source whose endpoints change, keeping the state of those that stay", async () => {
    let listed: InferenceEndpointConfig[] = [{ url: A, maxConcurrency: 1 }];
    const source: EndpointSource = { name: "test", list: async () => listed };
    const fake = createFakeFetch({ [A]: () => json({ from: "a" }), "http://engine-b:8000": () => json({ from: "b" }) });
    const pool = createInferencePool({ endpoints: source, config, fetch: fake.fetch });
    expect(await (await pool.request("/v1/x")).json()).toEqual({ from: "a" });

    listed = [{ url: "http://engine-b:8000", maxConcurrency: 1 }];
    await pool.refresh();
    expect(await (await pool.request("/v1/x")).json()).toEqual({ from: "b" });
    expect(pool.snapshot().endpoints.map((endpoint) => endpoint.url)).toEqual(["http://engine-b:8000"]);
  });

  it("answers 503 when the source cannot be listed and nothing is known yet", async () => {
    const source: EndpointSource = { name: "broken", list: () => Promise.reject(new Error("offline")) };
    const pool = createInferencePool({ endpoints: source, config, fetch: createFakeFetch().fetch });
    await expect(pool.request("/v1/x")).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/broken/) });
  });

  it("discovers the vLLM web URL of a Modal function through the injected client", async () => {
    const lookups: unknown[][] = [];
    const client: ModalFunctionLookup = {
      functions: {
        fromName: async (...args: unknown[]) => {
          lookups.push(args);
          return { getWebUrl: async () => "https://acme--archive-vllm-serve.modal.run/" };
        },
      },
    };
    const source = createModalEndpointSource({ app: "archive-vllm", function: "serve", environment: "prod", maxConcurrency: 32, client });
    expect(source.name).toBe("modal:archive-vllm/serve");
    expect(await source.list()).toEqual([{ url: "https://acme--archive-vllm-serve.modal.run", maxConcurrency: 32 }]);
    expect(lookups).toEqual([["archive-vllm", "serve", { environment: "prod" }]]);

    const fake = createFakeFetch({ "https://acme--archive-vllm-serve.modal.run": () => models("served-by-modal") });
    const pool = createInferencePool({ endpoints: source, config, fetch: fake.fetch });
    expect(await pool.model()).toBe("served-by-modal");
  });

  it("reports a Modal function without a web endpoint clearly", async () => {
    const client: ModalFunctionLookup = { functions: { fromName: async () => ({ getWebUrl: async () => undefined }) } };
    const source = createModalEndpointSource({ app: "a", function: "f", maxConcurrency: 1, client });
    await expect(source.list()).rejects.toThrow(/no web URL/);
  });
});
