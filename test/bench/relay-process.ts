import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The floor for the chat benchmark: a relay with no logic at all (no auth, validation, history,
 * capture or pool), node:http in and out with a keep-alive agent. Whatever it costs, any proxy
 * on this machine costs at least that.
 */
const upstream = new URL(process.argv[2] ?? "");
const agent = new Agent({ keepAlive: true, maxFreeSockets: 1024 });
const server = createServer((incoming, outgoing) => {
  const chunks: Buffer[] = [];
  incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
  incoming.on("end", () => {
    const body = Buffer.concat(chunks);
    const upstreamRequest = request(
      { agent, host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: { "content-type": "application/json", "content-length": body.length } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/octet-stream" });
        answer.on("data", (chunk: Buffer) => outgoing.write(chunk));
        answer.on("end", () => outgoing.end());
      },
    );
    upstreamRequest.on("error", () => outgoing.destroy());
    upstreamRequest.end(body);
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`));
process.on("SIGTERM", () => process.exit(0));
