import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { composeNode, type NodeComposition } from "../infra/node/compose.js";
import { loadConfig } from "../functions/compose.js";
import { silentLogger } from "../shared/logger.js";
import { isGenerationProbe, startEngineServer } from "./engine-server.js";

interface ToolRun {
  tool: string;
  call_id: string;
  language: string;
  code: string;
  status: string;
  stdout: string;
  stderr: string;
}

let engine: Awaited<ReturnType<typeof startEngineServer>>;
let system: NodeComposition;
let byDefault: NodeComposition;

// Chat with run_code against the emulated engine (which calls a tool the user names) and the real
// bubblewrap sandbox: Archive runs the model's call, the result goes back to the model, and the
// answer lists what ran.
beforeAll(async () => {
  engine = await startEngineServer({}, undefined, { record: true });
  const env = {
    REDIS_PREFIX: `runcode-${crypto.randomUUID().slice(0, 8)}`,
    INFERENCE_ENDPOINTS: engine.url,
    EMBEDDINGS: "pool",
    EMBEDDINGS_MODEL: engine.engine.model,
    MEMORY_RETRIEVAL: "false",
    SANDBOX_UID_BASE: "62700",
  };
  system = composeNode({ config: loadConfig(env), redisUrl: inject("redisUrl"), logger: silentLogger });
  byDefault = composeNode({ config: loadConfig({ ...env, CHAT_TOOLS: "run_code", SANDBOX_UID_BASE: "62710" }), redisUrl: inject("redisUrl"), logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await system?.close();
  await byDefault?.close();
  await engine?.close();
});

const ask = (app: NodeComposition["app"], body: Record<string, unknown>) =>
  app.request("/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

// The pool's one-token generation probe (gpu/generation-watch.ts) may land in between: not chat's.
const chatRequests = () =>
  engine.received.filter((request) => request.path === "/v1/chat/completions" && !isGenerationProbe(request)).map((request) => request.body);
const offersRunCode = (body: Record<string, unknown>) => JSON.stringify(body.tools ?? []).includes('"run_code"');

describe("chat's run_code tool", () => {
  it("executes the model's call in the sandbox, feeds the result back, and lists the run in archive", async () => {
    const before = chatRequests().length;
    const response = await ask(system.app, {
      messages: [{ role: "user", content: "Please use run_code on fibonacci" }],
      archive: { tools: ["run_code"] },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const completion = await response.json();
    const runs = completion.archive.tool_runs as ToolRun[];
    expect(runs).toHaveLength(1);
    const [run] = runs;
    // The emulated model writes the user's key word as the program: real Python says what it thinks of that.
    expect(run).toMatchObject({ tool: "run_code", language: "python", code: "fibonacci", status: "error" });
    expect(run!.stderr).toContain("NameError: name 'fibonacci' is not defined");

    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(2);
    expect(offersRunCode(sent[0]!)).toBe(true);
    const toolTurn = (sent[1]!.messages as { role: string; tool_call_id?: string; content?: string }[]).find((message) => message.role === "tool");
    expect(toolTurn?.tool_call_id).toBe(run!.call_id);
    expect(toolTurn?.content).toContain("NameError");
    // The model's final answer is text built on what the tool returned.
    const answer = completion.choices[0].message;
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(answer.content).toContain("NameError");
  });

  it("streams the final answer after the runs, with the runs in the leading archive chunk", async () => {
    const response = await ask(system.app, {
      messages: [{ role: "user", content: "Please use run_code on fibonacci" }],
      archive: { tools: ["run_code"] },
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = (await response.text()).split("\n\n").filter(Boolean).map((event) => event.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    expect(chunks[0].archive.tool_runs[0]).toMatchObject({ code: "fibonacci", status: "error" });
    const text = chunks.flatMap((chunk) => chunk.choices.map((choice: { delta: { content?: string } }) => choice.delta.content ?? "")).join("");
    expect(text).toContain("NameError");
    expect(chunks.some((chunk) => chunk.choices.some((choice: { finish_reason: string | null }) => choice.finish_reason === "stop"))).toBe(true);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it("stops after CHAT_TOOL_MAX_STEPS rounds and makes the model answer in text", async () => {
    const before = chatRequests().length;
    const response = await ask(system.app, {
      messages: [{ role: "user", content: "Compute something" }],
      tool_choice: { type: "function", function: { name: "run_code" } },
      archive: { tools: ["run_code"] },
    });
    const completion = await response.json();
    expect(completion.archive.tool_runs).toHaveLength(4);
    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(5);
    expect(sent.at(-1)!.tool_choice).toBe("none");
    expect(completion.choices[0].message.content).toEqual(expect.any(String));
  });

  it("is offered only when asked for, or by CHAT_TOOLS", async () => {
    const before = chatRequests().length;
    const plain = await (await ask(system.app, { messages: [{ role: "user", content: "Please use run_code on fibonacci" }] })).json();
    expect(plain.archive.tool_runs).toBeUndefined();
    expect(offersRunCode(chatRequests()[before]!)).toBe(false);

    const configured = await (await ask(byDefault.app, { messages: [{ role: "user", content: "Please use run_code on fibonacci" }] })).json();
    expect(configured.archive.tool_runs).toHaveLength(1);
    const off = await (await ask(byDefault.app, { messages: [{ role: "user", content: "Please use run_code on fibonacci" }], archive: { tools: [] } })).json();
    expect(off.archive.tool_runs).toBeUndefined();

    const unknown = await ask(system.app, { messages: [{ role: "user", content: "hi" }], archive: { tools: ["rm_rf"] } });
    expect(unknown.status).toBe(422);
  });
});
