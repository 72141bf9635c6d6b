import { createServer } from "node:net";
import type { Duplex } from "node:stream";
import { serve, type ServerType } from "@hono/node-server";
import { AppError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { toProblem } from "../../shared/problem.js";

type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A start that cannot go on for a reason the operator can fix: its message alone is printed, no stack. */
export class StartupError extends Error {
  override name = "StartupError";
}

const portInUse = (host: string, port: number) => new StartupError(`Port ${port} on ${host} is already in use; set PORT to a free one`);

/**
 * Fails fast when the HTTP port is taken, before anything costly (or anything that must then be
 * stopped again, like a private redis-server) is started. Port 0 means "any", always free.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE" ? portInUse(host, port) : error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Serves a fetch handler over HTTP/1.1 with keep-alive; resolves once listening. */
export async function serveHttp(fetch: FetchHandler, host: string, port: number) {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch, hostname: host, port }, () => resolve(started));
    // A busy port must fail startup with a message, not crash later as an uncaught error.
    started.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? portInUse(host, port) : error),
    );
  });
  server.on("clientError", answerClientError);
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  return {
    port: boundPort,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`,
    /** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}

/**
 * Node answers a request it cannot parse (a URL or headers past its 16 KB limit, bad framing)
 * itself, with a bare status line; this gives the same problem+json body as every other error.
 * Nothing reached the app, so there is no request id.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const appError =
    error.code === "HPE_HEADER_OVERFLOW"
      ? new AppError({ code: "headers_too_large", status: 431, title: "Request Header Fields Too Large", detail: "The URL and headers together exceed 16 KB; send large input in the body" })
      : new AppError({ code: "malformed_request", status: 400, title: "Bad Request", detail: "The request could not be parsed as HTTP/1.1" });
  const body = JSON.stringify(toProblem(appError, "none"));
  socket.end(
    `HTTP/1.1 ${appError.status} ${appError.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Runs `shutdown` once on SIGINT/SIGTERM and exits 0; a shutdown that hangs is cut off so a
 * stop never takes longer than `deadlineMs` (the emulator promises exit within 10 s).
 */
export function onShutdown(logger: Logger, shutdown: () => Promise<void>, deadlineMs = 9000) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("archive_stopping", { signal });
    setTimeout(() => {
      logger.error("shutdown_timeout", { deadline_ms: deadlineMs });
      process.exit(1);
    }, deadlineMs).unref();
    shutdown().then(
      () => {
        logger.info("archive_stopped", {});
        process.exit(0);
      },
      (error: unknown) => {
        logger.error("shutdown_failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** Before the logger exists (bad config) a plain sentence on stderr is the clearest message. */
export function exitOnStartupError(error: unknown, describe: (error: unknown) => string | undefined): never {
  const detail = describe(error) ?? (error instanceof StartupError ? error.message : undefined) ?? (error instanceof Error ? error.stack ?? error.message : String(error));
  process.stderr.write(`Archive cannot start.\n${detail}\n`);
  process.exit(1);
}
