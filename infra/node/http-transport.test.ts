import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../emulator/redis-launcher.js";
import { createNodeHttpTransport } from "./http-transport.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const servers: Server[] = [];
const transports: ReturnType<typeof createNodeHttpTransport>[] = [];

async function serve(handler: Handler) {
  const connections = { count: 0 };
  const server = createServer(handler);
  server.on("connection", () => (connections.count += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections };
}

function transport() {
  const created = createNodeHttpTransport();
  transports.push(created);
  return created;
}

const readAll = async (body: ReadableStream<Uint8Array>) => {
  const parts: string[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of body) parts.push(decoder.decode(chunk, { stream: true }));
  return parts;
};

afterEach(async () => {
  for (const each of transports.splice(0)) each.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe("node:http transport for the pool", () => {
  it("sends method, headers and body, and streams the answer chunk by chunk as the server writes it", async () => {
    const seen: { method?: string; auth?: string; body?: string } = {};
    const { url } = await serve((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        Object.assign(seen, { method: request.method, auth: request.headers.authorization, body });
        response.writeHead(200, { "content-type": "text/event-stream", "x-engine": "one" });
        response.write("data: 1\n\n");
        setTimeout(() => response.write("data: 2\n\n"), 20);
        setTimeout(() => response.end("data: [DONE]\n\n"), 40);
      });
    });
    const response = await transport().fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ stream: true, note: "ü" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("x-engine")).toBe("one");
    expect(await readAll(response.body!)).toEqual(["data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"]);
    expect(seen).toEqual({ method: "POST", auth: "Bearer k", body: '{"stream":true,"note":"ü"}' });
  });

  it("reuses one keep-alive connection for requests made one after another", async () => {
    const { url, connections } = await serve((_request, response) => response.end("ok"));
    const client = transport();
    for (let round = 0; round < 5; round++) expect(await (await client.fetch(`${url}/health`, { headers: {} })).text()).toBe("ok");
    expect(connections.count).toBe(1);
  });

  it("an abort mid-stream errors the body with the reason and closes the connection the engine is writing to", async () => {
    let engineSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (engineSawClose = resolve));
    const { url } = await serve((request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
      const timer = setInterval(() => response.write("data: more\n\n"), 10);
      request.socket.on("close", () => {
        clearInterval(timer);
        engineSawClose();
      });
    });
    const controller = new AbortController();
    const response = await transport().fetch(`${url}/stream`, { headers: {}, signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
    controller.abort(new Error("client went away"));
    await expect(async () => {
      for (;;) if ((await reader.read()).done) break;
    }).rejects.toThrow("client went away");
    await closed;
  });

  it("an abort before the headers rejects with the reason", async () => {
    const { url } = await serve(() => undefined); // never answers
    const controller = new AbortController();
    const pending = transport().fetch(`${url}/slow`, { headers: {}, signal: controller.signal });
    controller.abort(new DOMException("no response headers within 50 ms", "TimeoutError"));
    await expect(pending).rejects.toThrow("no response headers within 50 ms");
  });

  it("a refused connection rejects with the errno a log can show", async () => {
    const port = await freePort();
    await expect(transport().fetch(`http://127.0.0.1:${port}/health`, { headers: {} })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("an engine that dies mid-body errors the stream instead of leaving the reader waiting", async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: partial\n\n");
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const response = await transport().fetch(`${url}/stream`, { headers: {} });
    await expect(readAll(response.body!)).rejects.toThrow(/closed the connection/);
  });

  it("answers without a body where HTTP says there is none", async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    const response = await transport().fetch(`${url}/nothing`, { method: "DELETE", headers: {} });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });
});
