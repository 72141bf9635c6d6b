import { serve, type ServerType } from "@hono/node-server";
import { createEmulatedEngine, type EmulatedEngineOptions } from "../emulator/engine/index.js";
import { freePort } from "../emulator/redis-launcher.js";

/** The emulated engine on a real port, as a vLLM server would be. */
export async function startEngineServer(options: EmulatedEngineOptions = {}, port?: number) {
  const engine = createEmulatedEngine(options);
  const listenPort = port ?? (await freePort());
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: engine.fetch, hostname: "127.0.0.1", port: listenPort }, () => resolve(started));
  });
  return {
    engine,
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Drop keep-alive sockets too, or close() waits for idle clients.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
