import { serve, type ServerType } from "@hono/node-server";
import { createEmulatedEngine, type EmulatedEngineOptions } from "../emulator/engine/index.js";
import { freePort } from "../emulator/redis-launcher.js";

/** A request body the engine received (with `record`). */
export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
}

/** The pool's one-token generation probe (gpu/health-probe.ts): the pool's own request, not a client's. */
export const isGenerationProbe = (request: ReceivedRequest) =>
  request.path === "/v1/chat/completions" && request.body.max_tokens === 1 && JSON.stringify(request.body.messages) === '[{"role":"user","content":"ping"}]';

/**
 * The emulated engine on a real port, as a vLLM server would be. With `record`, every JSON body
 * that reaches it is kept in `received`: what a recording engine in front of vLLM would see.
 * `stage` answers the paths a test stages (a failing or silent `/v1/rerank`); the engine the rest.
 */
export async function startEngineServer(
  options: EmulatedEngineOptions = {},
  port?: number,
  extra: { record?: boolean; stage?: Record<string, (request: Request) => Promise<Response>> } = {},
) {
  const engine = createEmulatedEngine(options);
  const listenPort = port ?? (await freePort());
  const received: ReceivedRequest[] = [];
  const answer = (request: Request) => extra.stage?.[new URL(request.url).pathname]?.(request) ?? engine.fetch(request);
  const fetch = extra.record
    ? async (request: Request) => {
        if (request.method === "POST") received.push({ path: new URL(request.url).pathname, body: (await request.clone().json()) as Record<string, unknown> });
        return answer(request);
      }
    : answer;
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch, hostname: "127.0.0.1", port: listenPort }, () => resolve(started));
  });
  return {
    engine,
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        // Drop keep-alive sockets too, or close() waits for idle clients.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
