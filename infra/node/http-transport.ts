import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { PoolFetch } from "../../gpu/pool-types.js";

/**
 * The pool's transport on Node: node:http with keep-alive agents instead of the global `fetch`.
 *
 * Why: a streamed chat reply crosses Archive as ~20 small chunks, and undici's `fetch` spends
 * about as much CPU per request as the rest of Archive together (the Fetch spec's Request and
 * Response objects, its body pipes, an extra web stream per body). Measured at 50 concurrent
 * streams on 2 cores: a relay over `fetch` costs ~2.4 ms of CPU per request, over node:http ~1.5 ms.
 * The answer is still a web `Response`, so nothing above the pool changes.
 *
 * Requests go out without `accept-encoding`, so engines answer uncompressed and the bytes can be
 * handed on as they are.
 */
export interface NodeHttpTransport {
  fetch: PoolFetch;
  /** Closes idle keep-alive sockets (in-flight requests finish). */
  close(): void;
}

/** Status codes whose responses have no body by definition (Response refuses one). */
const nullBodyStatus = new Set([101, 103, 204, 205, 304]);

export function createNodeHttpTransport(options: { idleSocketTimeoutMs?: number } = {}): NodeHttpTransport {
  // An idle socket is dropped before the server would close it (uvicorn's default keep-alive is
  // 5 s): reusing one the server is closing right then fails the request with ECONNRESET.
  const agentOptions = { keepAlive: true, timeout: options.idleSocketTimeoutMs ?? 4000, maxFreeSockets: 256, scheduling: "lifo" as const };
  const agents = { http: new Agent(agentOptions), https: new HttpsAgent(agentOptions) };

  const fetch: PoolFetch = (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === "https:";
      const signal = init.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const body = init.body ?? undefined;
      const headers: Record<string, string> = { ...init.headers };
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const outgoing = (secure ? httpsRequest : httpRequest)(target, { method: init.method ?? "GET", headers, agent: secure ? agents.https : agents.http });

      let incoming: IncomingMessage | undefined;
      let fail: (reason: unknown) => void = reject;
      const onAbort = () => {
        const reason: unknown = signal?.reason;
        fail(reason);
        // Destroying the request closes this one connection: how an engine learns to stop generating.
        outgoing.destroy();
        incoming?.destroy();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const settled = () => signal?.removeEventListener("abort", onAbort);

      outgoing.on("error", (error) => {
        settled();
        fail(error);
      });
      outgoing.on("response", (response) => {
        incoming = response;
        const responseHeaders = new Headers();
        const raw = response.rawHeaders;
        for (let index = 0; index + 1 < raw.length; index += 2) responseHeaders.append(raw[index]!, raw[index + 1]!);
        const status = response.statusCode ?? 502;
        const init = { status, statusText: response.statusMessage ?? "", headers: responseHeaders };
        if (nullBodyStatus.has(status) || outgoing.method === "HEAD") {
          response.resume();
          settled();
          resolve(new Response(null, init));
          return;
        }
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        // The body ends exactly once, whichever comes first: the engine's `end`, the connection
        // dying, the caller's abort or the consumer's cancel. Every later event is ignored — a
        // `close()` after an abort throws ERR_INVALID_STATE from an event handler, which is an
        // uncaught exception that takes the whole process down.
        let ended = false;
        const endWith = (outcome: { error: unknown } | undefined) => {
          if (ended) return;
          ended = true;
          settled();
          if (outcome) controller.error(outcome.error);
          else controller.close();
        };
        const stream = new ReadableStream<Uint8Array>(
          {
            start(streamController) {
              controller = streamController;
            },
            // Backpressure: the socket is paused while the consumer has a chunk unread.
            pull() {
              response.resume();
            },
            cancel() {
              ended = true;
              settled();
              outgoing.destroy();
              response.destroy();
            },
          },
          { highWaterMark: 1 },
        );
        fail = (reason) => endWith({ error: reason });
        response.on("data", (chunk: Buffer) => {
          if (ended) return; // a late chunk after an abort or cancel has nowhere to go
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) response.pause();
        });
        response.on("end", () => endWith(undefined));
        // A connection that dies mid-body ends without "end": the reader must see an error, not hang.
        response.on("close", () => {
          if (!response.complete) endWith({ error: new Error("the engine closed the connection mid-response") });
        });
        resolve(new Response(stream, init));
      });
      outgoing.end(body);
    });

  return {
    fetch,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
