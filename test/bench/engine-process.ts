import { serveHttp } from "../../infra/node/serve.js";
import { createEmulatedEngine } from "../../emulator/engine/index.js";

/** The emulated engine in its own process, so the benchmark's client and Archive don't share its CPU. */
const [port = "0", tokenDelayMs = "0", firstTokenDelayMs = "0"] = process.argv.slice(2);
const engine = createEmulatedEngine({ tokenDelayMs: Number(tokenDelayMs), firstTokenDelayMs: Number(firstTokenDelayMs) });
const http = await serveHttp(engine.fetch, "127.0.0.1", Number(port));
process.stdout.write(`${JSON.stringify({ url: http.url })}\n`);
process.on("SIGTERM", () => void http.close().then(() => process.exit(0)));
