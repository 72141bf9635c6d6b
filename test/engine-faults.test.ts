import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulatorProcess, type EmulatorProcess } from "./emulator-process.js";
import { tempDataDirs } from "./temp-dirs.js";

/**
 * A vLLM stand-in that misbehaves on request, speaking the OpenAI wire format when it behaves:
 * garbage with a 200, a connection cut mid-reply, or a generation route that never answers while
 * `/health` stays fine.
 */
type Mode = "ok" | "garbage" | "cut" | "hang";
let mode: Mode = "hang";
const sockets = new Set<Socket>();
const completion = { id: "cmpl-1", object: "chat.completion", created: 1, model: "faulty", choices: [{ index: 0, message: { role: "assistant", content: "fine" }, finish_reason: "stop" }] };
const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "faulty", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

function engine(request: IncomingMessage, response: ServerResponse) {
  const path = request.url ?? "";
  if (path === "/health") return response.end();
  if (path === "/v1/models") return response.end(JSON.stringify({ object: "list", data: [{ id: "faulty", object: "model" }] }));
  let body = "";
  request.on("data", (piece: Buffer) => (body += piece.toString()));
  request.on("end", () => {
    const stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
    if (mode === "hang") return; // headers never come
    if (mode === "garbage") {
      response.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
      return response.end("<html><body>upstream proxy error</body></html>");
    }
    if (mode === "cut") {
      if (stream) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(chunk("The answer is"));
        setTimeout(() => request.socket.destroy(), 50);
      } else {
        response.writeHead(200, { "content-type": "application/json", "content-length": "400" });
        response.write('{"id":"cmpl-1","choices":[{"index":0,');
        setTimeout(() => request.socket.destroy(), 50);
      }
      return;
    }
    if (!stream) return response.end(JSON.stringify(completion));
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.end(`${chunk("fine")}data: [DONE]\n\n`);
  });
}

const server = createServer(engine);
server.on("connection", (socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
let emulator: EmulatorProcess;
const dataDir = tempDataDirs("archive-engine-faults-");
let client: OpenAI;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  emulator = await startEmulatorProcess({
    ARCHIVE_DATA_DIR: await dataDir(),
    INFERENCE_ENDPOINTS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    INFERENCE_MODEL: "faulty",
    INFERENCE_REQUEST_TIMEOUT_MS: "1500",
    INFERENCE_FIRST_TOKEN_TIMEOUT_MS: "1000",
    INFERENCE_PROBE_INTERVAL_MS: "200",
    INFERENCE_COOLDOWN_MS: "200",
    MEMORY_RETRIEVAL: "false",
  });
  client = new OpenAI({ baseURL: `${emulator.baseUrl}/v1`, apiKey: "unused", maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await emulator?.stop("SIGTERM");
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

// Each chat turn's memory scoring sends its own completion to the same faulty engine; those
// failures would count against the endpoint too and cool it down between these requests.
const notRemembered = { archive: { remember: false } };

const ask = (stream: boolean) =>
  fetch(`${emulator.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "What is the answer?" }], stream, ...notRemembered }),
  });

const lastEvent = (text: string) =>
  JSON.parse(
    text
      .split("\n\n")
      .filter((frame) => frame.startsWith("data: "))
      .at(-1)
      ?.slice(6) ?? "null",
  );

async function inferenceCheck(): Promise<{ status: string }> {
  const health = (await (await fetch(`${emulator.baseUrl}/health`)).json()) as { checks: { inference: { status: string } } };
  return health.checks.inference;
}

describe("engine faults get answers in OpenAI's shape", () => {
  it("the probe notices an engine whose chat route hangs while its /health answers, and its recovery", async () => {
    mode = "hang";
    const deadline = Date.now() + 20_000;
    while ((await inferenceCheck()).status !== "fail" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await inferenceCheck()).status).toBe("fail");

    mode = "ok";
    const back = Date.now() + 20_000;
    while ((await inferenceCheck()).status !== "ok" && Date.now() < back) await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await inferenceCheck()).status).toBe("ok");
  }, 60_000);

  it("a hanging engine fails non-streamed chat within INFERENCE_REQUEST_TIMEOUT_MS with a 504", async () => {
    mode = "hang";
    const started = Date.now();
    const error = await client.chat.completions.create(Object.assign({ model: "faulty", messages: [{ role: "user" as const, content: "Hello?" }] }, notRemembered)).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(504);
    expect((error as APIError).code).toBe("engine_timeout");
    // 1.5 s deadline; the rest is slack for this shared machine, far from the 63 s it used to take.
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(6000);
    mode = "ok";
  }, 30_000);

  it("garbage with a 200 is a 502 (non-streamed) and a final error event (streamed)", async () => {
    mode = "garbage";
    const error = await client.chat.completions.create(Object.assign({ model: "faulty", messages: [{ role: "user" as const, content: "Hello?" }] }, notRemembered)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe("engine_bad_response");

    const streamed = await ask(true);
    expect(streamed.status).toBe(200);
    const text = await streamed.text();
    expect(text).not.toContain("<html>");
    expect(lastEvent(text)).toMatchObject({ error: { type: "server_error", code: "engine_stream_broken" } });
    mode = "ok";
  }, 30_000);

  it("an engine that closes mid-reply: 502, or in a stream the text so far and then an error event the SDK raises", async () => {
    mode = "cut";
    const plain = await ask(false);
    expect(plain.status).toBe(502);
    expect(await plain.json()).toMatchObject({ error: { code: "engine_bad_response", type: "server_error" } });

    const received: string[] = [];
    const stream = await client.chat.completions.create(Object.assign({ model: "faulty", messages: [{ role: "user" as const, content: "Hello?" }], stream: true as const }, notRemembered));
    const failure = await (async () => {
      for await (const part of stream) received.push(part.choices[0]?.delta?.content ?? "");
    })().catch((caught: unknown) => caught);
    expect(received.join("")).toBe("The answer is");
    expect(failure).toBeInstanceOf(APIError);
    expect(String((failure as APIError).message)).toContain("stopped before the reply was complete");
    mode = "ok";
  }, 30_000);

  it("after all that, a healthy engine answers normally", async () => {
    mode = "ok";
    const reply = await client.chat.completions.create(Object.assign({ model: "faulty", messages: [{ role: "user" as const, content: "Hello?" }] }, notRemembered));
    expect(reply.choices[0]?.message.content).toBe("fine");
  });
});
